"""Input domains: bounded, full-dimensional polytopes ``{x : A x <= b}``, boxes in particular.

Validation is exact: the polytope is intersected with a box provably larger than any vertex it
could have (a Hadamard bound), by the same exact cutting the enumerator uses; it is empty if no
vertex survives, lower-dimensional if the vertices do not span ``d + 1`` homogeneous dimensions,
and unbounded if a vertex still lies on the big box.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from math import lcm
from pathlib import Path

from flint import fmpz_mat

from ..errors import (
    EmptyDomain,
    EmptyInterior,
    InvalidArgument,
    InvalidDomain,
    InvalidNumber,
    LowerDimensionalDomain,
    UnboundedDomain,
    counted,
    kind_of,
)
from ..rational import (
    format_rational,
    json_integer,
    listlike,
    parse_rational_text,
    point_values,
    to_rational,
    unique_keys,
)
from .cell import Cell, box_cell
from .exact import primitive, rank_of
from .lp import LPSolver, Status, interior_point

__all__ = ["Domain", "parse_box", "read_polytope"]


@dataclass(frozen=True, slots=True)
class Domain:
    """A bounded full-dimensional polytope ``{x : A x <= b}``; build with :meth:`box` or
    :meth:`polytope`, which refuse empty, unbounded and lower-dimensional sets.

    >>> Domain.box([(0, 1), ("-1/2", "3/2")]).bounds
    ((Fraction(0, 1), Fraction(1, 1)), (Fraction(-1, 2), Fraction(3, 2)))
    """

    A: tuple[tuple[Fraction, ...], ...]
    b: tuple[Fraction, ...]
    bounds: tuple[tuple[Fraction, Fraction], ...] | None = None
    _validated: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._validated is not _VALIDATED:
            raise InvalidArgument("a Domain is built with Domain.box(...) or Domain.polytope(...), which validate it")

    @property
    def dim(self) -> int:
        return len(self.A[0])

    def check_inputs(self, n_inputs: int) -> None:
        """Refuse, in one line, a network whose number of inputs is not this domain's dimension."""
        if self.dim != n_inputs:
            raise InvalidDomain(
                f"domain has {counted(self.dim, 'dimension')}, network has {counted(n_inputs, 'input')}"
            )

    @property
    def is_box(self) -> bool:
        return self.bounds is not None

    @classmethod
    def box(cls, bounds: Sequence[tuple[object, object]]) -> Domain:
        """The box ``lo_i <= x_i <= hi_i``; every ``lo_i < hi_i`` is required."""
        exact = []
        if not listlike(bounds):
            raise InvalidDomain(f"a box is a list of (lo, hi) pairs, not {kind_of(bounds)}")
        if len(bounds) == 0:  # (also a NumPy array, whose truth value is ambiguous)
            raise InvalidDomain("box has no intervals")
        for i, pair in enumerate(bounds):
            if not listlike(pair):
                raise InvalidDomain(f"interval {i + 1} of the box is {kind_of(pair)}, expected a (lo, hi) pair")
            if len(pair) != 2:
                raise InvalidDomain(f"interval {i + 1} of the box has {len(pair)} bounds, expected 2")
            lo, hi = (_rational(v, f"bound of interval {i + 1}") for v in pair)
            if not lo < hi:
                raise LowerDimensionalDomain(
                    f"interval {i + 1} of the box is [{format_rational(lo)}, {format_rational(hi)}], "
                    "expected lower < upper"
                )
            exact.append((lo, hi))
        d = len(exact)
        A, b = [], []
        for i, (lo, hi) in enumerate(exact):
            row = [Fraction(0)] * d
            row[i] = Fraction(-1)
            A.append(tuple(row))
            b.append(-lo)
            row = [Fraction(0)] * d
            row[i] = Fraction(1)
            A.append(tuple(row))
            b.append(hi)
        return cls(tuple(A), tuple(b), tuple(exact), _VALIDATED)

    @classmethod
    def polytope(cls, A: Sequence[Sequence[object]], b: Sequence[object]) -> Domain:
        """The polytope ``A x <= b``, checked exactly to be bounded and full-dimensional.

        Rows with zero coefficients are dropped when they hold trivially (``0 <= b``)."""
        for name, given in (("A", A), ("b", b)):
            if not listlike(given):
                raise InvalidDomain(f"polytope {name} is {kind_of(given)}, expected a list")
        if len(A) == 0:
            raise InvalidDomain("polytope has no constraints")
        if len(A) != len(b):
            raise InvalidDomain(f"polytope has {len(A)} rows in A but {len(b)} entries in b")
        d = len(A[0])
        if d == 0:
            raise InvalidDomain("polytope rows are empty")
        rows = []
        for i, row in enumerate(A):
            if len(row) != d:
                raise InvalidDomain(f"row {i + 1} of A has {len(row)} entries, expected {d}")
            rows.append(tuple(_rational(v, f"A[{i + 1}][{j + 1}]") for j, v in enumerate(row)))
        rhs = tuple(_rational(v, f"b[{i + 1}]") for i, v in enumerate(b))
        kept = []
        for i, (row, value) in enumerate(zip(rows, rhs)):
            if any(row):
                kept.append((row, value))
            elif value < 0:
                raise EmptyDomain(f"polytope constraint {i + 1} reads 0 <= {format_rational(value)}, never satisfied")
        if not kept:
            raise UnboundedDomain("polytope has only zero rows: it is unbounded")
        domain = cls(tuple(r for r, _ in kept), tuple(v for _, v in kept), None, _VALIDATED)
        if d > VERTEX_VALIDATION_MAX_DIM:
            _validate_with_lps(domain.constraint_rows(), d)
        else:
            domain.cell()  # raises for an empty, unbounded or lower-dimensional polytope
        return domain

    # ------------------------------------------------------------------ exact geometry
    def constraint_rows(self) -> list[tuple[int, ...]]:
        """Each ``A_i x <= b_i`` as a primitive integer row ``c`` with ``c . (1, x) >= 0``."""
        out = []
        for row, rhs in zip(self.A, self.b):
            den = lcm(*(v.denominator for v in row), rhs.denominator)
            out.append(primitive([int(rhs * den)] + [int(-v * den) for v in row]))
        return out

    def cell(self) -> Cell:
        """The domain as an exact double-description cell (raises if not a valid domain)."""
        labels = [("domain", i) for i in range(len(self.A))]
        if self.bounds is not None:
            lower = [(lo.numerator, lo.denominator) for lo, _ in self.bounds]
            upper = [(hi.numerator, hi.denominator) for _, hi in self.bounds]
            return box_cell(lower, upper, labels)
        return _polytope_cell(self.constraint_rows(), labels, self.dim)

    def contains(self, x: Sequence[object], strictly: bool = False) -> bool:
        """Exact membership (``strictly``: in the interior)."""
        point = [_rational(v, f"coordinate {i + 1}") for i, v in enumerate(point_values(x))]
        if len(point) != self.dim:
            raise InvalidDomain(f"point has {counted(len(point), 'coordinate')}, expected {self.dim}")
        for row, rhs in zip(self.A, self.b):
            lhs = sum(a * v for a, v in zip(row, point))
            if lhs > rhs or (strictly and lhs == rhs):
                return False
        return True

    def to_json(self) -> dict:
        data = {
            "A": [[format_rational(v) for v in row] for row in self.A],
            "b": [format_rational(v) for v in self.b],
        }
        if self.bounds is not None:
            data["box"] = [[format_rational(lo), format_rational(hi)] for lo, hi in self.bounds]
        return data

    def describe(self) -> str:
        if self.bounds is not None:
            return " x ".join(f"[{format_rational(lo)}, {format_rational(hi)}]" for lo, hi in self.bounds)
        return f"polytope with {len(self.A)} constraints in {self.dim} dimensions"


