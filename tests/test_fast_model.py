"""The graph rewrite behind kokoro-fast (tts.fast_model): what it replaces, and that it still computes
the same thing. Tiny graphs check the numbers; the shipped graph, calibrated on one utterance only
(the real build uses 24), checks what is left of it."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_batched import SHIPPED, VOCAB, VOICES, _have

pytestmark = pytest.mark.skipif(not _have("onnx"), reason="the rewrite needs onnx: pip install -e .")


def _run(model, feed: dict) -> list[np.ndarray]:
    import onnxruntime as ort

    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feed)


def _graph(nodes, inits, channels: int):
    from onnx import TensorProto, helper, numpy_helper

    g = helper.make_graph(nodes, "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, None])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                          [numpy_helper.from_array(v, k) for k, v in inits.items()])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


@given(st.floats(-1e4, 1e4, allow_nan=False))
def test_sin2_polynomial_matches_sine_over_a_wide_range(u):
    from tts.fast_model import sin2_poly

    assert abs(sin2_poly(u - np.round(u)) - np.sin(np.pi * u) ** 2) < 8.5e-4  # the fit's max error, 8.3e-4


@settings(max_examples=20, deadline=None)
@given(st.floats(0.2, 20.0), st.floats(0.1, 10.0))
def test_snake_rewrite_drops_sin_and_keeps_values(alpha_max, spread):
    from onnx import helper

    from tts.fast_model import _Graph, rewrite_snakes

    rng = np.random.default_rng(0)
    alpha = rng.uniform(0.1, alpha_max, (1, 4, 1)).astype(np.float32)
    p = "/decoder/decoder/generator/resblocks.0/"  # the rewrite keeps to the generator's Snakes
    nodes = [helper.make_node("Mul", ["alpha", "x"], ["ax"], name=p + "Mul"),
             helper.make_node("Sin", ["ax"], ["s"], name=p + "Sin"),
             helper.make_node("Pow", ["s", "two"], ["s2"], name=p + "Pow"),
             helper.make_node("Mul", ["inv", "s2"], ["q"], name=p + "Mul_1"),
             helper.make_node("Add", ["x", "q"], ["y"], name=p + "Add")]
    model = _graph(nodes, {"alpha": alpha, "inv": 1 / alpha, "two": np.array(2.0, np.float32)}, 4)
    x = {"x": (rng.standard_normal((1, 4, 500)) * spread).astype(np.float32)}
    (ref,) = _run(model, x)
    g = _Graph(model.graph)
    assert rewrite_snakes(g) == 1
    g.commit()
    assert "Sin" not in {n.op_type for n in model.graph.node}
    (out,) = _run(model, x)
    # sin^2 to 8.5e-4, times 1/alpha; plus float32 rounding of alpha x / pi (|alpha x| up to ~800 here)
    err = np.abs(out - ref) * alpha
    assert err.max() < 8.5e-4 + 3e-7 * np.abs(alpha * x["x"]).max()


def test_integer_conv_becomes_qlinear_and_keep_float_stays(tmp_path):
    import onnx
    from onnx import helper
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from tts.fast_model import rewrite

    rng = np.random.default_rng(1)
    inits = {"w": rng.normal(0, 0.2, (8, 8, 3)).astype(np.float32), "b": rng.normal(0, 0.1, 8).astype(np.float32),
             "w2": rng.normal(0, 0.2, (8, 8, 1)).astype(np.float32)}
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["h"], name="/decoder/decoder/encode/conv1/Conv",
                              pads=[1, 1], kernel_shape=[3]),
             helper.make_node("Conv", ["h", "w2"], ["y"], name="/decoder/decoder/generator/noise_convs.0/Conv",
                              kernel_shape=[1])]
    onnx.save(_graph(nodes, inits, 8), tmp_path / "float.onnx")
    quantize_dynamic(tmp_path / "float.onnx", tmp_path / "int8.onnx", weight_type=QuantType.QUInt8)  # as shipped
    model = onnx.load(tmp_path / "int8.onnx")
    feeds = [{"x": rng.standard_normal((1, 8, 400)).astype(np.float32)} for _ in range(3)]
    (before,) = _run(model, feeds[0])
    assert rewrite(model, feeds, threads=1) == {"snakes": 0, "norms": 0, "convs": 1, "static_inputs": 1}
    convs = {n.name: n.op_type for n in model.graph.node if "Conv" in n.op_type}
    assert convs == {"/decoder/decoder/encode/conv1/Conv_quant/qconv": "QLinearConv",
                     "/decoder/decoder/generator/noise_convs.0/Conv_quant": "ConvInteger"}
    # the QLinearConv's input at its calibrated scale; the kept layer's still quantised per call
    made_by = {o: n.op_type for n in model.graph.node for o in n.output}
    reads = {n.op_type: made_by[n.input[0]] for n in model.graph.node if "Conv" in n.op_type}
    assert reads == {"QLinearConv": "QuantizeLinear", "ConvInteger": "DynamicQuantizeLinear"}
    (after,) = _run(model, feeds[0])
    # the output range is clipped to half the largest seen (tts.qlinear.CLIP), the input's to 0.7 of
    # the widest (IN_CLIP): peaks move, the rest stays (0.976 here, on Gaussian noise's long tails)
    assert np.corrcoef(before.ravel(), after.ravel())[0, 1] > 0.97


@pytest.fixture(scope="module")
def rewritten():
    if not (SHIPPED.is_file() and VOCAB.is_file() and VOICES.is_dir()):
        pytest.skip(f"shipped model not found at {SHIPPED}")
    import onnx

    from tts.fast_model import rewrite
    from tts.qlinear import calibration_feeds

    model = onnx.load(str(SHIPPED))
    feed = calibration_feeds(VOCAB, VOICES)[2]
    return model, rewrite(model, [feed], threads=1), feed


@pytest.mark.slow
def test_no_integer_conv_left_in_the_decoder_outside_keep_float(rewritten):
    from tts.qlinear import KEEP_FLOAT

    model, counts, _ = rewritten
    left = [n.name for n in model.graph.node if n.op_type == "ConvInteger" and n.name.startswith("/decoder/")]
    assert left and all(any(k in name for k in KEEP_FLOAT) for name in left), left
    assert counts["convs"] == sum(n.op_type == "QLinearConv" for n in model.graph.node) == 64
    made_by = {o: n.op_type for n in model.graph.node for o in n.output}
    assert {made_by[n.input[0]] for n in model.graph.node if n.op_type == "QLinearConv"} == {"QuantizeLinear"}
    assert counts["static_inputs"] == 64  # no two of them share an input


@pytest.mark.slow
def test_no_sin_left_in_snake_only_the_exact_phases(rewritten):
    model, counts, _ = rewritten
    sins = sorted(n.name for n in model.graph.node if n.op_type == "Sin")
    assert counts["snakes"] == 48
    assert sins == ["/decoder/decoder/generator/Sin", "/decoder/decoder/generator/istft/stft/Sin",
                    "/decoder/decoder/generator/m_source/l_sin_gen/Sin"]


@pytest.mark.slow
def test_rewritten_graph_sounds_like_the_shipped_one(rewritten):
    import onnx

    from tts.batched.metrics import logmel_distance_dtw

    model, counts, feed = rewritten
    # every instance norm in the decoder as one per-channel affine, but the 5 of concatenations
    assert counts["norms"] == 49
    (shipped,) = _run(onnx.load(str(SHIPPED)), feed)
    (fast,) = _run(model, feed)
    assert abs(len(fast) - len(shipped)) == 0  # the text side is untouched: same durations
    assert logmel_distance_dtw(shipped, fast) < 3.0
