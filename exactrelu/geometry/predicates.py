"""Filtered exact sign evaluation: the float guide proposes, exact integers dispose.

Every geometric decision in exactrelu is the sign of an affine form at a point, both given exactly
as integer vectors in homogeneous coordinates (``form[0] + form[1:] . x`` with the point
``(w0, w0*x)``, ``w0 > 0``).  Computing millions of such signs with Python integers is slow, so
this module does what CGAL's filtered kernels do: it computes every dot product in float64 with
NumPy together with a *proven* a-priori bound on the rounding error, accepts the float sign only
where ``|value| > bound``, and recomputes every other entry with exact integers.  The bound is a
theorem about IEEE-754 arithmetic, not a tolerance: no sign is ever guessed.

Error bound.  Rows are scaled by a positive factor (about their largest |entry|) and points are
divided by ``w0``; each float form entry is within relative ``3u`` (``u = 2**-53``) of the exactly
scaled value and each point coordinate within ``u`` (plus ``2**-1074`` absolute on underflow).
For ``n`` terms, Higham (Accuracy and Stability, Lemma 3.1/3.5) gives
``|fl(sum f^ v^) - sum f^ v^| <= gamma_n sum |f^||v^|`` for any summation order, with or without
FMA; the input perturbations add at most ``(4u + O(u^2)) sum |f^||v^|``.  We use ``2 (n + 6) u T^ + A`` where
``T^`` is the computed ``sum |f^||v^|`` and ``A = 2**-1000 (1 + max|v^|)`` absorbs every underflow
term; the factor 2 covers the rounding of ``T^`` itself.  Non-finite floats fail the test and go
to the exact path.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .exact import exact_dot

__all__ = ["float_rows", "float_points", "sign_matrix", "filtered_signs", "box_signs", "packed", "unpacked"]

_U = 2.0**-53
_ABS = 2.0**-1000


def float_rows(forms: Sequence[Sequence[int]], by_gradient: bool = False) -> np.ndarray:
    """Each integer row scaled by a positive factor so its largest entry is about 1.

    Entries are rounded to float once (correctly) and divided by the rounded row maximum, so each
    is within relative ``3u`` of the exactly scaled value; the bound in :func:`filtered_signs`
    allows for that.  ``by_gradient`` scales by the largest entry after the constant instead (the
    LP kernel's conditioning; the constant may then exceed 1).  Rows beyond the float range are
    divided exactly first, and a quotient still beyond it becomes infinite, which the sign filter
    sends to the exact path and the LP kernel's certification rejects."""
    start = 1 if by_gradient else 0
    try:
        out = np.array(forms, dtype=np.float64)
    except OverflowError:
        out = np.empty((len(forms), len(forms[0]) if forms else 0))
        for i, row in enumerate(forms):
            scale = max((abs(a) for a in row[start:]), default=0) or 1
            out[i] = [_quotient(a, scale) for a in row]
        return out
    if out.size == 0:
        return out.reshape(len(forms), -1)
    scales = np.abs(out[:, start:]).max(axis=1) if out.shape[1] > start else np.ones(len(out))
    scales[scales == 0] = 1.0
    return out / scales[:, None]


def _quotient(a: int, b: int) -> float:
    try:
        return a / b
    except OverflowError:
        return float("inf") if (a > 0) == (b > 0) else float("-inf")


def float_points(points: list[tuple[int, ...]]) -> np.ndarray:
    """Homogeneous integer points ``(w0, w0 x)`` as float rows ``(1, x)``, correctly rounded."""
    if not points:
        return np.empty((0, 0))
    try:
        return np.array([[a / p[0] for a in p] for p in points], dtype=np.float64)
    except OverflowError:  # beyond the float range: the filter sends infinities to the exact path
        pass
    out = np.empty((len(points), len(points[0])))
    for i, p in enumerate(points):
        w0 = p[0]
        try:
            out[i] = [a / w0 for a in p]
        except OverflowError:
            out[i] = [a / w0 if abs(a) < w0 << 1000 else (np.inf if a > 0 else -np.inf) for a in p]
    return out


def filtered_signs(forms_f: np.ndarray, points_f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Signs proven by the float filter, and the mask of entries it could not decide (sign 0)."""
    n_terms = forms_f.shape[1]
    with np.errstate(all="ignore"):
        values = forms_f @ points_f.T
        abs_points = np.abs(points_f)
        bound = np.abs(forms_f) @ abs_points.T  # the magnitude T^, scaled in place into the bound
        bound *= 2.0 * (n_terms + 6) * _U
        bound += _ABS * (1.0 + abs_points.max(initial=0.0))
        positive = values > bound
        negative = values < -bound
    # NaN values or bounds compare false both ways: undecided, like |value| <= bound
    return positive.view(np.int8) - negative.view(np.int8), ~(positive | negative)


def box_signs(forms_f: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For forms over the box ``lower <= x <= upper`` (floats rounded from the exact bounds): the
    sign each form surely has on the whole box (``+1``, ``-1``, else 0), and where the form surely
    takes both signs on it.  Each entry of ``forms_f`` is within ``3u`` of its scaled value, each
    bound within ``u``, so every term of the box's least (greatest) value is within about ``5u`` and
    their sum within ``(d + 6) u`` of their magnitudes' sum: the margin allows twice that."""
    n_terms = forms_f.shape[1]
    with np.errstate(all="ignore"):
        g = forms_f[:, 1:]
        at_lower, at_upper = g * lower, g * upper
        least = forms_f[:, 0] + np.minimum(at_lower, at_upper).sum(axis=1)
        greatest = forms_f[:, 0] + np.maximum(at_lower, at_upper).sum(axis=1)
        bound = np.abs(forms_f[:, 0]) + np.maximum(np.abs(at_lower), np.abs(at_upper)).sum(axis=1)
        bound *= 2.0 * (n_terms + 6) * _U
        bound += _ABS * (1.0 + max(np.abs(lower).max(initial=0.0), np.abs(upper).max(initial=0.0)))
        positive = least > bound
        negative = greatest < -bound
        both = (least < -bound) & (greatest > bound)
    return positive.view(np.int8) - negative.view(np.int8), both


def sign_matrix(
    forms: list[tuple[int, ...]],
    forms_f: np.ndarray,
    points: list[tuple[int, ...]],
    points_f: np.ndarray,
) -> np.ndarray:
    """Exact signs (int8, -1/0/+1) of every form at every point, shape (len(forms), len(points))."""
    if not forms or not points:
        return np.zeros((len(forms), len(points)), dtype=np.int8)
    signs, unsure = filtered_signs(forms_f, points_f)
    if unsure.any():
        for i, j in zip(*np.nonzero(unsure)):
            v = exact_dot(forms[i], points[j])
            signs[i, j] = (v > 0) - (v < 0)
    return signs


def packed(guides: np.ndarray) -> tuple[bytes, tuple[int, ...]]:
    """A float guide array as plain bytes and shape: pickled three times faster than the array
    (regions travel between processes with theirs)."""
    return guides.tobytes(), guides.shape


def unpacked(data: bytes, shape: tuple[int, ...]) -> np.ndarray:
    """The array :func:`packed` gave (float64, writable)."""
    return np.frombuffer(bytearray(data), dtype=np.float64).reshape(shape)
