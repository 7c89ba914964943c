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

from exactrelu.errors import InvalidArgument, InvalidNetwork, UnsupportedModel
from exactrelu.loaders import load
from exactrelu.loaders.nnet import parse_nnet
from exactrelu.network import READING_BINARY, READING_DECIMAL

NETS = Path(__file__).resolve().parents[2] / "shared" / "nets"
ACAS = "ACASXU_run2a_1_1_batch_2000"
needs_nets = pytest.mark.skipif(
    not (NETS / f"{ACAS}.nnet").exists(),
    reason=f"real networks not found in {NETS} (../shared/nets beside the checkout)",
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
        pairs = ((dw, npz_layer.weight, onnx_layer.weight), ([db], [npz_layer.bias], [onnx_layer.bias]))
        for rows, npz_rows, onnx_rows in pairs:
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


# ------------------------------------------------------------------ ONNX models against onnxruntime
def _onnx_model(nodes, inits, in_shape, *, opset=13):
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def _f32(rng, *shape, low=-1.0, high=1.0):
    return rng.uniform(low, high, size=shape).astype(np.float32)


def _mlp(rng):
    """Sub/Div normalisation, MatMul + Add, Relu, LeakyRelu, Gemm with transB."""
    from onnx import helper as h

    nodes = [
        h.make_node("Sub", ["x", "mean"], ["s"]),
        h.make_node("Div", ["s", "std"], ["u"]),
        h.make_node("MatMul", ["u", "w1"], ["m1"]),
        h.make_node("Add", ["m1", "b1"], ["a1"]),
        h.make_node("Relu", ["a1"], ["r1"]),
        h.make_node("MatMul", ["r1", "w2"], ["m2"]),
        h.make_node("Add", ["b2", "m2"], ["a2"]),
        h.make_node("LeakyRelu", ["a2"], ["r2"], alpha=0.2),
        h.make_node("Gemm", ["r2", "w3", "b3"], ["y"], transB=1),
    ]
    inits = {"mean": _f32(rng, 4), "std": _f32(rng, 4, low=0.5, high=2), "w1": _f32(rng, 4, 8), "b1": _f32(rng, 8),
             "w2": _f32(rng, 8, 6), "b2": _f32(rng, 6), "w3": _f32(rng, 3, 6), "b3": _f32(rng, 3)}  # fmt: skip
    return _onnx_model(nodes, inits, ["N", 4]), (1, 4)


def _gemm(rng):
    """Gemm with alpha/beta, a constant on the left (Transpose around it), transA, Neg."""
    from onnx import helper as h

    nodes = [
        h.make_node("Gemm", ["x", "w1", "c1"], ["g1"], alpha=0.7, beta=-1.3),
        h.make_node("Relu", ["g1"], ["r1"]),
        h.make_node("Transpose", ["r1"], ["t1"]),
        h.make_node("Gemm", ["w2", "t1"], ["g2"]),  # (4, 5) @ (5, 1)
        h.make_node("Neg", ["g2"], ["n2"]),
        h.make_node("LeakyRelu", ["n2"], ["r2"]),  # default alpha 0.01
        h.make_node("Gemm", ["r2", "w3", "c3"], ["y"], transA=1, transB=1, alpha=2.5),
    ]
    inits = {"w1": _f32(rng, 3, 5), "c1": _f32(rng, 1, 5), "w2": _f32(rng, 4, 5),
             "w3": _f32(rng, 2, 4), "c3": _f32(rng, 2)}  # fmt: skip
    return _onnx_model(nodes, inits, [1, 3]), (1, 3)


def _shapes(rng):
    """Reshape, Unsqueeze, Squeeze, Identity, Flatten, Constant, Mul/Add broadcasting, Dropout."""
    from onnx import helper as h, numpy_helper

    nodes = [
        h.make_node("Constant", [], ["k"], value=numpy_helper.from_array(np.array([0, -1], dtype=np.int64))),
        h.make_node("Reshape", ["x", "k"], ["a"]),  # (1, 2, 3) -> (1, 6)
        h.make_node("Unsqueeze", ["a", "ax"], ["b"]),  # (1, 1, 6)
        h.make_node("Mul", ["b", "scale"], ["c"]),  # broadcast (2, 1) -> (1, 2, 6)
        h.make_node("Squeeze", ["c", "ax0"], ["d"]),  # (2, 6)
        h.make_node("Identity", ["d"], ["e"]),
        h.make_node("Constant", [], ["half"], value_float=0.5),
        h.make_node("Add", ["e", "half"], ["f"]),
        h.make_node("Relu", ["f"], ["g"]),
        h.make_node("Flatten", ["g"], ["i"], axis=0),  # (1, 12)
        h.make_node("Dropout", ["i"], ["j"]),
        h.make_node("MatMul", ["j", "w"], ["y"]),
    ]
    inits = {"ax": np.array([1], dtype=np.int64), "ax0": np.array([0], dtype=np.int64),
             "scale": _f32(rng, 2, 1), "w": _f32(rng, 12, 3)}  # fmt: skip
    return _onnx_model(nodes, inits, [1, 2, 3]), (1, 2, 3)


def _conv_bn(rng):
    """Conv with pads/strides, BatchNormalization, grouped SAME_LOWER Conv, dilated Conv with
    asymmetric pads and unequal strides, Flatten, Gemm."""
    from onnx import helper as h

    nodes = [
        h.make_node("Conv", ["x", "k1", "c1"], ["a"], pads=[1, 1, 1, 1], strides=[2, 2]),  # (1, 3, 4, 4)
        h.make_node("BatchNormalization", ["a", "g", "beta", "mu", "var"], ["b"], epsilon=1e-3),
        h.make_node("Relu", ["b"], ["c"]),
        h.make_node("Conv", ["c", "k2"], ["d"], group=3, auto_pad="SAME_LOWER"),  # (1, 6, 4, 4)
        h.make_node("Conv", ["d", "k3", "c3"], ["e"], dilations=[2, 2], pads=[0, 1, 1, 0], strides=[1, 2]),
        h.make_node("LeakyRelu", ["e"], ["f"], alpha=0.1),
        h.make_node("Flatten", ["f"], ["i"]),
        h.make_node("Gemm", ["i", "w", "cw"], ["y"], transB=1),
    ]
    inits = {"k1": _f32(rng, 3, 2, 3, 3), "c1": _f32(rng, 3), "g": _f32(rng, 3), "beta": _f32(rng, 3),
             "mu": _f32(rng, 3), "var": _f32(rng, 3, low=0.1, high=2), "k2": _f32(rng, 6, 1, 2, 2),
             "k3": _f32(rng, 2, 6, 2, 2), "c3": _f32(rng, 2), "w": _f32(rng, 2, 12), "cw": _f32(rng, 2)}  # fmt: skip
    return _onnx_model(nodes, inits, [1, 2, 7, 7]), (1, 2, 7, 7)


def _old_opset(rng):
    """Opset 11: Squeeze/Unsqueeze axes as attributes; BatchNormalization on (N, C); Conv1d."""
    from onnx import helper as h

    nodes = [
        h.make_node("Conv", ["x", "k"], ["a"], pads=[1, 0]),  # (1, 2, 5) -> (1, 3, 4)
        h.make_node("Flatten", ["a"], ["b"]),  # (1, 12)
        h.make_node("Unsqueeze", ["b"], ["c"], axes=[-1]),  # (1, 12, 1)
        h.make_node("Squeeze", ["c"], ["d"], axes=[2]),
        h.make_node("BatchNormalization", ["d", "g", "beta", "mu", "var"], ["e"]),
        h.make_node("Relu", ["e"], ["f"]),
        h.make_node("Gemm", ["f", "w"], ["y"]),
    ]
    inits = {"k": _f32(rng, 3, 2, 3), "g": _f32(rng, 12), "beta": _f32(rng, 12), "mu": _f32(rng, 12),
             "var": _f32(rng, 12, low=0.1, high=2), "w": _f32(rng, 12, 2)}  # fmt: skip
    return _onnx_model(nodes, inits, [1, 2, 5], opset=11), (1, 2, 5)


ONNX_MODELS = {"mlp": _mlp, "gemm": _gemm, "shapes": _shapes, "conv_bn": _conv_bn, "old_opset": _old_opset}


@pytest.mark.parametrize("name", sorted(ONNX_MODELS))
def test_onnx_forward_agrees_with_onnxruntime(name, tmp_path):
    _runtime("onnx")
    ort = _runtime("onnxruntime")
    rng = np.random.default_rng(sorted(ONNX_MODELS).index(name))
    model, shape = ONNX_MODELS[name](rng)
    path = tmp_path / f"{name}.onnx"
    path.write_bytes(model.SerializeToString())
    net = load(path)
    assert net.reading == READING_BINARY and net.n_inputs == int(np.prod(shape))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    for _ in range(5):
        x = _f32(rng, *shape)
        (expected,) = session.run(None, {"x": x})
        assert net.n_outputs == expected.size
        assert _max_rel_diff(net.forward(x.ravel().tolist()), expected) < 5e-6  # measured at most 5.5e-7


def test_onnx_leaky_slope_and_gemm_alpha_are_exact_float32_values():
    _runtime("onnx")
    from exactrelu.loaders.onnx_format import from_onnx_model

    model, _ = _gemm(np.random.default_rng(0))
    net = from_onnx_model(model)
    assert net.negative_slopes == (0, Fraction(float(np.float32(0.01)))), "default alpha 0.01 as float32"
    assert net.metadata["rounding"] == ["none: every value is the exact binary value stored"]
    model, _ = _conv_bn(np.random.default_rng(0))
    assert from_onnx_model(model).negative_slopes[-1] == Fraction(float(np.float32(0.1)))


# ------------------------------------------------------------------ PyTorch modules against torch
def _torch_models(torch):
    nn = torch.nn
    torch.manual_seed(0)
    bn1 = nn.BatchNorm1d(6)
    bn2 = nn.BatchNorm2d(3, eps=1e-3)
    with torch.no_grad():
        for bn in (bn1, bn2):
            bn.running_mean.uniform_(-1, 1)
            bn.running_var.uniform_(0.2, 2)
            bn.weight.uniform_(-2, 2)
            bn.bias.uniform_(-1, 1)
    mlp = nn.Sequential(
        nn.Sequential(nn.Linear(4, 6), nn.ReLU()),
        nn.Dropout(0.3),
        bn1,
        nn.Linear(6, 5),
        nn.LeakyReLU(0.1),
        nn.Identity(),
        nn.Linear(5, 3),
    )
    conv = nn.Sequential(
        nn.Conv2d(2, 3, 3, stride=2, padding=1),
        bn2,
        nn.ReLU(),
        nn.Conv2d(3, 3, 2, padding="same", groups=3, bias=False),
        nn.LeakyReLU(),
        nn.Conv2d(3, 2, 2, dilation=2, padding=(1, 0)),
        nn.Flatten(),
        nn.Linear(2 * 4 * 2, 2),
    )
    conv1d = nn.Sequential(nn.Conv1d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 1))
    return {"mlp": (mlp, (4,)), "conv2d": (conv, (2, 8, 8)), "conv1d": (conv1d, (1, 6))}


@pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")
@pytest.mark.parametrize("name", ["mlp", "conv2d", "conv1d"])
def test_torch_forward_agrees_with_torch(name, tmp_path):
    torch = _runtime("torch")
    from exactrelu.loaders.torch_format import from_module

    module, sample = _torch_models(torch)[name]
    module.eval()
    options = {} if name == "mlp" else {"input_shape": sample}
    net = from_module(module, **options)
    assert net.reading == READING_BINARY and net.n_inputs == int(np.prod(sample))
    generator = torch.Generator().manual_seed(1)
    for _ in range(5):
        x = torch.rand((1,) + sample, generator=generator) * 2 - 1
        with torch.no_grad():
            expected = module(x).numpy()
        assert _max_rel_diff(net.forward(x.numpy().ravel().tolist()), expected) < 1e-6  # measured 3.7e-8
    torch.save(module, tmp_path / "model.pt")
    assert load(tmp_path / "model.pt", **options).layers == net.layers  # whole saved module, same network


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")
@pytest.mark.parametrize("name", ["mlp", "conv1d"])
def test_torch_module_and_its_onnx_export_read_identically(name):
    """Same weights, same float32 LeakyReLU slope: the two readings are equal, exactly."""
    torch = _runtime("torch")
    _runtime("onnx")
    import io

    import onnx

    from exactrelu.loaders.onnx_format import from_onnx_model

    module, sample = _torch_models(torch)[name]
    module.eval()
    buffer = io.BytesIO()
    try:
        torch.onnx.export(module, torch.zeros((1,) + sample), buffer, dynamo=False)
    except Exception as exc:  # the exporter is an optional part of torch
        pytest.skip(f"torch.onnx.export unavailable: {type(exc).__name__}")
    exported = from_onnx_model(onnx.load_from_string(buffer.getvalue()))
    direct = load(module, input_shape=sample)
    assert (exported.layers, exported.negative_slopes) == (direct.layers, direct.negative_slopes)
    if name == "mlp":
        assert direct.negative_slopes == (0, Fraction(float(np.float32(0.1))))