def _rational(value: object, what: str) -> Fraction:
    try:
        return to_rational(value, what)
    except InvalidNumber as exc:
        raise InvalidDomain(str(exc)) from exc


# Above this dimension a bounding box has too many vertices; exact LPs validate instead.
VERTEX_VALIDATION_MAX_DIM = 10
_VALIDATED = object()  # only the factories hold it, so an unvalidated Domain cannot exist


def _validate_with_lps(rows: list[tuple[int, ...]], d: int) -> None:
    """Empty, unbounded and lower-dimensional polytopes refused with exactly certified LPs."""
    solver = LPSolver()
    minimize = solver.minimize
    if rank_of([row[1:] for row in rows]) < d:  # the gradients leave lines free: fix them to test emptiness
        kernel, nullity = fmpz_mat([list(row[1:]) for row in rows]).nullspace()
        columns = kernel.tolist()
        pins = [(0,) + tuple(int(columns[r][j]) for r in range(d)) for j in range(nullity)]
        if minimize(rows, (0,) * (d + 1), pins).status is Status.INFEASIBLE:
            raise EmptyDomain("domain polytope is empty")
        raise UnboundedDomain("domain polytope is unbounded (it contains a line)")
    if minimize(rows, (0,) * (d + 1)).status is Status.INFEASIBLE:
        raise EmptyDomain("domain polytope is empty")
    for i in range(d):
        for sign in (1, -1):
            objective = tuple(sign if c == i + 1 else 0 for c in range(d + 1))
            if minimize(rows, objective).status is Status.UNBOUNDED:
                raise UnboundedDomain("domain polytope is unbounded")
    try:
        interior_point(rows, solver)
    except EmptyInterior:
        raise LowerDimensionalDomain(f"domain polytope has empty interior (expected dimension {d})") from None


