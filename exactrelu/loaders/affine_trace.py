"""The exact affine engine shared by the ONNX and PyTorch loaders.

Both formats describe a network as a chain of operators (Gemm/Linear, Conv, BatchNorm, reshapes,
activations), not as weight matrices; one engine folds such a chain into exact affine layers for
both, so a module and its ONNX export read to equal networks.  A tensor computed from the input is
an integer index array in its shape pointing at sparse exact rows ``{input j: Fraction}`` and
constants: data movement moves indices and touches no number, arithmetic with constants builds new
rows, an activation closes the layer.  The one rounding is BatchNorm's ``scale / sqrt(var + eps)``,
taken as computed in the tensor's float type (:data:`BATCHNORM_NOTE`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..errors import InvalidNetwork, UnsupportedModel

__all__ = ["AffineTracer", "exact_array", "shape_of", "located", "BATCHNORM_NOTE"]

BATCHNORM_NOTE = (
    "BatchNorm scale/sqrt(var+eps) is the exact binary value of its float computation in the "
    "tensor's type; everything else is exact"
)


@dataclass(frozen=True, eq=False)
class _Affine:
    """A tensor that is an affine function of the current layer's input."""

    idx: np.ndarray  # integer array of the tensor's shape, indexing rows and consts
    rows: list  # rows[i] is a dict {input j: Fraction}; never mutated once built
    consts: list
    stage: int

    @property
    def shape(self) -> tuple[int, ...]:
        return self.idx.shape


def exact_array(value: object) -> np.ndarray:
    """An object array of the exact Fractions a constant holds (floats by their binary value).

    >>> exact_array(np.array([0.5, 0.1], dtype=np.float32))[1]
    Fraction(13421773, 134217728)
    """
    a = np.asarray(value)
    if a.dtype == object:
        return a
    if a.dtype.kind == "f":
        flat = a.astype(np.float64).ravel().tolist()
        if not all(math.isfinite(v) for v in flat):
            raise InvalidNetwork("a constant tensor holds NaN or infinity")
        values = [Fraction(v) for v in flat]
    elif a.dtype.kind in "iub":
        values = [Fraction(int(v)) for v in a.ravel().tolist()]
    else:
        raise UnsupportedModel(f"constant tensor of type {a.dtype}")
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out.reshape(a.shape)


def shape_of(value: object) -> tuple[int, ...]:
    """The shape of a traced tensor or a constant.

    >>> shape_of(AffineTracer().start((1, 3))), shape_of(np.zeros((2, 5)))
    ((1, 3), (2, 5))
    """
    return value.shape if isinstance(value, _Affine) else np.shape(value)  # type: ignore[call-overload]


@contextmanager
def located(where: str, supported: str) -> Iterator[None]:
    """Prefix an error raised while tracing one node or module with ``where`` it happened.

    NumPy's shape and axis errors become :class:`InvalidNetwork`; an :class:`UnsupportedModel`
    also gets the ``supported`` list.

    >>> with located("node 2 of 2 (Sigmoid)", "supported operators: Relu"):
    ...     raise UnsupportedModel("not affine")
    Traceback (most recent call last):
    exactrelu.errors.UnsupportedModel: node 2 of 2 (Sigmoid): not affine; supported operators: Relu
    """
    try:
        yield
    except UnsupportedModel as exc:
        raise UnsupportedModel(f"{where}: {exc}; {supported}") from None
    except InvalidNetwork as exc:
        raise InvalidNetwork(f"{where}: {exc}") from None
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        raise InvalidNetwork(f"{where}: {exc}") from exc