def test_torch_state_dict_and_dispatch(tmp_path):
    torch = _runtime("torch")
    nn = torch.nn
    torch.manual_seed(2)
    mlp = nn.Sequential(*[m for k in range(11) for m in (nn.Linear(3 if k == 0 else 4, 4), nn.ReLU())], nn.Linear(4, 2))
    torch.save(mlp.state_dict(), tmp_path / "weights.pth")
    from_file = load(tmp_path / "weights.pth", activation="relu")
    assert from_file.layers == load(mlp).layers, "numeric order 0, 2, ..., 10, ..., 22, not text order"
    assert from_file.metadata["layers"][:3] == ["0", "2", "4"]
    assert from_file.metadata["activation"] == "relu" and set(from_file.negative_slopes) == {0}
    leaky = load(tmp_path / "weights.pth", activation="leaky_relu", negative_slope=Fraction(1, 8))
    assert set(leaky.negative_slopes) == {Fraction(1, 8)}
    assert leaky.metadata["activation"] == "leaky_relu:1/8"
    assert load(tmp_path / "weights.pth", activation="leaky_relu", negative_slope="0.01").negative_slopes[0] == Fraction(
        1, 100), "text is read exactly"
    assert load(tmp_path / "weights.pth", activation="leaky_relu", negative_slope=0.01).negative_slopes[0] == Fraction(
        0.01), "a Python float by its binary64 value"
    for option in ("activation", "negative_slope"):
        refused = f"unknown option '{option}' for a torch module; accepted options: input_shape, source"
        with pytest.raises(InvalidNetwork, match=refused):
            load(mlp, **{option: "relu"})
    x = torch.rand(1, 3)
    with torch.no_grad():
        expected = mlp(x).numpy()
    assert _max_rel_diff(from_file.forward(x.numpy().ravel().tolist()), expected) < 5e-6


