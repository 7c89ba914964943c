"""The H-representation engine: activation regions in any input dimension, decided by exact LPs.

The vertex engine (:mod:`exactrelu.engines.dd`) keeps every vertex of every cell, and a box in
``d`` dimensions already has ``2**d`` of them.  This engine is the other cell strategy of the same
walk (:mod:`exactrelu.engines.walk`): cells are constraint lists only, so its cost grows with the
number of regions and constraints, not vertices.  Every decision is an exact fact:

* a neuron's bit on a cell: after cheap exact pre-filters (the form's interval over the domain's
  box, its sign at the cell's interior point, a known closure point on the other side proving a
  cut), a Farkas certificate of ``form >= 0`` from a basis that proved an earlier bound on the cell
  or an ancestor, else one hot-started HiGHS LP per form certified on the side asked for
  (:class:`~exactrelu.geometry.cell_signs.CellSigns`); every active neuron is decided on the cell,
  so a neuron that does not cut it is settled for the whole subtree;
* facets: up to ``DD_MAX_DIM`` inputs from the region's exact vertices, cut along its path
  (:class:`~exactrelu.engines.lp_vertices.PathVertices`), which also give the witness the vertex
  engine writes; above, a constraint is a facet iff some point of its hyperplane lies strictly
  inside every other constraint (a checked ray exit, a Farkas bound or vertex of the other rows,
  else the LP ``max t``);
* two regions are adjacent iff some point of their common facet hyperplane lies strictly inside
  every other constraint of both (a checked foot, else an LP), kept as the shared-facet point.
  Candidate pairs share a bucket: on a shared facet exactly the neurons vanishing on it may differ.

The solver is passed in (one per process); cells and the walk's state hold plain data only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..errors import InternalError
from ..geometry.cell import Cell
from ..geometry.cell_signs import CellSigns, scaled_guide
from ..geometry.domain import Domain
from ..geometry.exact import (
    IntegerBox,
    dehomogenize,
    exact_dot,
    homogeneous,
    hyperplane_key,
    is_multiple,
    primitive,
)
from ..geometry.farkas_basis import FarkasBasis
from ..geometry.lp import FaceTester, LPSolver, chebyshev_rows, short_point
from ..geometry.predicates import box_signs, filtered_signs, float_points, float_rows, sign_matrix
from ..region import Adjacency
from .dd import DD_MAX_DIM
from .dd_adjacency import identical_pairs
from .facets import FacetData, assign_carriers, group_facets, new_facet, vertex_witness
from .forms import LayerForms
from .lp_vertices import PathVertices
from .walk import RawRegion

__all__ = ["LPCell", "ConstraintEngine"]

KEPT_BASES = 64  # the most recent Farkas bases a cell passes on to its children
KEPT_POINTS = 24  # the most recent closure points (vertices that proved cuts) a cell passes on
KEPT_MINIMA = 32  # the most recent points where LPs ended (possible vertices) a cell passes on
RAY_ROUNDS = 1  # more rounds from other origins find few more facets than they cost (measured on ACAS Xu)


@dataclass(slots=True)
class LPCell:
    """A cell as constraint rows ``c . (1, x) >= 0`` with their labels and a homogeneous point
    strictly inside every row."""

    rows: list[tuple[int, ...]]
    labels: list[tuple]
    point: tuple[int, ...]
    bases: list[FarkasBasis] = field(default_factory=list)  # rows that proved bounds here
    witness: tuple[Fraction, ...] | None = None  # a region's witness, once its vertices were found
    points: list[tuple[int, ...]] = field(default_factory=list)  # known homogeneous points of the closure
    minima: list = field(default_factory=list)  # where LPs ended, (tight rows, float point): see CellSigns
    # (layer, neuron) decided here or above other than by a sign on the whole box: the only forms
    # that may vanish on a facet of the region (carrier candidates)
    loose: tuple[tuple[int, int], ...] = ()


class ConstraintEngine:
    """The :class:`~exactrelu.engines.walk.CellStrategy` of constraint-list cells decided by exact
    LPs, with the facets, witnesses and adjacency of the regions it finds."""

    name = "lp"
    adjacency_uses_forms = True  # candidate pairs are filtered by the neurons' forms

    def __init__(self, domain: Domain, solver: LPSolver):
        self.domain = domain
        self.d = domain.dim
        self.solver = solver
        self.root_rows = domain.constraint_rows()
        self.bounds = domain.bounds if domain.bounds is not None else self._bounding_box(self.root_rows)
        self.box = IntegerBox(self.bounds)
        self.box_f = tuple(np.array([float(b[side]) for b in self.bounds]) for side in (0, 1))  # lower, upper
        self.box_forms: tuple = (None,)  # (forms, their box_signs): the last layer's
        self.lps = 0
        self.domain_cell: Cell | None = None  # the domain's vertices, for witnesses (d <= DD_MAX_DIM)
        self.path_vertices: PathVertices | None = None  # regions' vertices along the walk (same)

    def _bounding_box(self, rows):
        bounds = []
        for i in range(self.d):
            e = [0] * (self.d + 1)
            e[1 + i] = 1
            lo = self.solver.minimize(rows, e).value
            e[1 + i] = -1
            hi = self.solver.minimize(rows, e).value
            assert lo is not None and hi is not None, "a validated domain is bounded"
            bounds.append((lo, -hi))
        return tuple(bounds)

    def interior(self, rows) -> tuple[int, ...]:
        self.lps += 1
        ext = chebyshev_rows(rows)
        found = self.solver.minimize(ext, (0,) * (self.d + 1) + (-1,)).below(0)
        if found is None:
            raise InternalError("a split produced a cell with empty interior")
        value, centre = found
        point = short_point([float(v) for v in centre[: self.d]], rows, 2 * float(-value)) or centre[: self.d]
        return homogeneous(point)

    def prefilter(self, cell: LPCell, form) -> tuple[int | None, tuple | None]:
        """The neuron's canonical bit on the cell by cheap exact tests: ``(bit, None)``; ``(None,
        None)`` if its hyperplane cuts the interior (the form vanishes at the cell's point); else
        ``(None, (signed, bit))``: the bit is ``bit`` iff ``signed >= 0`` on the cell (the form or
        its negation, positive at the cell's point), otherwise the hyperplane cuts."""
        if not any(form[1:]):
            return (1 if form[0] > 0 else 0), None
        lo, hi = self.box.scaled_range(form)  # the range times a positive integer: same signs
        if lo >= 0:
            return 1, None
        if hi <= 0:
            return 0, None
        v = exact_dot(form, cell.point)
        if v == 0:
            return None, None
        return None, ((tuple(form), 1) if v > 0 else (tuple(-a for a in form), 0))

    def prefiltered(self, cell: LPCell, forms: LayerForms, active: list[int]):
        """``(neuron, bit, ask, strict)`` as :meth:`prefilter` for every active neuron, the float
        filter first: a form surely of one sign on the box has its bit (``strict``: it vanishes
        nowhere in the domain), one surely of both signs there needs only its sign at the cell's
        point; the rest take the exact tests."""
        F = forms.floats[active]
        if self.box_forms[0] is not forms:  # the same for every cell of a layer's split: once per layer
            self.box_forms = (forms, *box_signs(forms.floats, self.box_f[0], self.box_f[1]))
        on_box, both = self.box_forms[1][active], self.box_forms[2][active]
        at_point, unsure = filtered_signs(F, float_points([cell.point]))
        for j, s, cut, v, exact in zip(
            active, on_box.tolist(), both.tolist(), at_point[:, 0].tolist(), unsure[:, 0].tolist()
        ):
            row = forms.rows[j]
            if s:
                yield j, int(s > 0), None, True
            elif not cut or exact:
                yield j, *self.prefilter(cell, row), False
            else:
                yield j, None, ((tuple(row), 1) if v > 0 else (tuple(-a for a in row), 0)), False

    # ------------------------------------------------------------------ the walk
    def root(self) -> LPCell:
        labels = [("domain", i) for i in range(len(self.root_rows))]
        return LPCell(list(self.root_rows), labels, self.interior(self.root_rows))

    def start_layer(self, cell: LPCell, forms: LayerForms) -> None:
        return None

    def classify(self, cell: LPCell, layer: int, forms: LayerForms, active: list[int], data: None):
        """Decide every active neuron on this cell (one that does not cut it cuts neither child: its
        bit is settled once for the whole subtree); those that cut wait for the children, in order."""
        bits: dict[int, int | None] = {}
        asks = []
        loose = []
        for j, bit, ask, strict in self.prefiltered(cell, forms, active):
            if not strict:
                loose.append((layer, j))
            if ask is None:
                bits[j] = bit
            else:
                asks.append((j, ask))
        if loose:
            cell.loose += tuple(loose)
        beyond: dict[int, tuple[int, ...]] = {}  # neuron -> a point of the closed cell on its other side
        if asks and cell.points:  # a known point of the closed cell on the other side proves a cut
            pool = float_points(cell.points)
            left = []
            for j, (signed, bit) in asks:
                k = int(np.argmin(pool @ (forms.floats[j] if bit else -forms.floats[j])))
                if exact_dot(signed, cell.points[k]) < 0:
                    bits[j] = None
                    beyond[j] = cell.points[k]
                else:
                    left.append((j, (signed, bit)))
            asks = left
        if asks:
            self.lps += len(asks)
            signs = CellSigns(self.solver, cell.rows, cell.bases, cell.minima)
            guides = _scaled_guides(forms, asks)
            proven = signs.prove_by_known_bases([signed for _, (signed, _) in asks], guides)  # one batch
            for (j, (signed, bit)), done, guide in zip(asks, proven, guides):
                if done or signs.nonnegative(signed, True, guide):  # an LP
                    bits[j] = bit
                    continue
                bits[j] = None
                if signs.last_point is not None:
                    beyond[j] = signs.last_point
        decided = [(j, bit) for j in active if (bit := bits[j]) is not None]
        return decided, [j for j in active if bits[j] is None], beyond

    def split(self, cell: LPCell, layer: int, forms: LayerForms, neuron: int, rest: list[int], data):
        row = primitive(forms.rows[neuron])
        neg = tuple(-a for a in row)
        v = exact_dot(row, cell.point)
        bases = cell.bases[-KEPT_BASES:]  # still Farkas bases in either child (they keep every row)
        plus = LPCell(cell.rows + [row], cell.labels + [("neuron", layer, neuron, 1)], cell.point, list(bases))
        minus = LPCell(cell.rows + [neg], cell.labels + [("neuron", layer, neuron, -1)], cell.point, list(bases))
        plus.loose = minus.loose = cell.loose
        minima_f = np.array([x for _, x in cell.minima]).reshape(len(cell.minima), self.d)
        row_f = float_rows([row])[0]
        for child, side in ((plus, row), (minus, neg)):  # the closure points each child keeps
            kept = [P for P in cell.points + list((data or {}).values()) if exact_dot(side, P) >= 0]
            child.points = list(dict.fromkeys(kept))[-KEPT_POINTS:]
            # the LPs' end points on (or near) its side: the floats only choose, exact checks decide
            near = (row_f[0] + minima_f @ row_f[1:]) * (1 if side is row else -1) >= -1e-9
            child.minima = [m for m, keep in zip(cell.minima, near.tolist()) if keep][-KEPT_MINIMA:]
        X = data.get(neuron) if data and self.d <= DD_MAX_DIM else None
        if v <= 0:
            plus.point = self.interior(plus.rows) if X is None or v == 0 else _across(row, cell.point, X)
        if v >= 0:
            minus.point = self.interior(minus.rows) if X is None or v == 0 else _across(neg, cell.point, X)
        return plus, None, minus, None

    # ------------------------------------------------------------------ facets
    def facets(self, region: RawRegion[LPCell]) -> list[FacetData]:
        """Constraints merged per hyperplane with their carriers: from the region's vertices up to
        ``DD_MAX_DIM`` inputs; above, a group is a facet iff a point of its hyperplane lies strictly
        inside every other constraint (a checked ray exit or settle step, else a certified LP)."""
        cell = region.cell
        groups = group_facets(cell.rows, range(len(cell.rows)))
        if self.d <= DD_MAX_DIM:
            return self.facets_by_vertices(region, groups)
        found = self.shoot_rays(cell, groups)
        settled = self.settle_by_others(cell, groups, found)
        tester = None
        out = []
        for key, (side, members) in groups.items():
            point = found.get(key) or settled.get(key)
            if point is None:
                if key in settled:
                    continue  # implied by the other rows
                if tester is None:
                    tester = FaceTester(self.solver, cell.rows)
                self.lps += 1
                found_lp = tester.test(members).below(0)
                if found_lp is None:
                    continue
                point = homogeneous(found_lp[1][: self.d])
            out.append(new_facet(key, side, members, point=point))
        assign_carriers(out, cell.labels, region.forms, _carrier_candidates(region, out))
        return out

    def facets_by_vertices(self, region: RawRegion[LPCell], groups) -> list[FacetData]:
        """Where vertices are affordable (``d <= DD_MAX_DIM``): the region's exact vertices, from the
        domain's cut along the region's path (:class:`PathVertices`, shared with the regions found
        just before); a group is a facet iff its tight vertices span its hyperplane (its point, the
        exact mean of those, only when asked for).  The vertices also give the witness
        (:meth:`witness`), kept on the cell."""
        cell = region.cell
        if self.path_vertices is None:
            self.path_vertices = PathVertices(self.domain_vertices(), len(self.root_rows))
        poly = self.path_vertices.cell_of(cell.rows)
        irredundant = {hyperplane_key(poly.cons[k])[0]: k for k in poly.facet_indices()}
        out = []
        for key, (side, members) in groups.items():  # points on demand: the exact mean of the vertices
            if key in irredundant:
                on = poly.vertices_on(irredundant[key])
                out.append(new_facet(key, side, members, vertices=on, cell_vertices=poly.verts))
        assign_carriers(out, cell.labels, region.forms, _vertex_carrier_candidates(region, poly.vf, out))
        cell.witness = vertex_witness(poly.verts, poly.vf, out)
        return out

    def domain_vertices(self) -> Cell:
        if self.domain_cell is None:
            self.domain_cell = self.domain.cell()
        return self.domain_cell

    def settle_by_others(self, cell: LPCell, groups, found: dict) -> dict:
        """The groups the rays missed, settled against the cell's other rows where a quick check
        succeeds: ``{key: None}`` if the other rows imply the group's row (a checked Farkas
        certificate: no point of its hyperplane is strictly inside them, so no facet), ``{key:
        point}`` if a vertex ``X`` of the other rows has ``row(X) < 0`` (the hyperplane then meets
        the segment from the interior witness ``W`` to ``X`` at a point strictly inside every other
        row: a facet).  Groups left out need the facet LP."""
        missing = [key for key in groups if key not in found]
        if not missing:
            return {}
        signs = CellSigns(self.solver, cell.rows, cell.bases)
        W = cell.point
        out: dict = {}
        for key in missing:
            members = groups[key][1]
            row = cell.rows[members[0]]
            verdict = signs.settle(row, members)
            if verdict is True:
                out[key] = None
            elif verdict:
                X = verdict
                rx, rw = exact_dot(row, X), exact_dot(row, W)  # rx < 0 < rw
                out[key] = primitive(tuple(rw * x - rx * w for x, w in zip(X, W)))
        return out

    def shoot_rays(self, cell: LPCell, groups) -> dict:
        """Facets found by rays from the witness: where a ray first leaves the cell through one
        hyperplane only, the exit point is strictly inside every other constraint (checked
        exactly), so that hyperplane carries a facet.  Returns ``{key: homogeneous point}``."""
        rows = cell.rows
        group_of = {}
        for key, (_, members) in groups.items():
            for i in members:
                group_of[i] = key
        rows_f = float_rows(rows)
        keys = list(groups)
        heads = [groups[k][1][0] for k in keys]
        rng = np.random.default_rng(len(rows))
        found: dict = {}
        origin = cell.point
        for round_ in range(RAY_ROUNDS):
            # From an interior origin: rays to the foot of each missing hyperplane, random rays,
            # and rays aimed at random points of the missing hyperplanes.
            at_w = rows_f @ float_points([origin])[0]  # > 0
            missing = [i for k, i in zip(keys, heads) if k not in found]
            if not missing:
                break
            dirs = [tuple(u) for u in np.round(-rows_f[missing, 1:] * 2**20).astype(np.int64).tolist()]
            if round_ == 0:
                dirs += [tuple(u) for u in rng.integers(-1000, 1001, size=(len(rows), self.d)).tolist()]
            A = rows_f[missing, 1:]
            norms2 = (A * A).sum(axis=1)
            feet = -(at_w[missing] / norms2)[:, None] * A  # displacement from the origin to H
            noise = rng.standard_normal((len(missing), 8, self.d))
            noise -= ((noise @ A[:, :, None]) / norms2[:, None, None]) * A[:, None, :]
            noise /= np.maximum(np.linalg.norm(noise, axis=2, keepdims=True), 1e-300)
            scale = rng.choice([0.5, 2.0], size=(len(missing), 8, 1))
            U = feet[:, None, :] + scale * np.linalg.norm(feet, axis=1)[:, None, None] * noise
            U = U.reshape(-1, self.d)
            U /= np.maximum(np.abs(U).max(axis=1, keepdims=True), 1e-300)
            dirs += [tuple(u) for u in np.round(U * 2**20).astype(np.int64).tolist()]
            self._shoot(rows, rows_f, at_w, origin, dirs, group_of, found)
            if not found:
                break
            # next origin: halfway from the witness to an exit point found (strictly interior)
            P = list(found.values())[rng.integers(len(found))]
            W = cell.point
            origin = primitive(
                tuple(2 * W[0] * p + 0 for p in P[:1]) + tuple(P[0] * w + W[0] * p for w, p in zip(W[1:], P[1:]))
            )
        return found

    def _shoot(self, rows, rows_f, at_w, W, dirs, group_of, found) -> None:
        U = np.array(dirs, dtype=np.float64)
        rates = rows_f[:, 1:] @ U.T  # rows x directions
        with np.errstate(divide="ignore", invalid="ignore"):
            steps = np.where(rates < 0, at_w[:, None] / -rates, np.inf)
        first = np.argmin(steps, axis=0)
        for col, i in enumerate(first.tolist()):
            key = group_of[i]
            if key in found or not np.isfinite(steps[i, col]):
                continue
            u = (0,) + dirs[col]
            ru, rw = exact_dot(rows[i], u), exact_dot(rows[i], W)
            if ru >= 0:
                continue
            P = primitive(tuple(-ru * a + rw * b for a, b in zip(W, u)))
            others = [r for j, r in enumerate(rows) if group_of[j] != key]
            if others and (sign_matrix(others, float_rows(others), [P], float_points([P])) <= 0).any():
                continue
            found[key] = P

    def point_on(self, h, others, hint) -> tuple[int, ...] | None:
        """A homogeneous point with ``h = 0`` strictly inside every row of ``others``, or None."""
        a = h[1:]
        norm = sum(v * v for v in a)
        hv = exact_dot(h, hint)  # hint = (w0, w0 x): foot = x - h(x)/|a|^2 a
        foot = primitive((hint[0] * norm,) + tuple(hint[1 + i] * norm - hv * a[i] for i in range(len(a))))
        if all(exact_dot(r, foot) > 0 for r in others):
            return foot
        self.lps += 1
        ext = chebyshev_rows(others) if others else [(1,) + (0,) * len(a) + (-1,)]
        found = self.solver.minimize(ext, (0,) * (len(a) + 1) + (-1,), equalities=[tuple(h) + (0,)]).below(0)
        return None if found is None else homogeneous(found[1][: len(a)])

    # ------------------------------------------------------------------ adjacency
    def adjacencies(self, regions: list[RawRegion[LPCell]], facets: list[list[FacetData]]) -> list[Adjacency]:
        found = []
        settled: set[tuple[int, int]] = set()
        if self.d <= DD_MAX_DIM:
            # facets with vertices: the same vertex set on both sides of a hyperplane is one shared
            # facet, which takes part in no other pair (as in the vertex engine)
            pairs, _ = identical_pairs(facets)
            for r, fi, s, fj in pairs:
                found.append(
                    Adjacency(r, s, fi, fj, None, facets[r][fi])
                    if r < s
                    else Adjacency(s, r, fj, fi, None, facets[r][fi])
                )
                settled.update(((r, fi), (s, fj)))
        # Two regions sharing a facet agree on every neuron but those whose pre-activation vanishes
        # on it; by continuity that set is the same from both sides: the facet's neuron carriers
        # (nonzero forms vanishing on it) and the zero forms.  So candidates share a bucket.
        keys = _FormKeys(regions)
        buckets: dict[tuple, tuple[list, list]] = {}
        for r, fs in enumerate(facets):
            open_facets = [fi for fi, f in enumerate(fs) if not f.on_boundary and (r, fi) not in settled]
            if not open_facets:
                continue
            bits, zeros = keys.bits(r), keys.zeros(r)
            for fi in open_facets:
                f = fs[fi]
                loose = zeros | keys.carrier_mask(f)
                plus, minus = buckets.setdefault((f.key, loose, bits & ~loose), ([], []))
                (plus if f.side > 0 else minus).append((r, fi))
        for (key, _, _), (plus, minus) in buckets.items():
            for r, fi in plus:
                for s, fj in minus:
                    if not keys.may_share(r, s, key):
                        continue
                    point = self.shared_point(keys, r, facets[r], fi, s, facets[s], fj)
                    if point is not None:
                        found.append(Adjacency(r, s, fi, fj, point) if r < s else Adjacency(s, r, fj, fi, point))
        found.sort(key=lambda e: (e.first, e.second, e.first_facet, e.second_facet))
        return found

    def shared_point(self, keys: _FormKeys, r, fr, fi, s, fs, fj):
        key = fr[fi].key
        others = keys.rows_off(r, key) + keys.rows_off(s, key)
        if fr[fi].vertices:  # from vertices: the foot of their float mean first (point_on checks it)
            return self.point_on(fr[fi].row, others, _float_mean(fr[fi]))
        for p in (fr[fi].point, fs[fj].point):
            if all(exact_dot(row, p) > 0 for row in others):
                return p
        return self.point_on(fr[fi].row, others, fr[fi].point)

    def witness(self, region: RawRegion[LPCell], facets: list[FacetData]) -> tuple[Fraction, ...]:
        """Where the vertex engine applies too (``d <= DD_MAX_DIM``), its witness, from the region's
        vertices (the domain's cell cut by the facets): the two engines then write the same JSON.
        Above, the interior point the walk found."""
        if self.d > DD_MAX_DIM:
            return dehomogenize(region.cell.point)
        if region.cell.witness is not None:  # found with the facets
            return region.cell.witness
        cell = self.domain_vertices()
        domain_rows = set(cell.cons)
        for f in sorted(facets, key=lambda f: f.row):
            if f.row not in domain_rows:  # a domain row cuts nothing, but would make vertices degenerate
                cell = cell.clip(f.row, ("facet",))
        return vertex_witness(cell.verts, cell.vf, facets)

    def vertices(self, cell: LPCell) -> tuple[tuple[int, ...], ...]:
        return ()


class _FormKeys:
    """Hyperplane facts about the regions' forms and rows, each key computed once (adjacency asks
    for them once per candidate pair)."""

    def __init__(self, regions: list[RawRegion[LPCell]]):
        self.regions = regions
        self.rows: dict[int, list] = {}
        self.masks: dict[int, int] = {}
        self.where: list[tuple[int, int]] = []  # (layer, neuron) of each bit of a pattern mask
        self.offsets: list[int] = []  # the first bit of each layer

    def rows_off(self, r: int, key) -> list[tuple[int, ...]]:
        """Region ``r``'s constraint rows not on the hyperplane ``key``."""
        found = self.rows.get(r)
        if found is None:
            rows = self.regions[r].cell.rows
            found = self.rows[r] = [(hyperplane_key(row)[0], row) for row in rows]
        return [row for k, row in found if k != key]

    def may_share(self, r: int, s: int, key) -> bool:
        """False if regions ``r`` and ``s`` provably share no facet on the hyperplane ``key``.

        Every pre-activation is a continuous function of the input, equal to each region's form on
        that region's closure.  Where the bits of a neuron differ, one form is ``>= 0`` on ``R`` and
        the other ``<= 0`` on ``S``, so on a shared facet both vanish: each is the zero form or a
        multiple of ``key``."""
        differ = self.bits(r) ^ self.bits(s)
        if not differ:
            return False
        R, S = self.regions[r], self.regions[s]
        p = next(i for i, a in enumerate(key) if i and a)  # key's pivot
        while differ:  # lowest differing neuron first: most pairs fail at once
            low = differ & -differ
            differ ^= low
            k, j = self.where[low.bit_length() - 1]
            if not (is_multiple(R.forms[k].rows[j], key, p) and is_multiple(S.forms[k].rows[j], key, p)):
                return False
        return True

    def zeros(self, r: int) -> int:
        """Region ``r``'s zero forms as a mask like :meth:`bits`."""
        self.bits(r)
        forms = self.regions[r].forms
        return sum(1 << i for i, (k, j) in enumerate(self.where) if not any(forms[k].rows[j]))

    def carrier_mask(self, f: FacetData) -> int:
        """The facet's neuron carriers as a mask like :meth:`bits`."""
        return sum(1 << (self.offsets[c[1]] + c[2]) for c in f.carriers if c[0] == "neuron")

    def bits(self, r: int) -> int:
        """Region ``r``'s pattern as one integer (bit ``i``: the ``i``-th neuron over all layers)."""
        found = self.masks.get(r)
        if found is None:
            pattern = self.regions[r].pattern
            if not self.where:
                self.where = [(k, j) for k, bits in enumerate(pattern) for j in range(len(bits))]
                self.offsets = [sum(len(bits) for bits in pattern[:k]) for k in range(len(pattern))]
            found = self.masks[r] = sum(1 << i for i, bit in enumerate(b for bits in pattern for b in bits) if bit)
        return found


def _scaled_guides(forms: LayerForms, asks) -> np.ndarray:
    """The asked forms (signed) as :func:`~exactrelu.geometry.cell_signs.scaled_guide`, from their
    float rows (computed exactly where those are not finite)."""
    F = forms.floats[[j for j, _ in asks]] * np.array([1.0 if bit else -1.0 for _, (_, bit) in asks])[:, None]
    with np.errstate(all="ignore"):
        out = F / np.abs(F[:, 1:]).max(axis=1)[:, None]
    for i in np.flatnonzero(~np.isfinite(out).all(axis=1)).tolist():
        out[i] = scaled_guide(asks[i][1][0])
    return out


def _across(row, W, X) -> tuple[int, ...]:
    """A point strictly inside a cell and strictly on the positive side of ``row``, from ``W``
    strictly inside the cell (``row(W) < 0``) and ``X`` in its closure with ``row(X) > 0``:
    ``P = 2 row(W) X - row(X) W`` (homogeneous, positive weights) has every cell row ``>= 0`` at
    ``X`` and ``> 0`` at ``W``, so ``> 0`` at ``P``, and ``row(P) = row(W) row(X) > 0``.
    (Only below DD_MAX_DIM inputs, where the witness does not depend on this point.)"""
    rw, rx = exact_dot(row, W), exact_dot(row, X)
    if not rw < 0 < rx:
        raise InternalError("a cut's point is not on the other side")
    return primitive(tuple(-2 * rw * x + rx * w for x, w in zip(X, W)))


def _float_mean(f: FacetData) -> tuple[int, ...]:
    """The float mean of a facet's vertices as a short homogeneous point (a hint only)."""
    centre = float_points(sorted(f.vertex_set())).mean(axis=0)
    if not np.isfinite(centre).all():
        return f.point
    return homogeneous([Fraction(float(v)) for v in centre[1:]])


def _vertex_carrier_candidates(region: RawRegion[LPCell], vf: np.ndarray, facets: list[FacetData]):
    """``(facet, layer, neuron)`` whose form the float filter cannot prove nonzero at any vertex of
    the facet (proven nonzero at one, it is no carrier), among the forms not of one sign on the
    whole box (:attr:`LPCell.loose`)."""
    neurons = list(dict.fromkeys(region.cell.loose))
    if not region.forms or not facets or not neurons:
        return
    floats = np.array([region.forms[k].floats[j] for k, j in neurons])
    _, unsure = filtered_signs(floats, vf)
    for i in np.nonzero(unsure.any(axis=1))[0].tolist():
        undecided = set(np.nonzero(unsure[i])[0].tolist())
        k, j = neurons[i]
        for fi, f in enumerate(facets):
            if undecided.issuperset(f.vertices):
                yield fi, k, j


def _carrier_candidates(region: RawRegion[LPCell], facets: list[FacetData]):
    """``(facet, layer, neuron)`` whose form the float filter cannot prove nonzero at the facet's
    point (it is then nonzero on the facet, so no carrier)."""
    if not region.forms or not facets:
        return
    offsets = np.cumsum([0] + [len(forms.rows) for forms in region.forms])
    floats = np.concatenate([forms.floats for forms in region.forms])
    _, unsure = filtered_signs(floats, float_points([f.point for f in facets]))
    for i, fi in zip(*np.nonzero(unsure)):
        k = int(np.searchsorted(offsets, i, side="right")) - 1
        yield int(fi), k, int(i - offsets[k])
