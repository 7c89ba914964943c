"""``exactrelu coq``: a Coq development proving a certificate's claims (docs/coq.md)."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import exactrelu_checker
from exactrelu_checker import MalformedCertificate

from ..errors import InvalidArgument, counted
from ..export.coq_export import theorems, write_development
from .common import read_certificate_file

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    c = sub.add_parser("coq", help="write a Coq development proving a certificate's claims (docs/coq.md)")
    c.add_argument("certificate", metavar="CERT.json")
    c.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        required=True,
        help="folder to write _CoqProject, Checker.v, Network.v, Certificate.v, Main.v, README.md into",
    )
    c.add_argument(
        "--no-compile",
        action="store_true",
        help="do not run coq_makefile and make (by default they run when coqc is on PATH, and "
        "README.md records Print Assumptions)",
    )


def run(args: argparse.Namespace) -> int:
    if args.output.strip() in ("", "-"):
        raise InvalidArgument("coq writes a folder of .v files: -o needs a folder name (not stdout)")
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise InvalidArgument(f"cannot write {args.output}: it is not a folder")
    if not out.parent.is_dir():
        raise InvalidArgument(f"cannot write {args.output}: the folder {out.parent} does not exist")
    try:
        verdict = exactrelu_checker.check_certificate(Path(args.certificate))
    except MalformedCertificate as exc:
        raise InvalidArgument(f"{args.certificate}: {str(exc).splitlines()[0]}") from None
    if not verdict.verified:
        print(f"NOT VERIFIED: {verdict.reason}\nno Coq development written: the certificate does not verify")
        return 1
    data = read_certificate_file(args.certificate)
    compile_it = not args.no_compile and shutil.which("coqc") is not None
    paths, compiled = write_development(data, out, compile=compile_it, source=Path(args.certificate).name)
    what = f"{counted(len(data['regions']), 'region')}, {counted(len(data['edges']), 'edge')}"
    print(f"wrote {out}/ ({', '.join(p.name for p in paths)}) for {what}")
    if compiled is None:
        reason = "--no-compile" if args.no_compile else "coqc not found"
        print(f"not compiled ({reason}); build with: cd {out} && coq_makefile -f _CoqProject -o Makefile && make")
        return 0
    if not compiled.ok:
        print(f"Coq REFUSED the development ({compiled.coqc}); see {out}/README.md")
        return 1
    closed = compiled.assumptions.count("Closed under the global context")
    names = theorems(data)
    print(
        f"compiled with {compiled.coqc} in {compiled.seconds:.1f} s: {', '.join(names)} proved; "
        f"Print Assumptions: {closed} of {len(names)} closed under the global context"
    )
    return 0 if closed == len(names) else 1
