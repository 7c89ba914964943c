"""A region's polytope from its certified vertex list: vertices, facets, facet volumes; the work meter.

The certificate names each vertex by ``d`` constraints.  Solving them, checking the point against
every constraint and closing the list under the polytope's edges proves the list is the whole
vertex set: a polytope's graph is connected, so a nonempty vertex list that contains the far end
of every edge leaving each of its vertices is all of them.  At a degenerate vertex the edges are
the extreme rays of the cone of the facets found through it (any constraints of full rank will do:
if each ray of that cone ends at a listed vertex, the cone is the tangent cone).  With the complete
list, faces are vertex sets: a constraint defines a facet exactly when its tight vertex set has at
least ``d`` vertices and is inclusion-maximal, which is all a pulling triangulation needs.
"""

from __future__ import annotations

import random
from array import array
from fractions import Fraction
from itertools import chain, combinations, compress, repeat
from math import comb, prod
from operator import add, mul, not_

from .linalg import approx, bits, dot, null_direction, primitive, rref, sign, solve, solve_point

__all__ = ["Refuted", "Exceeded", "Work", "VertexTable", "region_facets", "facet_volume", "MAX_BITS"]

MAX_BITS = 1 << 18  # bits of any point or determinant; forms get MAX_BITS // (d + 1)


class Refuted(Exception):
    """A claim of the certificate does not hold; the message is the one-line reason."""


class Exceeded(Refuted):
    """The check would exceed one of the checker's limits on work or number size: refused too."""


class Work:
    """The work meter: ``charge(n, b)`` counts ``n`` arithmetic operations on integers of about ``b``
    bits, each weighing ``(1 + b // 512) ** 2`` (the cost of a division or gcd grows as the square of
    the size); past ``limit`` the check stops, refused."""

    __slots__ = ("done", "limit", "per_byte")

    def __init__(self, limit: float = float("inf"), per_byte: int = 0) -> None:
        self.done, self.limit, self.per_byte = 0, limit, per_byte

    def charge(self, n: int, b: int = 0) -> None:
        self.done += n * (1 + (b >> 9)) ** 2
        if self.done > self.limit:
            raise Exceeded(f"the check needs more than the checker's limit of {self.limit:,} operations "
                          f"({self.per_byte:,} per byte of the certificate, plus a base)")

    @staticmethod
    def size(b: int, cap: int, what: str) -> int:
        if b <= cap:
            return b
        raise Exceeded(f"{what}: a number of {b:,} bits exceeds the checker's limit of {cap:,} bits")


