"""Decoder convolutions as QLinearConv: int8 weights per channel, activations quantised per call.

Why: on an AVX2 CPU without VNNI, onnxruntime's ConvInteger (what dynamic quantisation emits) is a
single-threaded im2col plus a u8 x u8 GEMM, while QLinearConv (u8 activations x s8 weights) has
threaded NHWC kernels: 2-3x faster on Kokoro's generator convolutions, which are most of its time.

QLinearConv needs the scales of its input and output. The input's comes from
DynamicQuantizeLinear on each call, as before. The output's cannot be measured before the
convolution runs, so it is the input's scale times a ratio calibrated per layer on real speech:
a convolution is linear, so its output range follows its input range, and every decoder
convolution reads an instance-normalised signal, so the ratio barely moves between sentences and
voices (max/median <= 1.5 over the calibration set). The ratio is set to half the largest seen:
clipping the rare peaks costs less than the coarser steps needed to keep them (log-mel distance
to the fp32 model 1.5 dB at 0.5, 2.4 dB at 1.0, 2.3 dB at 0.25). The bias is added in float after
dequantising, because a quantised bias would need the per-call input scale.

Build-time only (onnx + onnxruntime).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np

# Decoder layers that stay float in every int8 variant: conv_post feeds exp() (magnitudes) and
# sin() (phases); noise_convs read the source's phase spectrum; F0/N_conv are one channel;
# m_source mixes the harmonics. Quantising them costs ~2 dB log-mel and saves almost nothing.
KEEP_FLOAT = ("conv_post", "noise_convs", "F0_conv", "N_conv", "m_source")
CLIP = 0.5        # output range = CLIP x the largest output/input range ratio seen in calibration
WEIGHT_LEVELS = 127


def _targets(model) -> list:
    init = {i.name for i in model.graph.initializer}
    return [n for n in model.graph.node
            if n.op_type == "Conv" and n.name.startswith("/decoder/")
            and not any(k in n.name for k in KEEP_FLOAT) and n.input[1] in init]


def calibrate(model, feeds: Iterable[dict[str, np.ndarray]], threads: int = 1) -> dict[str, float]:
    """Largest (2 * max|conv output - bias|) / (input range) per target convolution over `feeds`.
    One thread by default: sums then run in one order, so a rebuild gives the same bytes."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    targets = _targets(model)
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    names = []
    for n in targets:
        for t in (n.input[0], n.output[0]):
            probe.graph.output.append(helper.make_tensor_value_info(t, TensorProto.FLOAT, None))
            names.append(t)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    sess = ort.InferenceSession(probe.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    init = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    ratio = {n.name: 0.0 for n in targets}
    for feed in feeds:
        outs = sess.run(names, feed)
        for k, n in enumerate(targets):
            x, y = outs[2 * k], outs[2 * k + 1]
            if len(n.input) > 2 and n.input[2]:
                y = y - init[n.input[2]].reshape(1, -1, 1)
            x_range = max(float(x.max()), 0.0) - min(float(x.min()), 0.0)  # DynamicQuantizeLinear's
            if x_range > 0:
                ratio[n.name] = max(ratio[n.name], 2.0 * float(np.abs(y).max()) / x_range)
    return ratio


def convert(model, ratio: dict[str, float], clip: float = CLIP):
    """A copy of `model` with each calibrated Conv replaced by
    DynamicQuantizeLinear -> QLinearConv (output scale = input scale x ratio x clip) -> Dequantize -> + bias."""
    from onnx import helper, numpy_helper

    init = {i.name: i for i in model.graph.initializer}
    nodes, extra = [], []
    for n in model.graph.node:
        if ratio.get(n.name, 0.0) <= 0.0:  # not a target, or never saw a signal
            nodes.append(n)
            continue
        p = n.name
        w = numpy_helper.to_array(init[n.input[1]]).astype(np.float32)
        scale = np.abs(w).reshape(len(w), -1).max(axis=1) / WEIGHT_LEVELS
        scale[scale == 0] = 1.0
        wq = np.clip(np.round(w / scale.reshape(-1, *([1] * (w.ndim - 1)))), -WEIGHT_LEVELS, WEIGHT_LEVELS)
        extra += [numpy_helper.from_array(wq.astype(np.int8), f"{p}/wq"),
                  numpy_helper.from_array(scale.astype(np.float32), f"{p}/ws"),
                  numpy_helper.from_array(np.zeros(len(scale), np.int8), f"{p}/wz"),
                  numpy_helper.from_array(np.array(ratio[p] * clip, np.float32), f"{p}/ratio"),
                  numpy_helper.from_array(np.array(128, np.uint8), f"{p}/yz")]
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        has_bias = len(n.input) > 2 and bool(n.input[2])
        deq_out = f"{p}/y" if has_bias else n.output[0]
        nodes += [
            helper.make_node("DynamicQuantizeLinear", [n.input[0]], [f"{p}/xq", f"{p}/xs", f"{p}/xz"], name=f"{p}/quant"),
            helper.make_node("Mul", [f"{p}/xs", f"{p}/ratio"], [f"{p}/ys"], name=f"{p}/out_scale"),
            helper.make_node("QLinearConv", [f"{p}/xq", f"{p}/xs", f"{p}/xz", f"{p}/wq", f"{p}/ws", f"{p}/wz",
                                             f"{p}/ys", f"{p}/yz"], [f"{p}/yq"], name=f"{p}/qconv", **attrs),
            helper.make_node("DequantizeLinear", [f"{p}/yq", f"{p}/ys", f"{p}/yz"], [deq_out], name=f"{p}/dequant"),
        ]
        if has_bias:
            b = numpy_helper.to_array(init[n.input[2]]).astype(np.float32).reshape(1, -1, 1)
            extra.append(numpy_helper.from_array(b, f"{p}/bias"))
            nodes.append(helper.make_node("Add", [deq_out, f"{p}/bias"], [n.output[0]], name=f"{p}/add_bias"))
    g = model.graph
    used = {i for nd in nodes for i in nd.input}
    graph = helper.make_graph(nodes, g.name, g.input, g.output,
                              [i for i in g.initializer if i.name in used] + extra)
    out = helper.make_model(graph, opset_imports=model.opset_import)
    out.ir_version = model.ir_version
    return out


def quantize_qlinear(fp32_path: Path, out_path: Path, feeds: list[dict[str, np.ndarray]]) -> Path:
    """Calibrate on `feeds` (inputs of the fp32 graph) and write the converted model."""
    import onnx

    model = onnx.load(str(fp32_path))
    onnx.save(convert(model, calibrate(model, feeds)), str(out_path))
    return out_path