def _polytope_cell(rows: list[tuple[int, ...]], labels, d: int) -> Cell:
    # Every vertex of {A x <= b} has |x_i| <= det bound <= (max row 1-norm)^d (Cramer, Hadamard).
    big = max(sum(abs(a) for a in row) for row in rows) ** d + 1
    cell = box_cell([(-big, 1)] * d, [(big, 1)] * d, [("bound", i) for i in range(2 * d)])
    for row, label in zip(rows, labels):
        cell = cell.clip(row, label)
        if not cell.verts:
            raise EmptyDomain("domain polytope is empty")
    if cell.affine_dimension() < d:
        if cell.affine_dimension() < 0:
            raise EmptyDomain("domain polytope is empty")
        raise LowerDimensionalDomain(
            f"domain polytope has dimension {cell.affine_dimension()}, expected {d} (empty interior)"
        )
    box_bits = (1 << (2 * d)) - 1
    if any(t & box_bits for t in cell.tight):
        raise UnboundedDomain("domain polytope is unbounded")
    shift = 2 * d
    return Cell(d, cell.cons[shift:], cell.labels[shift:], cell.verts, cell.vf, [t >> shift for t in cell.tight])


def _refuse_constant(name: str) -> object:
    raise InvalidDomain(f"polytope file contains {name}, expected finite numbers")


def parse_box(text: str) -> Domain:
    """Read ``LO:HI,LO:HI,...`` (integers, decimals or p/q).

    >>> parse_box("-1/2:3/2,0:1").bounds[0]
    (Fraction(-1, 2), Fraction(3, 2))
    """
    parts = [p for p in text.split(",")]
    bounds = []
    for i, part in enumerate(parts):
        if part.count(":") != 1:
            raise InvalidDomain(f"--box interval {i + 1} is {part!r}, expected LO:HI")
        lo, hi = part.split(":")
        try:
            bounds.append(
                (
                    parse_rational_text(lo, f"--box lower bound {i + 1}"),
                    parse_rational_text(hi, f"--box upper bound {i + 1}"),
                )
            )
        except InvalidNumber as exc:
            raise InvalidDomain(str(exc)) from exc
    return Domain.box(bounds)


def read_polytope(path: str | Path, n_inputs: int | None = None) -> Domain:
    """Read a polytope JSON file ``{"A": [[...]], "b": [...]}`` (numbers exact as in networks);
    ``n_inputs``: the network's, refused first if the rows of ``A`` have another length (an
    unbounded extra coordinate would otherwise be the complaint).

    The ``domain`` object of a partition JSON reads too: its optional ``"box"`` must describe the
    same set as ``A`` and ``b``, and the domain is then that box."""
    try:
        data = json.loads(
            Path(path).read_text(encoding="utf-8"),
            parse_float=Decimal,
            parse_int=json_integer,
            parse_constant=_refuse_constant,
            object_pairs_hook=unique_keys(lambda message: InvalidDomain(f"polytope file {path}: {message}")),
        )
    except InvalidNumber as exc:
        raise InvalidDomain(f"polytope file {path}: {exc}") from exc
    except RecursionError as exc:
        raise InvalidDomain(f"polytope file {path} is nested too deeply") from exc
    except OSError as exc:
        raise InvalidDomain(f"cannot read polytope file {path}: {exc.strerror}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidDomain(f"polytope file {path} is not valid JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("A"), list) or not isinstance(data.get("b"), list):
        raise InvalidDomain(f'polytope file {path} must hold an object with lists "A" and "b"')
    extra = sorted(set(data) - {"A", "b", "box"})
    if extra:
        raise InvalidDomain(
            f"polytope file {path} has unknown key{'s' if len(extra) > 1 else ''} "
            f'{", ".join(map(repr, extra))}; expected "A", "b" and optionally "box"'
        )
    if not all(isinstance(row, list) for row in data["A"]):
        raise InvalidDomain(f'polytope file {path}: "A" must be a list of rows')
    if n_inputs is not None and data["A"] and all(len(row) != n_inputs for row in data["A"]):
        raise InvalidDomain(
            f"polytope file {path} has rows of {counted(len(data['A'][0]), 'column')} in A, "
            f"network has {counted(n_inputs, 'input')}"
        )
    polytope = Domain.polytope(data["A"], data["b"])
    if "box" not in data:
        return polytope
    if not isinstance(data["box"], list) or not all(isinstance(pair, list) for pair in data["box"]):
        raise InvalidDomain(f'polytope file {path}: "box" must be a list of [lo, hi] pairs')
    box = Domain.box(data["box"])
    if (box.A, box.b) != (polytope.A, polytope.b):
        raise InvalidDomain(f'polytope file {path}: "box" describes another set than "A" and "b"')
    return box