class VertexTable:
    """Interns homogeneous points so that one point has one integer id in every region; caches the
    solved points, each point's verdict against the domain constraints, and the work meter."""

    def __init__(self, work: Work | None = None) -> None:
        self.ids: dict[tuple, int] = {}
        self.coords: list[tuple] = []
        self.bits: list[int] = []  # per id: the largest coordinate's bit length
        self.hyperplanes: dict[tuple, int] = {}  # a constraint's hyperplane (its form up to sign) -> an id
        self.solved: dict[frozenset, int] = {}  # the ids of d hyperplanes -> the id of the point where they meet
        self.sides: list[dict] = []  # per point id: hyperplane id -> the sign of its form there (-1, 0, 1)
        self.domain_tight: dict[int, tuple] = {}  # id -> the domain constraints tight there
        self.domain_columns: list | None = None  # the domain constraints, column by column
        self.domain_ids: list[int] = []  # the domain constraints' hyperplane ids
        self.work = work or Work()
        self.domain_bits = 0  # the largest bit length in the domain constraints
        self.keys: list[int] = []  # a random 64-bit key per constraint index (hashing ridges)
        self.estimates: dict[int, tuple] = {}  # a large point's id, or ~ a hyperplane's id -> linalg.approx of it
        self.lines: dict[frozenset, list] = {}  # the ids of d - 1 hyperplanes -> up to two points' ids on their line
        self.floats: list[list] = []  # per id: the point's coordinates as floats
        self.near: dict[bytes, int] = {}  # coordinates rounded to float32 -> an id there (a guess, verified exactly)

    def id(self, point: tuple) -> int:
        vid = self.ids.get(point)
        if vid is None:
            vid = self.ids[point] = len(self.coords)
            self.coords.append(point)
            self.bits.append(bits(point))
            self.sides.append({})
            try:
                self.near[array("f", xs := [x / point[0] for x in point[1:]]).tobytes()] = vid
            except OverflowError:  # coordinates past float32's range: never guessed
                xs = []
            self.floats.append(xs)
        return vid

    def on(self, vid: int, planes: list) -> bool:
        """Whether every hyperplane of ``planes`` (``(id, form)`` pairs) passes through point ``vid``."""
        side, point = self.sides[vid], self.coords[vid]
        return all(side[i] == 0 if i in side else not dot(h, point) for i, h in planes)

    def vertex(self, planes: list) -> int | None:
        """The id of the point where ``d`` hyperplanes (``(id, form)`` pairs) meet (None: dependent gradients); on a line
        of ``d - 1`` of them through known points ``p, q`` (spanning its solutions), ``h(q) p - h(p) q`` for the last,
        or the known point its floats name if all ``d`` pass through it."""
        key, point, vid = frozenset(i for i, _ in planes), None, None
        for i, h in planes:
            if len(known := self.lines.get(key - {i}, [])) == 2:
                p, q = self.coords[known[0]], self.coords[known[1]]
                a, b = dot(h, q), dot(h, p)
                if a or b:  # then a known point on all d is the point (the line's d - 1 are independent)
                    vid = self.guess(a * p[0], b * q[0], self.floats[known[0]], self.floats[known[1]])
                    if vid is not None and self.on(vid, planes):
                        break
                vid, v = None, [a * x - b * y for x, y in zip(p, q)]
                point = v[0] and primitive(v if v[0] > 0 else [-x for x in v])  # no weight: left to the solve
                break
        if vid is None:
            if not (point or (point := solve_point([h for _, h in planes]))):
                return None
            vid = self.id(point)
        self.sides[vid].update(dict.fromkeys(key, 0))  # zero there by construction
        for i in key if len(key) == len(planes) else ():
            if len(known := self.lines.setdefault(key - {i}, [])) < 2 and vid not in known:
                known.append(vid)
        return vid

    def guess(self, A: int, B: int, P: list, Q: list) -> int | None:
        """A known point near ``(A P - B Q) / (A - B)`` (floats), if any: a guess, to be verified exactly."""
        try:
            t = A / (A - B)
            return self.near.get(array("f", [t * (x - y) + y for x, y in zip(P, Q)]).tobytes())
        except (ZeroDivisionError, OverflowError):
            return None

    def estimate(self, key: int, v: tuple) -> tuple:  # linalg.approx(v), kept under key
        return self.estimates.get(key) or self.estimates.setdefault(key, approx(v))

    def hyperplane_ids(self, forms) -> list[int]:
        return [self.hyperplanes.setdefault(form, len(self.hyperplanes)) for form in forms]

    def random_keys(self, n: int) -> list:
        self.keys += [random.getrandbits(64) for _ in range(n - len(self.keys))]
        return self.keys