class AffineTracer:
    """Builds exact affine layers while a graph is traced; one instance per model.

    >>> t = AffineTracer()
    >>> x = t.start((1, 2))
    >>> h = t.activate(t.elementwise("Add", t.matmul(x, np.array([[1.0], [-1.0]])), np.array([0.5])), 0)
    >>> layers, slopes = t.finish(t.elementwise("Mul", h, np.array([2.0])))
    >>> layers[0], layers[1][1]
    (([[Fraction(1, 1), Fraction(-1, 1)]], [Fraction(1, 2)]), [Fraction(0, 1)])
    """

    def __init__(self) -> None:
        self.layers: list[tuple[list, list]] = []
        self.slopes: list[Fraction] = []
        self.stage = 0
        self.width = 0
        self.notes: set[str] = set()

    def start(self, shape: tuple[int, ...]) -> _Affine:
        """The input tensor, of the given static shape."""
        self.width = int(np.prod(shape, dtype=np.int64))
        if self.width < 1:
            raise InvalidNetwork(f"input shape {tuple(shape)} has no entries")
        return self._identity(tuple(shape))

    def _identity(self, shape: tuple[int, ...]) -> _Affine:
        n = self.width
        return _Affine(np.arange(n).reshape(shape), [{j: Fraction(1)} for j in range(n)], [Fraction(0)] * n, self.stage)

    def _check(self, v: object, what: str) -> _Affine:
        if not isinstance(v, _Affine):
            raise UnsupportedModel(f"{what} of a constant tensor (it must depend on the network input)")
        if v.stage != self.stage:
            raise UnsupportedModel(
                f"{what} of a tensor from before activation {v.stage + 1}; skip connections are not a "
                "plain feed-forward network"
            )
        return v

    def _build(self, shape: tuple[int, ...], outputs: list) -> _Affine:
        """``outputs[i] = (bias, [(value, index, coeff), ...])`` for each entry in C order."""
        rows, consts = [], []
        for bias, terms in outputs:
            if len(terms) == 1 and terms[0][2] == 1:
                v, k, _ = terms[0]
                rows.append(v.rows[k])
                consts.append(v.consts[k] + bias)
                continue
            row: dict = {}
            const = Fraction(bias)
            for v, k, coeff in terms:
                for j, w in v.rows[k].items():
                    row[j] = row.get(j, 0) + coeff * w
                const += coeff * v.consts[k]
            rows.append(row)
            consts.append(const)
        return _Affine(np.arange(len(rows)).reshape(shape), rows, consts, self.stage)

    def move(self, v: object, fn) -> object:
        """Apply a pure data-movement function (reshape, transpose, ...) to a tensor."""
        if isinstance(v, _Affine):
            return _Affine(np.asarray(fn(v.idx)), v.rows, v.consts, v.stage)
        return np.asarray(fn(np.asarray(v)))

    def elementwise(self, op: str, a: object, b: object) -> object:
        """``Add``, ``Sub``, ``Mul`` or ``Div`` with NumPy broadcasting, exactly."""
        if not isinstance(a, _Affine) and not isinstance(b, _Affine):
            x, y = exact_array(a), exact_array(b)
            if op == "Div" and np.any(y == 0):
                raise InvalidNetwork("division by zero in a constant expression")
            fn = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide}[op]
            return np.asarray(fn(x, y), dtype=object)
        if op in ("Mul", "Div") and isinstance(a, _Affine) and isinstance(b, _Affine):
            raise UnsupportedModel(f"{op} of two input-dependent tensors is not affine")
        if op == "Div" and isinstance(b, _Affine):
            raise UnsupportedModel("division by an input-dependent tensor is not affine")
        for v in (a, b):
            if isinstance(v, _Affine):
                self._check(v, op)
        shape = np.broadcast_shapes(shape_of(a), shape_of(b))

        def side(v):
            if isinstance(v, _Affine):
                return v, np.broadcast_to(v.idx, shape).ravel()
            return None, np.broadcast_to(exact_array(v), shape).ravel()

        (va, ea), (vb, eb) = side(a), side(b)
        if op == "Div" and any(c == 0 for c in eb):
            raise InvalidNetwork("division by a constant zero")
        sign = -1 if op == "Sub" else 1
        outputs = []
        for x, y in zip(ea, eb):
            if op in ("Add", "Sub"):
                terms = [(va, x, 1)] if va else []
                terms += [(vb, y, sign)] if vb else []
                bias = (0 if va else x) + (0 if vb else sign * y)
                outputs.append((bias, terms))
            elif op == "Mul":
                outputs.append((0, [(va, x, y)] if va else [(vb, y, x)]))
            else:
                outputs.append((0, [(va, x, 1 / y)]))
        return self._build(shape, outputs)

    def matmul(self, a: object, b: object) -> object:
        """NumPy ``a @ b`` where one side is constant of rank 1 or 2."""
        if not isinstance(a, _Affine) and not isinstance(b, _Affine):
            return np.asarray(np.matmul(exact_array(a), exact_array(b)), dtype=object)
        if isinstance(a, _Affine) and isinstance(b, _Affine):
            raise UnsupportedModel("MatMul of two input-dependent tensors is not affine")
        if isinstance(b, _Affine):  # A @ b = (b^T @ A^T)^T on the last two axes
            A = exact_array(a)
            swap = lambda x: np.swapaxes(x, -1, -2)  # noqa: E731
            out = self.matmul(b if b.idx.ndim == 1 else self.move(b, swap), A if A.ndim == 1 else swap(A))
            return out if A.ndim == 1 or b.idx.ndim == 1 else self.move(out, swap)
        a = self._check(a, "MatMul")
        B = exact_array(b)
        if B.ndim not in (1, 2):
            raise UnsupportedModel(f"MatMul with a constant of shape {B.shape} (rank above 2)")
        idx = a.idx if a.idx.ndim > 1 else a.idx[None, :]
        mat = B if B.ndim == 2 else B[:, None]
        k, n = mat.shape
        if idx.shape[-1] != k:
            raise InvalidNetwork(f"MatMul of shapes {a.shape} and {B.shape} do not match")
        columns = [[(t, mat[t, j]) for t in range(k) if mat[t, j] != 0] for j in range(n)]
        outputs = [(0, [(a, lead[t], c) for t, c in col]) for lead in idx.reshape(-1, k) for col in columns]
        shape = idx.shape[:-1] + (n,)
        if a.idx.ndim == 1:
            shape = shape[:-2] + shape[-1:]
        return self._build(shape if B.ndim == 2 else shape[:-1], outputs)

    def conv(self, x, weight, bias=None, *, strides=None, pads=None, dilations=None, group=1, auto_pad="NOTSET"):
        """ONNX ``Conv`` (N spatial dimensions) with constant weight and bias, as an exact affine map."""
        if isinstance(weight, _Affine) or isinstance(bias, _Affine):
            raise UnsupportedModel("Conv with input-dependent weights")
        self._check(x, "Conv")
        W = exact_array(weight)
        B = exact_array(bias) if bias is not None else None
        if x.idx.ndim < 3 or W.ndim != x.idx.ndim:
            raise InvalidNetwork(
                f"Conv input has shape {x.shape} and weight {W.shape}; expected (N, C, ...) and (M, C/group, ...)"
            )
        n_batch, chans, *spatial = x.shape
        m_out, c_group, *kernel = W.shape
        d = len(spatial)
        if chans != c_group * group or m_out % group or (B is not None and B.shape != (m_out,)):
            bias_shape = None if B is None else B.shape
            raise InvalidNetwork(
                f"Conv input {x.shape}, weight {W.shape}, bias {bias_shape} and group {group} disagree"
            )
        strides, dil = list(strides or [1] * d), list(dilations or [1] * d)
        if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            pads = [0] * (2 * d)
            for i in range(d):
                out = -(-spatial[i] // strides[i])
                total = max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dil[i] + 1 - spatial[i])
                small, big = total // 2, total - total // 2
                pads[i], pads[i + d] = (small, big) if auto_pad == "SAME_UPPER" else (big, small)
        elif auto_pad == "VALID" or not pads:
            pads = [0] * (2 * d)
        out_sp = [(spatial[i] + pads[i] + pads[i + d] - dil[i] * (kernel[i] - 1) - 1) // strides[i] + 1
                  for i in range(d)]  # fmt: skip
        if min(out_sp) < 1:
            raise InvalidNetwork(f"Conv output of input {x.shape} with kernel {tuple(kernel)} would be empty")
        taps = [(c, k, W[(slice(None), c) + k]) for c in range(c_group) for k in np.ndindex(*kernel)]
        outputs = []
        for n, m, *o in np.ndindex(n_batch, m_out, *out_sp):
            base = (m // (m_out // group)) * c_group
            terms = []
            for c, k, column in taps:
                pos = tuple(o[i] * strides[i] - pads[i] + k[i] * dil[i] for i in range(d))
                if column[m] != 0 and all(0 <= p < s for p, s in zip(pos, spatial)):
                    terms.append((x, x.idx[(n, base + c) + pos], column[m]))
            outputs.append((B[m] if B is not None else 0, terms))
        return self._build((n_batch, m_out, *out_sp), outputs)

    def batchnorm(self, x, scale, shift, mean, var, eps: float) -> object:
        """Eval-mode batch normalisation over axis 1, folded to ``x * s + (shift - mean * s)``."""
        if any(isinstance(v, _Affine) for v in (scale, shift, mean, var)):
            raise UnsupportedModel("BatchNormalization with input-dependent statistics")
        self._check(x, "BatchNormalization")
        if x.idx.ndim < 2:
            raise InvalidNetwork(f"BatchNormalization input has shape {x.shape}, expected (N, C, ...)")
        params = [np.asarray(v) for v in (scale, shift, mean, var)]
        if any(p.shape != (x.shape[1],) for p in params):
            raise InvalidNetwork(f"BatchNormalization parameters have shapes {[p.shape for p in params]}, "
                                 f"expected ({x.shape[1]},) for the {x.shape[1]} channels")  # fmt: skip
        dtype = np.result_type(params[0], params[3], np.float32)
        var_eps = params[3].astype(dtype) + dtype.type(eps)
        if not np.all(var_eps > 0):
            raise InvalidNetwork("BatchNormalization variance + epsilon is not positive")
        s = exact_array(params[0].astype(dtype) / np.sqrt(var_eps))  # the one rounding: see BATCHNORM_NOTE
        t = exact_array(shift) - exact_array(mean) * s
        self.notes.add(BATCHNORM_NOTE)
        shape = (x.shape[1],) + (1,) * (x.idx.ndim - 2)
        return self.elementwise("Add", self.elementwise("Mul", x, s.reshape(shape)), t.reshape(shape))

    def _emit(self, v: _Affine) -> None:
        rows = [v.rows[i] for i in v.idx.ravel()]
        weight = [[row.get(j, 0) for j in range(self.width)] for row in rows]
        self.layers.append((weight, [v.consts[i] for i in v.idx.ravel()]))

    def activate(self, v: object, slope: object) -> _Affine:
        """Close the current layer with ReLU (slope 0) or LeakyReLU; return the new layer input."""
        v = self._check(v, "activation")
        self._emit(v)
        self.slopes.append(Fraction(slope))  # type: ignore[call-overload]  # a rational or a float
        self.stage += 1
        self.width = v.idx.size
        return self._identity(v.shape)

    def finish(self, v: object) -> tuple[list, list]:
        """Close the last (affine) layer at output ``v``; return ``(layers, negative_slopes)``."""
        self._emit(self._check(v, "output"))
        return self.layers, self.slopes

    @property
    def rounding(self) -> list[str]:
        """What was rounded while tracing, for a network's ``metadata``."""
        return sorted(self.notes) or ["none: every value is the exact binary value stored"]
