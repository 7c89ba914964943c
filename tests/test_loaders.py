"""Loaders: the .nnet, .onnx and .npz forms of ACAS Xu agree; ONNX and PyTorch models agree with
their own runtimes; malformed and unsupported inputs fail with a message naming the problem.

Agreement with float runtimes is checked within float32 rounding (a test of the loaders, not a
geometric decision); relations that hold exactly are checked with ``==``.
"""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from exactrelu.errors import InvalidNetwork, UnsupportedModel
from exactrelu.loaders import load
from exactrelu.loaders.nnet import parse_nnet
from exactrelu.network import READING_BINARY, READING_DECIMAL

NETS = Path(__file__).resolve().parents[2] / "shared" / "nets"
ACAS = "ACASXU_run2a_1_1_batch_2000"
needs_nets = pytest.mark.skipif(
    not (NETS / f"{ACAS}.nnet").exists(), reason=f"real networks not found in {NETS} (../shared/nets beside the checkout)"
)


def _runtime(name: str):
    return pytest.importorskip(name, reason=f"{name} is not installed (pip install {name})")


def _max_rel_diff(exact, approx) -> float:
    """Largest |exact - approx| relative to the larger of 1 and the largest |exact| entry."""
    exact = [float(v) for v in exact]
    scale = max([1.0] + [abs(v) for v in exact])
    return max(abs(e - float(a)) for e, a in zip(exact, np.ravel(approx))) / scale


# ------------------------------------------------------------------ ACAS Xu in three formats
@pytest.fixture(scope="module")
def acas():
    if not (NETS / f"{ACAS}.nnet").exists():
        pytest.skip(f"real networks not found in {NETS}")
    _runtime("onnx")
    return load(NETS / f"{ACAS}.nnet"), load(NETS / f"{ACAS}.onnx"), load(NETS / "acasxu_1_1.npz")


def _unfolded(nnet_net):
    """The .nnet file's own first layer (on normalised inputs), recovered exactly from the fold."""
    md = nnet_net.metadata
    layer = nnet_net.layers[0]
    weight = [[w * r for w, r in zip(row, md["input_ranges"])] for row in layer.weight]
    bias = [b + sum(w * m for w, m in zip(row, md["input_means"])) for row, b in zip(layer.weight, layer.bias)]
    return weight, bias


def _layers_of(net, first):
    return [first] + [(layer.weight, layer.bias) for layer in net.layers[1:]]


@needs_nets
def test_acas_weights_are_exact_roundings_of_the_nnet_decimals(acas):
    """The .npz holds the float64 and the .onnx the float32 rounding of every .nnet decimal."""
    nnet_net, onnx_net, npz_net = acas
    assert (nnet_net.reading, onnx_net.reading, npz_net.reading) == (READING_DECIMAL, READING_BINARY, READING_BINARY)
    decimal = _layers_of(nnet_net, _unfolded(nnet_net))
    for (dw, db), npz_layer, onnx_layer in zip(decimal, npz_net.layers, onnx_net.layers):
        for rows, npz_rows, onnx_rows in ((dw, npz_layer.weight, onnx_layer.weight), ([db], [npz_layer.bias], [onnx_layer.bias])):
            for row, npz_row, onnx_row in zip(rows, npz_rows, onnx_rows):
                assert [Fraction(float(v)) for v in row] == list(npz_row)
                assert [Fraction(float(np.float32(float(v)))) for v in row] == list(onnx_row)
    arrays = np.load(NETS / "acasxu_1_1.npz")
    md = nnet_net.metadata
    assert [float(v) for v in md["input_means"] + [md["output_mean"]]] == arrays["means"].tolist()
    assert [float(v) for v in md["input_ranges"] + [md["output_range"]]] == arrays["ranges"].tolist()
    assert [float(lo) for lo, _ in md["default_box"]] == arrays["mins"].tolist()


@needs_nets
def test_acas_real_onnx_file_contents(acas):
    _, onnx_net, _ = acas
    md = onnx_net.metadata
    assert md["input_shape"] == (1, 1, 1, 5) and md["output_shape"] == (1, 5)
    assert onnx_net.widths == (5, 50, 50, 50, 50, 50, 50, 5)
    assert md["opsets"] == {"ai.onnx": 8}
    assert all(s == 0 for s in onnx_net.negative_slopes)


@needs_nets
def test_acas_three_forms_agree_at_random_points(acas):
    """.nnet (raw inputs) against .npz and .onnx (normalised inputs) at exact random points.

    Outputs are about 0.02 in size, so the scale max(1, |y|) makes these absolute differences.
    Measured on these 25 points: .npz at most 1.3e-17 (float64 weights), .onnx at most 1.1e-8
    (float32 weights); neither is exactly equal.
    """
    nnet_net, onnx_net, npz_net = acas
    md = nnet_net.metadata
    rng = random.Random(4)
    worst_npz = worst_onnx = 0.0
    for _ in range(25):
        x = [lo + (hi - lo) * Fraction(rng.randrange(10**6), 10**6) for lo, hi in md["default_box"]]
        u = [(xi - m) / r for xi, m, r in zip(x, md["input_means"], md["input_ranges"])]
        y = nnet_net.forward(x)
        worst_npz = max(worst_npz, _max_rel_diff(y, npz_net.forward(u)))
        worst_onnx = max(worst_onnx, _max_rel_diff(y, onnx_net.forward(u)))
    assert 0 < worst_npz < 1e-15
    assert 0 < worst_onnx < 1e-7


@needs_nets
def test_acas_nnet_denormalised_outputs_are_exact(acas):
    nnet_net = acas[0]
    denorm = load(NETS / f"{ACAS}.nnet", denormalize_outputs=True)
    md = nnet_net.metadata
    assert (md["outputs"], denorm.metadata["outputs"]) == ("normalised", "denormalised")
    x = [lo for lo, _ in md["default_box"]]
    assert denorm.forward(x) == tuple(v * md["output_range"] + md["output_mean"] for v in nnet_net.forward(x))


@needs_nets
def test_acas_onnx_agrees_with_onnxruntime(acas):
    ort = _runtime("onnxruntime")
    session = ort.InferenceSession(str(NETS / f"{ACAS}.onnx"), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.uniform(-0.5, 0.5, size=(1, 1, 1, 5)).astype(np.float32)
        (expected,) = session.run(None, {"input": x})
        assert _max_rel_diff(acas[1].forward(x.ravel().tolist()), expected) < 3e-6  # measured 3.3e-7


# ------------------------------------------------------------------ .nnet text
TINY_NNET = """// tiny test network
2,2,1,3,
2,3,1,
0,
0,-1,
4,1,
1,0,0,
2,1/2,1,
1,0,
0,1,
1,1,
0,
0,
-0.5,
1,-1,2,
0.25,
"""


def test_tiny_nnet_folds_normalisation_exactly():
    net = parse_nnet(TINY_NNET)
    assert net.widths == (2, 3, 1) and net.reading == READING_DECIMAL
    # u = ((x1 - 1)/2, 2 x2); h = relu(u1, u2, u1 + u2 - 1/2); y = h1 - h2 + 2 h3 + 1/4
    x = [Fraction(4), Fraction(1, 2)]
    u1, u2 = (x[0] - 1) / 2, 2 * x[1]
    h = [max(u1, 0), max(u2, 0), max(u1 + u2 - Fraction(1, 2), 0)]
    assert net.forward(x) == (h[0] - h[1] + 2 * h[2] + Fraction(1, 4),)
    assert net.metadata["default_box"] == [(0, 4), (-1, 1)]