def region_facets(where: str, cons: list, hyper: list, bases, d: int, table: VertexTable, m: int = 0) -> dict:
    """Verify the vertex list of the polytope ``{x : every form in cons >= 0}`` and derive its facets.

    ``hyper[t]`` is constraint ``t``'s hyperplane (its form up to sign), the key under which
    vertices are solved once for all regions; ``cons[:m]`` are the domain constraints, the same in
    every call, checked once per point.  Returns ``{oriented primitive form: (frozenset of vertex
    ids, first constraint index)}``.  The polytope must be known to be full-dimensional (a strictly
    interior point was checked)."""
    n, work, path = len(cons), table.work, cons[m:]
    fbits = max(bits(x for form in path for x in form), table.domain_bits if m else 0)
    work.charge(2 * (len(path) + 1) * (d + 1), fbits)  # hashing and comparing the forms
    if m and not table.domain_ids:
        table.domain_columns, table.domain_ids = list(zip(*cons[:m])), table.hyperplane_ids(hyper[:m])
    ids = table.domain_ids[:m] + table.hyperplane_ids(hyper[m:])
    path_ids, orient = ids[m:], [1 if c == h else -1 for c, h in zip(path, hyper[m:])]  # c is h or -h
    work.charge(len(bases) * (d + len(path) + 2))  # each entry's key and its path signs looked up
    path_range = range(m, n)
    tight_of: dict[int, frozenset] = {}  # vertex id -> the constraints tight there
    name: dict[int, int] = {}  # vertex id -> its first position in the list, for messages
    for v, basis in enumerate(bases):
        key = frozenset([ids[t] for t in basis if t < n])
        vid = table.solved.get(key)
        if vid is None:
            if len(set(basis)) != d or max(basis) >= n:
                raise Refuted(f"{where}: vertex {v} names constraints that repeat or are not in its list of {n}")
            forms = [cons[t] for t in basis]
            work.charge(d * d * (d + 1), d * fbits)  # fbits bounds every form here
            vid = table.vertex(list(zip([ids[t] for t in basis], forms)))
            if vid is None:
                raise Refuted(f"{where}: vertex {v} names constraints with dependent gradients")
            table.solved[key] = vid
        if vid in tight_of:
            continue
        point, on_domain = table.coords[vid], table.domain_tight.get(vid) if m else ()
        if on_domain is None:  # the domain constraints, once per point
            work.charge(m * (d + 1), max(table.domain_bits, table.bits[vid]))
            on_domain = table.domain_tight[vid] = _tight(where, v, table.domain_columns or [], point, 0)
        side = table.sides[vid]  # each path hyperplane is evaluated once per point, for every region there
        signs = list(map(side.get, path_ids))
        if None in signs:
            missing = [i for i, s in enumerate(signs) if s is None]
            work.charge(len(missing) * (d + 1), max(fbits, table.bits[vid]))
            at = table.estimate(vid, point) if table.bits[vid] > 256 else None  # float estimates with an error
            for i in missing:  # bound decide most signs
                signs[i] = side[path_ids[i]] = sign(hyper[m + i], point, at and (table.estimate(~path_ids[i], hyper[m + i]), at))
        signs = list(map(mul, signs, orient))
        if -1 in signs:
            raise Refuted(f"{where}: vertex {v} violates constraint {m + signs.index(-1)}")
        tight_of[vid] = frozenset(chain(on_domain, compress(path_range, map(not_, signs))))
        name[vid] = v
    on: list[list] = [[] for _ in cons]  # constraint -> the vertices tight on it
    keys = table.random_keys(n)
    ridges: dict[int, list] = {}  # hash of d-1 constraints -> the simple vertices tight on them
    for vid, tight in tight_of.items():
        work.charge(2 * len(tight))
        for t in tight:
            on[t].append(vid)
        if len(tight) == d:
            h = sum(map(keys.__getitem__, tight))
            for t in tight:
                ridges.setdefault(h - keys[t], []).append(vid)
    facets, is_facet = _facets(cons, on, tight_of, d, work)
    for vid, tight in tight_of.items():
        if len(tight) == d:  # simple vertex: each edge frees one constraint; left: those no simple vertex ends
            h = sum(map(keys.__getitem__, tight))
            lists = [ridges[h - keys[t]] for t in tight]  # w ends edge t iff tight - tight_of[w] == {t}
            work.charge(d + d * sum(map(len, lists)))
            ends = [tight - {t} for t, ws in zip(tight, lists) if not any(
                t not in tight_of[w] and len(tight - tight_of[w]) == 1 for w in ws)]
        else:  # the rays of the cone of the facets found through it
            ends = list(_rays(where, name[vid], [t for t in tight if is_facet[t]], cons, d, work))
        for zero in ends:
            simple = ridges.get(sum(keys[t] for t in zero), ()) if len(zero) == d - 1 else ()
            work.charge(d + len(simple) * d)
            if any(w != vid and zero <= tight_of[w] for w in simple):
                continue  # a second simple vertex ends this edge
            candidates = min((on[t] for t in zero), key=len) if zero else tight_of
            work.charge(len(candidates) * len(zero) + len(zero))
            if not any(w != vid and zero <= tight_of[w] for w in candidates):
                raise Refuted(f"{where}: the vertex list is incomplete: an edge from vertex {name[vid]} "
                              "ends at no listed vertex")
    return facets


