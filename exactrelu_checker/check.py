"""Checking a parsed certificate against the claims of statement.py, and the command line.

One pass over the sign-split tree, with an explicit stack, carries per node the integer forms of its
layer (composed once per ``n`` node, shared by the subtree), the bits so far and the cell's
constraint list; decisions are proved where they are made, and each leaf's region is checked on the
spot and reduced to what later phases need: its output map and its facets (vertex-id sets keyed by
oriented primitive hyperplane).  Edges, coverage, continuity and the summary work on those alone.
All arithmetic is on integers; anything unconfirmed raises Refuted.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from dataclasses import dataclass
from fractions import Fraction
from itertools import chain, repeat
from math import gcd, lcm
from operator import add, itemgetter, mul
from pathlib import Path
from typing import NoReturn

from . import constraints, processes
from .geometry import MAX_BITS, Exceeded, Refuted, VertexTable, Work, facet_volume, region_facets
from .linalg import bits, dot, primitive, solve
from .parse import Certificate, MalformedCertificate, load, load_network, show
from .statement import claim

__all__ = ["Verdict", "check_certificate", "check_file", "main", "WORK_PER_BYTE", "WORK_BASE"]

WORK_PER_BYTE = 1_000  # the check's work is at most this many operations per byte of the certificate,
WORK_BASE = 10_000_000  # plus this many (docs/certificate.md, "How much work a check takes")


@dataclass(frozen=True, slots=True)
class Verdict:
    """``verified`` is True only after every check passed; otherwise ``reason`` says what failed.
    The other fields say what it is about, read from the certificate (the counts only once verified).
    ``compared_with``: None when no network was given, else a file name or "the network given"."""

    verified: bool
    reason: str = ""
    inputs: int | None = None  # the input dimension d
    widths: tuple = ()  # the hidden layer widths, then the number of outputs
    slopes: tuple = ()  # the negative slope of each hidden layer (all 0: ReLU)
    domain: str = ""  # "box [lo, hi] x ..." or "polytope with m constraints in d dimensions"
    regions: int | None = None
    edges: int | None = None
    linear_pieces: int | None = None
    compared_with: str | None = None
    operations: int | None = None  # the work the check did, in the checker's weighted operations
    boundary: int | None = None  # the verified decision boundary's piece count (None: no boundary in it)

    def facts(self) -> list[str]:
        """What a VERIFIED verdict is about: widths and activation, domain, counts (``main`` prints
        them after VERIFIED, then which network was compared)."""
        slopes = ", ".join(show(s) for s in self.slopes[:5]) + (", ..." if len(self.slopes) > 5 else "")
        activation = f"LeakyReLU, negative slopes {slopes}" if any(self.slopes) else "ReLU"
        widths = " -> ".join(map(str, (self.inputs,) + self.widths))
        boundary = [] if self.boundary is None else [f"decision boundary: {self.boundary} pieces, complete"]
        return [f"widths: {widths} (inputs -> hidden layers -> outputs; {activation})",
                f"domain: {self.domain}",
                f"regions: {self.regions}, edges: {self.edges}, linear pieces: {self.linear_pieces}", *boundary]


def check_certificate(data, network=None, *, jobs: int = 1) -> Verdict:
    """Check a certificate: a dict, JSON text (bytes, or a str starting with ``{``) or a path
    (``pathlib.Path``, or a str naming a file).  The network checked is always the certificate's
    embedded one; ``network`` (a dict in the project's network JSON form, its JSON text, or a path
    as above), when given, must equal it exactly, entry by entry as rationals.  ``source`` is never
    consulted.  ``jobs`` processes share the walk of the tree; the verdict does not depend on it.
    Raises :class:`MalformedCertificate` when the certificate or network cannot be read.

    >>> check_certificate('{"format": "exactrelu-certificate", "version": 1}')
    Traceback (most recent call last):
    ...
    exactrelu_checker.parse.MalformedCertificate: certificate: missing key 'network'
    """
    collecting = gc.isenabled()  # reading and checking build millions of small containers and no cycles:
    gc.disable()  # a cyclic collector would rescan them over and over (a third of the time on large files)
    try:
        return _check(data, network, jobs)
    finally:
        if collecting:
            gc.enable()


def _check(data, network, jobs: int) -> Verdict:
    cert = load(data)
    given, compared_with = None, None
    if network is not None:
        given = load_network(network)
        file = isinstance(network, os.PathLike) or isinstance(network, str) and not network.lstrip().startswith("{")
        compared_with = os.fspath(network) if file else "the network given"
    work = Work(WORK_PER_BYTE * cert.size + WORK_BASE, WORK_PER_BYTE)
    try:
        _Checker(cert, work).run(given, jobs)
    except Exception as exc:  # default deny
        reason = _reason(exc)
    else:
        return Verdict(True, "", **_facts(cert, compared_with), regions=len(cert.regions), edges=len(cert.edges),
                       linear_pieces=cert.summary[2], operations=work.done,
                       boundary=None if cert.boundary is None else len(cert.boundary[0]))
    return Verdict(False, reason, **_facts(cert, compared_with), operations=work.done)


def check_file(path, network=None, *, jobs: int = 1) -> Verdict:
    """Check the certificate file at ``path``; ``network`` and ``jobs`` as for :func:`check_certificate`.
    Raises :class:`MalformedCertificate` when either cannot be read or parsed."""
    return check_certificate(Path(path), network, jobs=jobs)


def _facts(cert: Certificate, compared_with: str | None) -> dict:
    d = len(cert.layers[0][0][0])
    parts = [f"[{show(lo)}, {show(hi)}]" for lo, hi in cert.box or ()]
    domain = (f"polytope with {len(cert.A)} constraints in {d} dimensions" if cert.box is None else "box "
              + (" x ".join(parts) if d <= 6 else " x ".join(parts[:3] + ["...", parts[-1]]) + f" ({d} dimensions)"))
    return {"inputs": d, "widths": tuple(len(bias) for _, bias in cert.layers), "slopes": cert.slopes,
            "domain": domain, "compared_with": compared_with}


def main(argv: list[str] | None = None) -> int:
    """``python -m exactrelu_checker CERT.json [--network NET.json] [--jobs N]``: exit 0 VERIFIED (then
    a summary of what was verified), 1 NOT VERIFIED, 2 unreadable or malformed input."""
    parser = argparse.ArgumentParser(prog="exactrelu-checker", description="Independent certificate checker.")
    parser.add_argument("certificate", metavar="CERT.json")
    parser.add_argument("--network", metavar="NET.json",
                        help="a network JSON file that must equal the certificate's embedded network exactly")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="processes sharing the walk of the tree (default 1; small certificates use one)")
    parser.error = lambda message: parser.exit(2, f"exactrelu-checker: error: {message}\n")  # type: ignore[method-assign]
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"argument --jobs: {args.jobs} is less than 1")
    try:
        verdict = check_file(args.certificate, None if args.network is None else Path(args.network), jobs=args.jobs)
        compared = f"compared exactly with {verdict.compared_with}" if verdict.compared_with else "no --network given"
        lines = ["VERIFIED", *verdict.facts(), f"network: the certificate's embedded network ({compared})"]
        print("\n".join(lines) if verdict.verified else f"NOT VERIFIED: {verdict.reason}", flush=True)
        return 0 if verdict.verified else 1
    except BrokenPipeError:  # stdout closed (| head): quietly, 141 as a SIGPIPE kill, and nothing more at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except (MalformedCertificate, OSError, RecursionError, MemoryError, ValueError) as exc:  # OSError: a full stdout too
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"exactrelu-checker: error: {text}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("exactrelu-checker: interrupted", file=sys.stderr)
        return 130


def _fail(number: int, message: str) -> NoReturn:
    raise Refuted(f"{claim(number)}: {message}")


def _record(named: dict, r: int, idx: int) -> None:
    if r in named:
        _fail(2, f"region {r} is named by nodes {min(named[r], idx)} and {max(named[r], idx)}")
    named[r] = idx


def _reason(exc: Exception) -> str:
    """The one-line reason of a refusal: whatever stops the check refuses it, never passes it."""
    if isinstance(exc, Refuted):
        return str(exc)
    if isinstance(exc, (RecursionError, MemoryError)):
        return f"the checker ran out of resources ({type(exc).__name__})"
    return f"the check could not be completed ({type(exc).__name__}: {exc})"[:300]


def _difference(given: tuple, embedded: tuple) -> str:
    """The first difference between two networks ``(layers, slopes)`` (given vs embedded), or ""."""
    if given == embedded:  # exact: Fractions compare as rationals
        return ""
    shapes = [" -> ".join(map(str, [len(ls[0][0][0])] + [len(b) for _, b in ls])) for ls, _ in (given, embedded)]
    if shapes[0] != shapes[1]:
        return f"widths: {shapes[0]} vs {shapes[1]}"

    def entries(layers, slopes):
        for k, (weight, bias) in enumerate(layers):
            yield from ((f"layer {k} weight [{i}][{j}]", q) for i, row in enumerate(weight) for j, q in enumerate(row))
            yield from ((f"layer {k} bias [{i}]", q) for i, q in enumerate(bias))
        yield from ((f"negative slope [{k}]", q) for k, q in enumerate(slopes))
    for (where, q), (_, q_e) in zip(entries(*given), entries(*embedded)):
        if q != q_e:
            return f"{where}: {show(q)} vs {show(q_e)}"
    return ""


def _integers(values, work: Work | None = None, cap: int = MAX_BITS, what: str = "") -> tuple[list[int], int]:
    """Rationals as integers over their least common denominator (at most ``cap`` bits)."""
    work, den = work or Work(), 1
    for q in values:
        if den % q.denominator:
            work.charge(4, max(den.bit_length(), q.denominator.bit_length()))
            den = lcm(den, q.denominator)
            Work.size(den.bit_length(), cap, what or "a common denominator")
    out = [q.numerator * (den // q.denominator) for q in values]
    work.charge(2 * len(out), den.bit_length())
    return out, den


class _Checker:
    def __init__(self, cert: Certificate, work: Work | None = None):
        self.cert = cert
        self.d = d = len(cert.layers[0][0][0])
        self.cap = MAX_BITS // (d + 1)  # bits of a form: then every d x d determinant fits in MAX_BITS
        self.table = VertexTable(work)
        self.work = work = self.table.work
        self.widths = [len(bias) for _, bias in cert.layers[:-1]]
        self.layers = []  # per layer: integer weight rows, integer biases, common denominator, bit length
        for k, (weight, bias) in enumerate(cert.layers):
            what = f"layer {k} (over its common denominator)"
            flat, den = _integers([q for row in weight for q in row] + list(bias), work, self.cap, what)
            n_in, size = len(weight[0]), max(Work.size(bits(flat), self.cap, what), den.bit_length())
            rows = [flat[i * n_in:(i + 1) * n_in] for i in range(len(weight))]
            self.layers.append((rows, flat[-len(bias):], den, size))
        # domain constraint i as the primitive form of b_i - A_i . x
        self.domain = [primitive(_integers([b] + [-a for a in row], work, self.cap, f"domain row {i}")[0])
                       for i, (row, b) in enumerate(zip(cert.A, cert.b))]
        self.table.domain_bits = bits(x for form in self.domain for x in form)
        work.charge(len(self.domain) * (d + 1), self.table.domain_bits)
        self.facets: list[dict] = [{} for _ in cert.regions]
        self.cons_of: list[list] = [[] for _ in cert.regions]  # the constraint form: each region's constraints
        self.box: tuple | None = None  # a box domain's bounds over their common denominator
        self.maps: list[tuple] = [()] * len(cert.regions)
        self.last: dict[int, tuple] = {}  # per layer: its last composition, which a sibling's updates

    def run(self, given: tuple | None, jobs: int = 1) -> None:
        cert = self.cert
        if given is not None:
            difference = _difference(given, (cert.layers, cert.slopes))
            if difference:
                raise Refuted(f"the network given differs from the certificate's embedded network ({difference})")
        if cert.summary[:2] != (len(cert.regions), len(cert.edges)):
            _fail(6, f"summary says {show(cert.summary[0])} regions and {show(cert.summary[1])} edges, the "
                     f"certificate lists {len(cert.regions)} and {len(cert.edges)}")
        self.check_domain()
        self.walk_tree(jobs)
        if len(set(r.pattern for r in cert.regions)) != len(cert.regions):
            _fail(3, "two regions have the same pattern")
        self.check_edges()
        if cert.boundary is not None:
            self.check_boundary()

    # -- claim 1 ----------------------------------------------------------------------------------
    def check_domain(self) -> None:
        cert, d, work = self.cert, self.d, self.work
        if cert.box is not None:
            work.charge(2 * d * d)
            rows = []
            for i, (lo, hi) in enumerate(cert.box):
                rows += [(tuple(-int(c == i) for c in range(d)), -lo), (tuple(int(c == i) for c in range(d)), hi)]
            if list(zip(cert.A, cert.b)) != rows:
                _fail(1, "domain.A and domain.b are not the rows -x_i <= -lo_i, x_i <= hi_i of domain.box")
            self.box = _integers([v for pair in cert.box for v in pair], work, self.cap, "domain.box")
        # row i of A is ratio_i times the gradient g_i of its integer form, so y^T A = sum_i y_i ratio_i g_i
        ratios = [next((a / form[c + 1] for c, a in enumerate(row) if a), 0) for row, form in zip(cert.A, self.domain)]
        for e, y in enumerate(cert.bounded):
            terms = [(v * r, form) for v, r, form in zip(y, ratios, self.domain) if v and r]
            work.charge(len(y) + 4 * len(terms) + d)
            coefficients, den = _integers([t for t, _ in terms], work, MAX_BITS, f"bounded[{e}]")
            work.charge(len(terms) * d, max(den.bit_length(), self.table.domain_bits))
            total = [sum(k * form[c + 1] for k, (_, form) in zip(coefficients, terms)) for c in range(d)]
            if any(v < 0 for v in y) or total != [den * (1 - e % 2 * 2) * (c == e // 2) for c in range(d)]:
                _fail(1, f"bounded[{e}] is not a nonnegative y with y^T A = {'+' if e % 2 == 0 else '-'}e_{e // 2}")

    # -- claims 2 and 3 ---------------------------------------------------------------------------
    def walk_tree(self, jobs: int = 1) -> None:
        cert, tree, n_hidden, work = self.cert, self.cert.tree, len(self.widths), self.work
        parent = [-1] * len(tree)  # one parent each, with a smaller index: every node is reached once
        work.charge(2 * len(tree))
        for idx, node in enumerate(tree):
            for child in node.children:
                if child <= idx or parent[child] >= 0:
                    _fail(2, f"node {child} is listed by node {idx} " + ("but does not come after it" if child <= idx
                             else f"and by node {parent[child]}"))
                parent[child] = idx
        if -1 in parent[1:]:
            _fail(2, f"node {parent.index(-1, 1)} is the child of no node")
        named: dict[int, int] = {}  # region -> the leaf naming it
        first = [None] * (self.widths[0] if n_hidden else 0)
        roots = [((0, 0, self.compose(None, [], 0), first, len(self.domain), None), self.domain, self.domain, (), ())]
        if jobs > 1 and len(cert.regions) >= processes.MIN_REGIONS and processes.FORK:
            while roots and len(roots) < processes.SUBTREES_PER_JOB * jobs:  # the top, level by level
                roots = self.walk(roots, named, expand=True)
        if len(roots) > 1:
            self.roots = roots  # inherited by the forked workers, which walk them (self.subtree)
            size = [1] * len(tree)  # nodes per subtree: the largest start first
            for idx in reversed(range(len(tree))):
                size[idx] += sum(size[c] for c in tree[idx].children)
            order = sorted(range(len(roots)), key=lambda i: -size[roots[i][0][0]])
            processes.run(self.subtree, order, jobs, lambda result: self.merge(named, *result))
        else:
            self.walk(roots, named)
        if len(named) < len(cert.regions):
            _fail(2, f"region {min(set(range(len(cert.regions))) - named.keys())} is named by no leaf of the tree")

    def walk(self, roots: list, named: dict, expand: bool = False) -> list:
        """Check the subtrees at ``roots`` (a stack entry and the lists it starts from, each), recording each
        leaf's region in ``named``; with ``expand``, only the roots' nodes: their children are returned."""
        tree, n_hidden, work, children = self.cert.tree, len(self.widths), self.work, []
        for entry, *lists in roots:
            # lists shared depth-first, each node cutting them back to its parent's length: the constraints
            # (the domain's, then the path's), their hyperplanes, and per completed layer its bits and forms
            cons, hyper, done, path = map(list, lists)
            stack = [entry]
            while stack and (stack[-1] is entry or not expand):
                idx, k, forms, bits_, depth, split = stack.pop()
                rows = forms[0]
                del cons[depth:], hyper[depth:], done[k:], path[k:]
                if split is not None:
                    cons.append(split[0])
                    hyper.append(split[1])
                node = tree[idx]
                work.charge(len(bits_) + len(node.decisions) + 1)
                if node.k != k:
                    _fail(2, f"node {idx} says layer {node.k}, but its path is at layer {k}")
                cache: dict = {}
                for j, bit, proof in node.decisions:
                    if bits_[j] is not None:
                        _fail(2, f"node {idx}: neuron {j} of layer {k} already has a bit on this path")
                    self.prove(idx, k, j, bit, proof, rows, cons, cache, forms[2], node)
                    bits_[j] = bit
                if node.kind == "s":
                    j = node.value
                    if bits_[j] is not None:
                        _fail(2, f"node {idx} splits neuron {j} of layer {k}, which already has a bit on this path")
                    work.charge(2 * (self.d + 1), forms[2])
                    form = primitive(rows[j])
                    for child, bit, con in zip(node.children, (1, 0), (form, tuple(-x for x in form))):
                        child_bits = bits_.copy()
                        child_bits[j] = bit
                        stack.append((child, k, forms, child_bits, len(cons), (con, form)))
                    continue
                if None in bits_:
                    _fail(2, f"node {idx} ends layer {k} but neuron {bits_.index(None)} has no bit on its path")
                if n_hidden:
                    done.append(tuple(bits_))
                    path.append(forms)
                if node.kind == "n":
                    if k + 1 >= n_hidden:
                        _fail(2, f"node {idx} is an 'n' node at the last hidden layer")
                    stack.append((node.children[0], k + 1, self.compose(forms, bits_, k + 1), [None] * self.widths[k + 1],
                          len(cons), None))
                    continue
                if k != max(n_hidden - 1, 0):
                    _fail(2, f"node {idx} is a leaf at layer {k}, before the last hidden layer")
                r = node.value
                _record(named, r, idx)
                out = self.compose(forms, bits_, n_hidden) if n_hidden else forms
                self.region(r, idx, tuple(done), path, out, cons, hyper)
            children += [(e, cons, hyper, done, path) for e in stack]  # with expand: the root's children
        return children

    def subtree(self, i: int) -> tuple:
        """In a worker process: walk ``self.roots[i]``; return ``(reason, None)`` for a refusal, else
        ``(None, (work, named, points, regions))``: each region's map, constraints and facets, the
        vertices as indices into ``points``, their exact coordinates (ids mean nothing elsewhere)."""
        try:
            start, named, local = self.work.done, dict[int, int](), dict[int, int]()
            self.walk([self.roots[i]], named)
            regions = [(r, self.maps[r], self.cons_of[r], {key: (None if vs is None else tuple(
                local.setdefault(v, len(local)) for v in vs), t) for key, (vs, t) in self.facets[r].items()})
                for r in named]
            return None, (self.work.done - start, named, [self.table.coords[v] for v in local], regions)
        except Exception as exc:  # default deny, in the main process
            return _reason(exc), None

    def merge(self, named: dict, reason: str | None, result: tuple) -> None:
        """In the main process, in tree order: a worker's subtree (see :meth:`subtree`)."""
        if reason is not None:
            raise Refuted(reason)
        done, leaves, points, regions = result
        self.work.charge(done)  # the limit bounds the sum of all processes' work
        for r, idx in leaves.items():
            _record(named, r, idx)
        ids = [self.table.id(p) for p in points]
        for r, out, cons, facets in regions:
            self.maps[r], self.cons_of[r] = out, cons
            self.facets[r] = {key: (None if vs is None else frozenset([ids[v] for v in vs]), t)
                              for key, (vs, t) in facets.items()}

    def compose(self, forms, bits_: list, k: int) -> tuple[list, int, int]:
        """The forms of layer ``k`` (the output layer for k = number of hidden layers) over one common
        denominator, and their bit length, from the forms ``(rows, den, bits)`` of layer ``k - 1`` and
        its bits."""
        W, bias, w_den, w_bits = self.layers[k]
        d, work = self.d, self.work
        if forms is None:  # layer 0: the forms are the weights themselves
            out = [[b] + w for w, b in zip(W, bias)]
            den = w_den
        else:
            rows, den, f_bits = forms
            slope = self.cert.slopes[k - 1]
            sp, sq = slope.numerator, slope.denominator
            scale, size = den * sq, max(w_bits, f_bits) + 64
            den = w_den * scale
            active = [j for j, bit in enumerate(bits_) if bit or sp]  # bit-0 neurons of a ReLU layer add nothing
            last = self.last.get(k)  # (forms, bits, rows before reduction) of this layer's last composition
            sibling = last if last and last[0] is forms else None
            changed = [j for j, (a, b) in enumerate(zip(sibling[1], bits_)) if a != b] if sibling else []
            work.charge(2 * len(bits_))
            if sibling and 3 * len(changed) <= len(active):  # a sibling's: add the changed neurons
                work.charge(2 * len(W) * len(changed) * (d + 1), size)
                out = list(sibling[2])
                for j in changed:
                    col = [(sq - sp if bits_[j] else sp - sq) * x for x in rows[j]]
                    for i, w in enumerate(W):
                        if w[j]:
                            out[i] = list(map(add, out[i], map(mul, col, repeat(w[j]))))
            elif active:
                work.charge(len(W) * (len(active) + 2) * (d + 1) + len(active) * (d + 1), size)
                scaled = [rows[j] if f == 1 else [f * x for x in rows[j]] for j in active
                          for f in [sq if bits_[j] else sp]]
                cols = list(zip(*scaled))
                pick = itemgetter(*active)
                out = []
                for w, b in zip(W, bias):
                    picked = pick(w) if len(active) > 1 else (w[active[0]],)
                    row = [sum(map(mul, picked, col)) for col in cols]
                    row[0] += b * scale
                    out.append(row)
            else:
                work.charge(len(W) * (d + 1), size)
                out = [[b * scale] + [0] * d for b in bias]
            self.last[k] = (forms, tuple(bits_), out)
        size = max(bits(chain.from_iterable(out)), den.bit_length())
        work.charge(2 * len(out) * (d + 1), size)
        what = "the output maps" if k == len(self.widths) else f"the pre-activation forms of layer {k}"
        Work.size(size, self.cap, f"{what} (over a common denominator, on some path)")
        g = gcd(den, *chain.from_iterable(out))
        if g == 1:
            return [tuple(row) for row in out], den, size
        return [tuple(x // g for x in row) for row in out], den // g, size

    def prove(self, idx: int, k: int, j: int, bit: int, proof, rows: list, cons: list, cache: dict, b, node) -> None:
        """A decision: ``sgn * form >= 0`` on the cell, ``form = rows[j]`` nonzero for bit 1 (one solve per basis)."""
        form = rows[j]
        def fail(message) -> NoReturn:
            _fail(2, f"node {idx}: decision {bit} for neuron {j} of layer {k}: {message}")
        sgn = 1 if bit else -1
        nonzero = any(form)
        d, work = self.d, self.work
        work.charge(d + 1)
        if proof == "z":
            if bit or nonzero:
                fail("proof 'z' needs bit 0 and the zero form")
            return
        if bit and not nonzero:
            fail("the form is zero, so the canonical bit is 0")
        if isinstance(proof, constraints.Combination):
            reason = constraints.dominated(tuple(sgn * x for x in primitive(form)), proof, cons, self.box, work)
            if reason:
                fail(reason)
            return
        if proof == "b":
            if self.box is None:
                fail("proof 'b' needs a box domain")
            bounds, den = self.box
            work.charge(3 * d, b + den.bit_length())
            low = sgn * form[0] * den
            for c in range(d):  # each term at its lower bound (bounds: lo_c, hi_c)
                a = sgn * form[c + 1]
                low += a * bounds[2 * c + (a < 0)]
            if low < 0:
                fail("the form's bound over the box has the wrong sign")
            return
        r = len(proof)
        solver = cache.get(proof)
        if solver is None:  # [basis gradients | sgn * gradient of each decision by it]: row i < r gives p * y_i
            if len(set(proof)) != r or max(proof) >= len(cons):
                fail(f"the basis repeats indices or leaves the cell's {len(cons)} constraints")
            c_bits = bits(x for t in proof for x in cons[t])
            work.charge(d * (r + d) * r, r * c_bits)
            group = [(jj, 1 if bb else -1) for jj, bb, pp in node.decisions if pp == proof]
            out = solve([[cons[t][c + 1] for t in proof] + [s * rows[i][c + 1] for i, s in group] for c in range(d)], r)
            if out is None:
                fail("the basis gradients are dependent")
            solver = cache[proof] = ({jj: n for n, (jj, _) in enumerate(group)}, *out, r * c_bits)
        column, p, Y, e_bits = solver
        work.charge(d * d + 2 * r, e_bits + b)
        y = Y[column[j]]  # the multipliers are y / p (None: no combination of the basis gradients)
        if y is None:
            fail("the basis gradients do not carry the form's gradient")
        if r and (min(y[:r]) if p > 0 else -max(y[:r])) < 0:
            fail("a Farkas multiplier is negative")
        if (rest := sgn * form[0] * p - sum(v * cons[t][0] for v, t in zip(y, proof))) and (rest < 0) != (p < 0):
            fail("the Farkas combination leaves a negative constant")

    def region(self, r: int, idx: int, pattern: tuple, path: list, out: tuple, cons: list, hyper: list) -> None:
        where = f"region {r} (leaf node {idx})"
        reg, d, work = self.cert.regions[r], self.d, self.work
        if reg.pattern != pattern:
            _fail(3, f"{where}: the pattern is not the bits of its path")
        rows, den, m_bits = out
        work.charge(2 * len(rows) * (d + 1), m_bits + 64)
        for o, (row, b, weights) in enumerate(zip(rows, reg.bias, reg.weight)):
            for c, (p, q) in enumerate((b,) + weights):
                if p * den != row[c] * q:
                    _fail(3, f"{where}: map output {o} differs from the map recomputed from the pattern")
        self.maps[r] = rows, den
        numerators, w0 = _integers(reg.point, work, MAX_BITS, f"{where}: the point")
        point = [w0] + numerators
        p_bits = bits(point)
        # inside every constraint: then a decided neuron's form, proved >= 0 or <= 0 on the cell, is > 0 or < 0 here
        work.charge(len(cons) * (d + 1), max(p_bits, self.table.domain_bits, *(f[2] for f in path)) + 64)
        for t, con in enumerate(cons):  # the domain's, then the path's splits
            if dot(con, point) <= 0:
                _fail(3, f"{where}: the point is not strictly inside constraint {t} of its cell")
        if self.cert.form == "constraints":
            self.cons_of[r] = cons[:]
            try:
                self.facets[r] = constraints.region_facets(where, cons, len(self.domain), reg, point, self.box, work)
            except Refuted as exc:
                raise exc if isinstance(exc, Exceeded) else Refuted(f"{claim(4)}: {exc}") from None
            return
        try:
            self.facets[r] = region_facets(where, cons, hyper, reg.vertices, d, self.table, len(self.domain))
        except Refuted as exc:
            raise exc if isinstance(exc, Exceeded) else Refuted(f"{claim(4)}: {exc}") from None

    # -- claims 4, 5 and 6 ------------------------------------------------------------------------
    def shared_facet(self, i: int, j: int, proofs: tuple = ()):
        """``(hyperplane of i's facet, relation)`` with relation 0: equal, 1: i's facet inside j's,
        2: j's inside i's; or None.  An edge with ``proofs`` is the constraint form's: equal facets, proved."""
        if proofs:
            key = constraints.equal_facets(i, j, proofs, self.facets, self.cons_of, len(self.domain), self.box,
                                           self.work)
            return key, 0
        fi, fj = self.facets[i], self.facets[j]  # the smaller of the two facet lists is looked up in the other
        self.table.work.charge(2 * min(len(fi), len(fj)) * len(next(iter(fi), ())))
        for key in fi if len(fi) <= len(fj) else [tuple(-x for x in key) for key in fj]:
            if key not in fi or (flip := tuple(-x for x in key)) not in fj:
                continue
            vi, vj = fi[key][0], fj[flip][0]
            if vi == vj:
                return key, 0
            if vi <= vj or self.inside(vi, fj):
                return key, 1
            if vj <= vi or self.inside(vj, fi):
                return key, 2
        return None

    def inside(self, vertex_ids, facets: dict) -> bool:
        coords, size = self.table.coords, max(self.table.bits[v] for v in vertex_ids)
        self.table.work.charge(len(vertex_ids) * len(facets) * len(coords[0]), size + bits(chain.from_iterable(facets)))
        return all(dot(form, coords[v]) >= 0 for v in vertex_ids for form in facets)

    def check_edges(self) -> None:
        cert, work = self.cert, self.table.work
        n = len(cert.regions)
        if len(set(e[:2] for e in cert.edges)) != len(cert.edges):
            _fail(4, "an edge is listed twice")
        across: list[dict] = [{} for _ in range(n)]  # region -> facet hyperplane -> [(neighbour, relation)]
        self.across = across
        parent = list(range(n))

        def find(a):
            while parent[a] != a:
                parent[a] = a = parent[parent[a]]
            return a

        for e, (i, j, *proofs) in enumerate(cert.edges):
            if i >= j:
                _fail(4, f"edge {e} [{i}, {j}] is not ordered i < j")
            try:
                shared = self.shared_facet(i, j, tuple(proofs))
            except Refuted as exc:
                raise exc if isinstance(exc, Exceeded) else Refuted(f"{claim(4)}: edge {e} [{i}, {j}]: {exc}") from None
            key, relation = shared or _fail(4, f"edge {e} [{i}, {j}]: the regions share no facet")
            across[i].setdefault(key, []).append((j, relation))
            across[j].setdefault(tuple(-x for x in key), []).append((i, (0, 2, 1)[relation]))
            (mi, di), (mj, dj) = self.maps[i], self.maps[j]
            pivot = next(c for c in range(1, len(key)) if key[c])
            work.charge(4 * len(mi) * len(key), bits(chain.from_iterable(mi)) + bits(key) + 64)
            for o, (ri, rj) in enumerate(zip(mi, mj)):
                diff = [a * dj - b * di for a, b in zip(ri, rj)]
                if any(diff[c] * key[pivot] != diff[pivot] * key[c] for c in range(len(key))):
                    _fail(5, f"edge {e} [{i}, {j}]: output {o} differs across the shared facet by more than a "
                             "multiple of its hyperplane")
            if self.maps[i] == self.maps[j]:
                parent[find(i)] = find(j)
        domain = set(self.domain)
        coords = self.table.coords
        for i in range(n):
            work.charge(len(self.facets[i]) + 1)
            for key, (vertex_ids, t) in self.facets[i].items():
                near = across[i].get(key, [])
                if key in domain or any(relation != 2 for _, relation in near):
                    continue  # on the domain's boundary, or inside one neighbour's facet
                if not near:
                    _fail(4, f"region {i}: no listed edge crosses its facet on constraint {t} (missing adjacency)")
                drop = next(c for c in range(1, len(key)) if key[c])
                whole = facet_volume(vertex_ids, [v for v, _ in self.facets[i].values()], coords, drop, work)
                flip = tuple(-x for x in key)
                parts = sum(facet_volume(self.facets[j][flip][0], [v for v, _ in self.facets[j].values()], coords, drop,
                                         work) for j, _ in near)
                if parts != whole:
                    _fail(4, f"region {i}: the listed neighbours cover {show(parts / whole)} of its facet on "
                             f"constraint {t} (missing adjacency)")
        pieces = sum(1 for a in range(n) if find(a) == a)
        if pieces != cert.summary[2]:
            _fail(6, f"summary says {show(cert.summary[2])} linear pieces, the edges and maps give {pieces}")

    # -- claim 7 ----------------------------------------------------------------------------------
    def check_boundary(self) -> None:
        """Every listed piece is real (its witness), every other region/class pair has none (a tie,
        the vertex signs, a face that is no facet or not this region's to report, or weights), the
        ties are exactly those, and each region's ``whole`` class is right (docs/certificate.md)."""
        pieces, empty, ties, whole = self.cert.boundary or ((), (), (), ())
        n_out, d, work, table = len(self.cert.layers[-1][1]), self.d, self.work, self.table
        pairs: list[tuple] = [(0,)] if n_out == 1 else [(k, j) for k in range(n_out) for j in range(k + 1, n_out)]
        listed: dict[tuple, tuple] = {}
        proofs: dict[tuple, tuple] = {}
        tied = set()
        for kind, entries, into in (("piece", pieces, listed), ("no-piece proof", empty, proofs)):
            for i, entry in enumerate(entries):
                if entry[:2] in into:
                    _fail(7, f"{kind} {i} repeats region {entry[0]}, classes {list(entry[1])}")
                into[entry[:2]] = entry
        for r, facets in enumerate(self.facets):
            rows, _ = self.maps[r]
            ids = set().union(*(v for v, _ in facets.values()))
            pts = [table.coords[v] for v in ids]
            size = bits(chain.from_iterable(rows)) + max(table.bits[v] for v in ids) + 64
            work.charge((len(pairs) + 2 * n_out * n_out) * len(pts) * (d + 1) + len(pairs) * len(facets), size)
            for cls in pairs:
                where = f"region {r}, classes {list(cls)}"
                g = rows[0] if n_out == 1 else tuple(a - b for a, b in zip(rows[cls[0]], rows[cls[1]]))
                if not any(g):
                    tied.add((r, cls))
                    if (r, cls) in listed or (r, cls) in proofs:
                        _fail(7, f"{where}: a tie (the difference is zero on the region) has no piece or proof")
                    continue
                g, flip = primitive(g), tuple(-x for x in primitive(g))
                values = [dot(g, p) for p in pts]
                key = g if g in facets else flip if flip in facets else None
                reports = key is None or key in self.domain or next(a for a in key[1:] if a) > 0 or any(
                    self.tie(n, cls) for n, _ in self.across[r].get(key, ()))
                if (r, cls) in listed:
                    if not reports:
                        _fail(7, f"{where}: the piece lies on a facet whose region across reports it")
                    self.witness(where, rows, cls, g, (g, flip), facets, listed[r, cls])
                if (r, cls) in proofs:
                    self.no_piece(where, rows, cls, g, proofs[r, cls][2], values, pts)
                elif (r, cls) not in listed and reports and (key is not None or min(values) < 0 < max(values)):
                    _fail(7, f"{where}: no piece is listed and nothing proves there is none (missing piece)")
        if set(ties) != tied or len(ties) != len(tied):
            _fail(7, "the listed ties are not exactly the region/class pairs whose outputs coincide on the region")
        for r, claimed in enumerate(whole):
            rows = self.maps[r][0]
            rows = [(0,) * (d + 1)] + list(rows) if n_out == 1 else rows
            pts = [table.coords[v] for v in set().union(*(v for v, _ in self.facets[r].values()))]
            holds = [all(dot(a, p) >= dot(b, p) for b in rows for p in pts) for a in rows]
            first = holds.index(True) if True in holds else None
            if first != claimed:
                _fail(7, f"region {r}: the class holding the whole region is {first}, not {claimed}")

    def tie(self, n: int, cls: tuple) -> bool:
        rows = self.maps[n][0]
        return not any(rows[0]) if len(cls) == 1 else rows[cls[0]] == rows[cls[1]]

    def witness(self, where: str, rows, cls, g: tuple, own: tuple, facets: dict, piece: tuple) -> None:
        """On the hyperplane, strictly inside every other facet, and f_k = f_l > f_j there (or f_k - f_j
        zero on the whole hyperplane)."""
        _, _, row, point = piece
        if row != g:
            _fail(7, f"{where}: the hyperplane is not the primitive row of the classes' difference")
        numerators, w0 = _integers(point, self.work, MAX_BITS, f"{where}: the witness")
        x = [w0] + numerators
        self.work.charge((len(facets) + len(rows)) * (self.d + 1), bits(x) + bits(chain.from_iterable(rows)))
        if dot(g, x):
            _fail(7, f"{where}: the witness is not on the hyperplane")
        if any(dot(form, x) <= 0 for form in facets if form not in own):
            _fail(7, f"{where}: the witness is not strictly inside the region's other facets")
        for j in range(len(rows) if len(cls) == 2 else 0):
            c = [a - b for a, b in zip(rows[cls[0]], rows[j])]
            if j not in cls and dot(c, x) <= 0 and not _multiple(c, g):
                _fail(7, f"{where}: output {j} is not below the tied classes at the witness")

    def no_piece(self, where: str, rows, cls, g: tuple, weights: tuple, values: list, pts: list) -> None:
        """h = sum_j weights_j (f_k - f_j) <= 0 wherever the region meets g = 0: at vertices with g = 0 and
        where g changes sign on the segment between two vertices (h's value there has the sign of
        g(u) h(w) - g(w) h(u), so the largest h(w) / -g(w) and h(u) / g(u) decide)."""
        if len(cls) == 1 or any(weights[j] for j in cls) or min(weights) < 0:
            _fail(7, f"{where}: the proof's weights must be >= 0 and zero on the two classes")
        z, _ = _integers(weights, self.work, MAX_BITS, f"{where}: the weights")
        h, relevant = [0] * (self.d + 1), False
        self.work.charge(len(z) * (self.d + 1) * 3 + 4 * len(pts), bits(z) + bits(chain.from_iterable(rows)) + 64)
        for j, w in enumerate(z):
            if w:
                c = [a - b for a, b in zip(rows[cls[0]], rows[j])]
                relevant |= not _multiple(c, g)
                h = [a + w * b for a, b in zip(h, c)]
        hv = [dot(h, p) for p in pts]
        up = max((Fraction(b, a) for a, b in zip(values, hv) if a > 0), default=None)
        down = max((Fraction(b, -a) for a, b in zip(values, hv) if a < 0), default=None)
        if not relevant or any(b > 0 for a, b in zip(values, hv) if a == 0) or (
                up is not None and down is not None and up + down > 0):
            _fail(7, f"{where}: the weighted competitors do not exceed the tied classes where the region meets the "
                     "hyperplane")


def _multiple(c, g) -> bool:
    """Whether the affine form ``c`` is a multiple of the nonzero form ``g`` (zero on all of g = 0)."""
    p = next(i for i, a in enumerate(g) if a)
    return all(a * g[p] == c[p] * b for a, b in zip(c, g))