# ------------------------------------------------------------------ invalid and unsupported inputs
def _nnet_lines(edit):
    def write(path):
        lines = TINY_NNET.splitlines()
        path.write_text("\n".join(edit(lines)) + "\n")

    return write


def _set(lines, number, text):
    lines[number - 1] = text
    return lines


def _onnx_file(build):
    def write(path):
        from onnx import helper as h

        path.write_bytes(build(h).SerializeToString())

    return write


def _sigmoid(h):
    return _onnx_model([h.make_node("MatMul", ["x", "w"], ["a"]), h.make_node("Sigmoid", ["a"], ["y"], name="squash")],
                       {"w": np.ones((2, 2), np.float32)}, [1, 2])  # fmt: skip


def _square(h):
    return _onnx_model([h.make_node("Mul", ["x", "x"], ["y"])], {}, [1, 2])


def _skip(h):
    nodes = [h.make_node("Relu", ["x"], ["r"]), h.make_node("Add", ["r", "x"], ["y"])]
    return _onnx_model(nodes, {}, [1, 2])


def _dynamic(h):
    return _onnx_model([h.make_node("Relu", ["x"], ["y"])], {}, ["N", "features"])


def _div_zero(h):
    return _onnx_model([h.make_node("Div", ["x", "z"], ["y"])], {"z": np.zeros(2, np.float32)}, [1, 2])