def _tight(where: str, v: int, columns: list, point: tuple, offset: int) -> tuple:
    """The indices (from ``offset``) of the forms (by ``columns``) zero at ``point``; none may be negative."""
    if not columns:
        return ()
    values = list(map(mul, columns[0], repeat(point[0])))
    for column, x in zip(columns[1:], point[1:]):
        values = list(map(add, values, map(mul, column, repeat(x))))
    if min(values) < 0:
        t = next(t for t, x in enumerate(values) if x < 0)
        raise Refuted(f"{where}: vertex {v} violates constraint {offset + t}")
    return tuple(compress(range(offset, offset + len(values)), map(not_, values)))


def _facets(cons: list, on: list, tight_of: dict, d: int, work: Work) -> tuple[dict, list]:
    """The constraints whose tight vertex set has at least ``d`` vertices and is inclusion-maximal
    (the facets, once the list is known complete), keyed by form; and a flag per constraint."""
    facets, is_facet, maximal = {}, [False] * len(cons), {}  # maximal: tight vertex set -> whether it is
    for t, ids in enumerate(on):
        form = cons[t]
        if len(ids) < d or not any(form[1:]):  # a facet of a d-polytope has at least d vertices
            continue
        work.charge(len(ids) + d)
        if form not in facets:
            group = frozenset(ids)
            if group not in maximal:  # not maximal iff a constraint tight on all of ids has more vertices
                w0 = min(ids, key=lambda w: len(tight_of[w]))
                bigger = [s for s in tight_of[w0] if len(on[s]) > len(ids) and any(cons[s][1:])]
                work.charge(len(tight_of[w0]) + len(bigger) * (len(ids) + d))
                maximal[group] = not any(all(s in tight_of[w] for w in ids) for s in bigger)
            if not maximal[group]:
                continue
            facets[form] = (group, t)
        is_facet[t] = True
    return facets, is_facet


def _rays(where: str, v: int, kept: list, cons: list, d: int, work: Work) -> set:
    """The edges at a degenerate vertex, as the extreme rays of the pointed cone ``{u : g . u >= 0}``
    of the constraints ``kept`` (the facets found through it, of rank d): for each ray (a null
    direction of d-1 of them on which all have one sign), the kept constraints vanishing on it."""
    groups: dict[tuple, list] = {}  # kept constraints on one hyperplane are one primitive form
    for t in kept:
        groups.setdefault(cons[t], []).append(t)
    forms = list(groups)
    b = bits(x for f in forms for x in f)
    work.charge(len(forms) * d * d, d * b)
    if len(forms) < d or len(rref([f[1:] for f in forms], d)[0]) < d:
        raise Refuted(f"{where}: the vertex list is incomplete: the facets found through vertex {v} do not "
                      "determine it")
    work.charge(comb(len(forms), d - 1) * (d * d + len(forms)) * d, d * b)  # before enumerating them
    ends = set()
    for subset in combinations(forms, d - 1):
        u = null_direction([f[1:] for f in subset], d)
        if u is not None:
            signs = [dot(f[1:], u) for f in forms]
            if not min(signs) < 0 < max(signs):
                ends.add(frozenset(t for f, s in zip(forms, signs) if not s for t in groups[f]))
    return ends


def facet_volume(facet: frozenset, facet_sets: list, coords: list, drop: int, work: Work | None = None) -> Fraction:
    """(d-1)! times the volume of the facet projected along coordinate ``drop`` (1..d), by a pulling
    triangulation of its face lattice (``facet_sets``: the vertex sets of the polytope's facets)."""
    work = work or Work()
    total = Fraction(0)
    for simplex in _pulling(facet, facet_sets, {}, work):
        rows = [coords[v][:drop] + coords[v][drop + 1:] for v in simplex]
        work.charge(len(rows) ** 3, len(rows) * bits(x for row in rows for x in row))
        total += Fraction(abs(s[0]) if (s := solve(rows, len(rows))) else 0, prod(coords[v][0] for v in simplex))
    return total


def _pulling(face: frozenset, facet_sets: list, memo: dict, work: Work) -> list:
    if len(face) == 1:
        return [tuple(face)]
    if face in memo:
        return memo[face]
    apex = min(face)
    work.charge(len(facet_sets) * len(face))
    sub = {face & g for g in facet_sets if not face <= g}
    sub.discard(frozenset())
    work.charge(len(sub) ** 2)
    out: list = []
    for f in sub:
        if apex not in f and not any(f < g for g in sub):
            out.extend(s + (apex,) for s in _pulling(f, facet_sets, memo, work))
    work.charge(len(out))
    memo[face] = out
    return out
