"""The ``exactrelu`` command line (docs/commands.md): one module per command, each with
``add_parser(subparsers)`` and ``run(args) -> exit code``; this module parses and maps errors.

Exit codes: 0 success, 1 a negative verdict, 2 bad input or usage (one line on stderr, never a
traceback), 130 interrupted (what was found is still written, marked incomplete), 141 the reader
of stdout went away (as if killed by SIGPIPE).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import NoReturn

from ..engines.collector import paused_gc
from ..errors import ExactReluError, InternalError, Interrupted
from ..interrupts import may_raise_now
from . import boundary, certify, check, coq, diff, dof, latex, plot, regions, report
from .common import Parser, UsageError, usage_message

__all__ = ["main", "command", "build_parser", "EXIT_BROKEN_PIPE"]

EXIT_BROKEN_PIPE = 128 + 13  # the shell's status for a process killed by SIGPIPE
COMMANDS = {
    "regions": regions,
    "certify": certify,
    "check": check,
    "boundary": boundary,
    "dof": dof,
    "plot": plot,
    "latex": latex,
    "coq": coq,
    "report": report,
    "diff": diff,
}


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="exactrelu", description="Exact, certified geometry of ReLU networks.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for command in COMMANDS.values():
        command.add_parser(sub)
    return parser


def command() -> NoReturn:
    """The ``exactrelu`` command: :func:`main`, then an exit that Ctrl-C no longer disturbs.  The
    first Ctrl-C stops the work and writes what was found, a second one stops the writing (no
    partial file is left); any later one is ignored.  A Ctrl-C never cuts a shielded step or cleanup
    in half (:mod:`exactrelu.interrupts`); one that lands inside an object's finaliser is dropped
    quietly (Python would print it as an ignored exception with its traceback): press it again."""
    finished = False
    # Collected by a C function (a Python hook can itself be cut by the next Ctrl-C, which Python
    # then reports with a traceback), and reported at the end, but for the dropped Ctrl-Cs.
    unraisable: list = []
    default_hook, sys.unraisablehook = sys.unraisablehook, unraisable.append

    def on_ctrl_c(signum, frame) -> None:
        # Decided when the handler runs, not when the signal arrives: a Ctrl-C pending as main()
        # returns runs it at the next call, after `finished` is set.  (Switching Ctrl-C off with
        # SIG_IGN alone left a window in which it raised; CI once caught it.)
        if not finished and may_raise_now():
            signal.default_int_handler(signum, frame)

    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not when started with Ctrl-C ignored (nohup, &)
        signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        code = main()
    except KeyboardInterrupt:  # pressed again while the first one was being handled
        code = 130
    finished = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # or Python's shutdown restores the default: killed by SIGINT
    sys.unraisablehook = default_hook
    for event in unraisable:
        if not issubclass(event.exc_type, KeyboardInterrupt):
            default_hook(event)
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(f"exactrelu: error: {usage_message(str(exc), argv)} (see --help)", file=sys.stderr)
        return 2
    if args.command is None:
        parser.print_help()
        return 2
    try:
        with paused_gc():  # see engines/collector.py: a fifth of a long run, for no garbage
            return COMMANDS[args.command].run(args)
    except Interrupted as exc:
        print(f"exactrelu: {exc}", file=sys.stderr)
        return 130
    except InternalError as exc:
        print(
            f"exactrelu: internal error (a bug in exactrelu; please report it with the input): {exc}", file=sys.stderr
        )
        return 2
    except ExactReluError as exc:
        print(f"exactrelu: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into head: stop quietly, with the status of a SIGPIPE kill
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        name = f"{exc.filename}: " if exc.filename else ""
        print(f"exactrelu: error: {name}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("exactrelu: interrupted", file=sys.stderr)
        return 130