def _relu(h):
    return _onnx_model([h.make_node("Relu", ["x"], ["y"])], {}, [1, 2])


def _torch_file(build):
    def write(path):
        import torch

        torch.save(build(torch), path)

    return write


def _mismatched_state(torch):
    return {"0.weight": torch.ones(4, 3), "0.bias": torch.ones(4), "2.weight": torch.ones(2, 5),
            "2.bias": torch.ones(2)}  # fmt: skip


def _linear_state(torch):
    return {"0.weight": torch.ones(1, 2), "0.bias": torch.ones(1)}


def _tanh_state(torch):
    return torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1)).state_dict()


def _tanh_checkpoint(torch):
    return {"state_dict": _tanh_state(torch), "epoch": 7}


def _relu_module(torch):
    return torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))


def _bn_state(torch):
    return torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2)).state_dict()


def _sigmoid_module(torch):
    return torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Sigmoid())


def _npz(path):
    np.savez(path, W0=np.eye(2), b0=np.zeros(2))


def _json(path):
    path.write_text('{"layers": [{"weight": [[1, 0], [0, 1]], "bias": [0, "1/2"]}]}')


INVALID = [
    # (id, file name, writer, needs, exception, fragments of the message[, options passed to load])
    ("nnet-empty", "a.nnet", lambda p: p.write_text("// only a comment\n"), None, InvalidNetwork,
     ["line 2", "file ends early", "sizes line"]),
    ("nnet-truncated", "a.nnet", _nnet_lines(lambda ls: ls[:-1]), None, InvalidNetwork,
     ["line 16", "file ends early", "bias 1 of layer 2"]),
    ("nnet-row-count", "a.nnet", _nnet_lines(lambda ls: _set(ls, 9, "1,0,5,")), None, InvalidNetwork,
     ["line 9", "row 1 of the weight of layer 1", "found 3"]),
    ("nnet-not-a-number", "a.nnet", _nnet_lines(lambda ls: _set(ls, 10, "0,abc,")), None, InvalidNetwork,
     ["line 10", "'abc'"]),
    ("nnet-sizes-disagree", "a.nnet", _nnet_lines(lambda ls: _set(ls, 3, "2,4,1,")), None, InvalidNetwork,
     ["line 3", "disagree"]),
    ("nnet-zero-range", "a.nnet", _nnet_lines(lambda ls: _set(ls, 8, "2,0,1,")), None, InvalidNetwork,
     ["line 8", "range 2 is zero"]),
    ("nnet-trailing-data", "a.nnet", _nnet_lines(lambda ls: ls + ["7,"]), None, InvalidNetwork,
     ["line 17", "after the last layer"]),
    ("nnet-min-above-max", "a.nnet", _nnet_lines(lambda ls: _set(ls, 5, "5,-1,")), None, InvalidNetwork,
     ["line 6", "input 1 has minimum 5 above maximum 4"]),
    ("onnx-garbage", "m.onnx", lambda p: p.write_bytes(b"\x00\xffnot a model"), "onnx", InvalidNetwork,
     ["not a readable ONNX model"]),
    ("onnx-unsupported-op", "m.onnx", _onnx_file(_sigmoid), "onnx", UnsupportedModel,
     ["node 2 of 2", "Sigmoid", "'squash'", "supported operators: Add"]),
    ("onnx-nonlinear", "m.onnx", _onnx_file(_square), "onnx", UnsupportedModel, ["Mul", "not affine"]),
    ("onnx-skip-connection", "m.onnx", _onnx_file(_skip), "onnx", UnsupportedModel, ["node 2", "skip connections"]),
    ("onnx-dynamic-shape", "m.onnx", _onnx_file(_dynamic), "onnx", UnsupportedModel,
     ["dimension 1 is dynamic (features)", "input_shape="]),
    ("onnx-division-by-zero", "m.onnx", _onnx_file(_div_zero), "onnx", InvalidNetwork, ["node 1", "division"]),
    ("torch-garbage", "m.pt", lambda p: p.write_bytes(b"garbage"), "torch", InvalidNetwork,
     ["not a readable PyTorch file"]),
    ("torch-state-shapes", "m.pth", _torch_file(_mismatched_state), "torch", InvalidNetwork,
     ["layer '2'", "shape (2, 5)", "expected (2, 4)"], {"activation": "relu"}),
    ("torch-state-batchnorm", "m.pth", _torch_file(_bn_state), "torch", UnsupportedModel,
     ["'1.running_mean'", "save the whole"], {"activation": "relu"}),
    ("torch-state-no-activation", "m.pt", _torch_file(_tanh_state), "torch", InvalidNetwork,
     ["m.pt holds a state dict, which does not record the activations between layers",
      "say which with --activation relu (or load(path, activation='relu') in Python)"]),
    ("torch-checkpoint-no-activation", "c.pth", _torch_file(_tanh_checkpoint), "torch", InvalidNetwork,
     ["c.pth holds a state dict, which does not record the activations"]),
    ("torch-state-tanh", "m.pt", _torch_file(_tanh_state), "torch", InvalidArgument,
     ["activation 'tanh' is not supported", "'relu', 'leaky_relu'"], {"activation": "tanh"}),
    ("torch-state-slope-alone", "m.pt", _torch_file(_tanh_state), "torch", InvalidArgument,
     ["negative_slope='1/8' is given without activation='leaky_relu'"], {"negative_slope": "1/8"}),
    ("torch-state-slope-with-relu", "m.pt", _torch_file(_tanh_state), "torch", InvalidArgument,
     ["negative_slope='1/8' is given with activation='relu'"], {"activation": "relu", "negative_slope": "1/8"}),
    ("torch-state-leaky-no-slope", "m.pt", _torch_file(_tanh_state), "torch", InvalidArgument,
     ["activation='leaky_relu' needs its slope"], {"activation": "leaky_relu"}),
    ("torch-state-input-shape", "m.pt", _torch_file(_tanh_state), "torch", InvalidArgument,
     ["input_shape= applies to whole modules only"], {"activation": "relu", "input_shape": (2,)}),
    ("torch-module-activation", "m.pt", _torch_file(_relu_module), "torch", InvalidArgument,
     ["holds a whole module, which records its own activations"], {"activation": "relu"}),
    ("torch-unsupported-module", "m.pt", _torch_file(_sigmoid_module), "torch", UnsupportedModel,
     ["module 2 of 2", "Sigmoid", "supported modules: Sequential"]),
    ("json-not-utf8", "n.json", lambda p: p.write_bytes(b"\xff{}"), None, InvalidNetwork,
     ["not a readable JSON file", "UnicodeDecodeError"]),
    ("npz-option", "n.npz", _npz, None, InvalidNetwork,
     ["unknown option 'some_option' for a .npz file", "accepted options: none"], {"some_option": 1}),
    ("npz-options", "n.npz", _npz, None, InvalidNetwork,
     ["unknown options 'a', 'b'", "accepted options: none"], {"a": 1, "b": 2}),
    ("json-option", "n.json", _json, None, InvalidNetwork,
     ["unknown option 'input_shape' for a .json file", "accepted options: none"], {"input_shape": (2,)}),
    ("nnet-option", "a.nnet", _nnet_lines(lambda ls: ls), None, InvalidNetwork,
     ["unknown option 'denormalise_outputs'", "accepted options: denormalize_outputs"],
     {"denormalise_outputs": True}),
    ("onnx-option", "m.onnx", _onnx_file(_relu), "onnx", InvalidNetwork,
     ["unknown option 'negative_slope' for a .onnx file", "accepted options: input_shape"], {"negative_slope": 0}),
    ("torch-option", "m.pth", _torch_file(_linear_state), "torch", InvalidNetwork,
     ["unknown option 'shape'", "accepted options: input_shape, activation, negative_slope"], {"shape": (2,)}),
    ("json-activation-option", "n.json", _json, None, InvalidNetwork,
     ["unknown option 'activation' for a .json file", "accepted options: none"], {"activation": "relu"}),
    ("json-unknown-key", "n.json", lambda p: p.write_text('{"layers": [], "activations": ["tanh"]}'), None,
     InvalidNetwork, ["n.json has unknown top-level key 'activations'", "accepted: 'layers', 'input_names'"]),
    ("json-unknown-layer-key", "n.json",
     lambda p: p.write_text('{"layers": [{"weight": [[1]], "bias": [0], "activation": "tanh"}]}'), None,
     InvalidNetwork, ["layer 1, has unknown key 'activation'; accepted: 'weight', 'bias'"]),
    ("json-huge-exponent", "n.json", lambda p: p.write_text('{"layers": [{"weight": [[1e99999999]], "bias": [0]}]}'),
     None, InvalidNetwork, ["n.json: weight of layer 1, entry (1, 1) 1E+99999999 has exponent 99999999",
                            "limit of 10,000"]),
    ("json-huge-integer", "n.json", lambda p: p.write_text('{"layers": [{"weight": [[' + "9" * 10_001 + ']], '
                                                           '"bias": [0]}]}'),
     None, InvalidNetwork, ["has 10,001 digits, more than 10,000"]),
    ("json-non-ascii-digit", "n.json", lambda p: p.write_text('{"layers": [{"weight": [["\uff11"]], "bias": [0]}]}'),
     None, InvalidNetwork, ["weight of layer 1, entry (1, 1)", "is not an integer, decimal or p/q"]),
]  # fmt: skip


@pytest.mark.parametrize(
    "name, writer, needs, error, fragments, options",
    [(*case[1:6], case[6] if len(case) > 6 else {}) for case in INVALID],
    ids=[case[0] for case in INVALID],
)
def test_invalid_inputs_raise_clear_errors(tmp_path, name, writer, needs, error, fragments, options):
    if needs:
        _runtime(needs)
    path = tmp_path / name
    writer(path)
    with pytest.raises(error) as info:
        load(path, **options)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_acas_three_forms_partition_a_small_box_identically(acas):
    """The .nnet (exact decimals, raw units), .onnx (float32) and .npz (float64) forms differ by
    rounding of the weights, but on the normalised box c +- 0.01 the rounding moves no hyperplane
    across a region: all three give the same 547 activation patterns and 1,605 adjacent pairs
    (../shared/nets/README.md), the .nnet's box being the same box mapped to raw input units."""
    from exactrelu import Domain, partition

    nnet, onnx_net, npz = acas
    centre = [Fraction(s) for s in ("0.1", "0.05", "-0.1", "0.2", "-0.2")]
    radius = Fraction(1, 100)
    normalised = Domain.box([(c - radius, c + radius) for c in centre])
    means, ranges = nnet.metadata["input_means"], nnet.metadata["input_ranges"]
    raw = Domain.box([(m + (c - radius) * g, m + (c + radius) * g) for c, m, g in zip(centre, means, ranges)])
    results = [partition(nnet, raw), partition(onnx_net, normalised), partition(npz, normalised)]
    patterns = [{r.pattern for r in p.regions} for p in results]
    assert [len(p.regions) for p in results] == [547, 547, 547]
    assert [len(p.edges) for p in results] == [1605, 1605, 1605]
    assert patterns[0] == patterns[1] == patterns[2]


def test_denormalize_outputs_must_be_a_bool():
    """``denormalize_outputs="no"`` would be true: refused in one line."""
    with pytest.raises(InvalidNetwork, match="denormalize_outputs is a str, expected True or False"):
        parse_nnet(TINY_NNET, denormalize_outputs="no")
