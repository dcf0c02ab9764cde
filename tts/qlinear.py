"""Decoder convolutions as QLinearConv: int8 weights per channel, activations at calibrated scales.

Why: on an AVX2 CPU without VNNI, onnxruntime's ConvInteger (what dynamic quantisation emits) is a
single-threaded im2col plus a u8 x u8 GEMM, while QLinearConv (u8 activations x s8 weights) has
threaded NHWC kernels: 2-3x faster on Kokoro's generator convolutions, which are most of its time.

QLinearConv needs the scales of its input and output. The output's cannot be measured before the
convolution runs, so it is the input's scale times a ratio calibrated per layer on real speech:
a convolution is linear, so its output range follows its input range, and every decoder
convolution reads an instance-normalised signal, so the ratio barely moves between sentences and
voices (max/median <= 1.5 over the calibration set). The ratio is set to half the largest seen:
clipping the rare peaks costs less than the coarser steps needed to keep them (log-mel distance
to the fp32 model 1.5 dB at 0.5, 2.4 dB at 1.0, 2.3 dB at 0.25). The bias is added in float after
dequantising (inside QLinearConv as int32 it was no faster, tts.fast_model).

The input's scale is either each call's, from the shipped DynamicQuantizeLinear (the batched fast
model, tts.fast_batched), or calibrated too (the solo fast model, tts.fast_model): the widest range
the input took over the calibration speech, times IN_CLIP, applied by a QuantizeLinear. That is one
pass over the signal less per convolution, and an item's rounding no longer depends on the call.

`calibrate` measures the ratios and the input ranges, `qlinear_conv` emits the replacement nodes.

Build-time only (onnx + onnxruntime).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

# Decoder layers that stay as they are in every int8 variant: conv_post feeds exp() (magnitudes) and
# sin() (phases); noise_convs read the source's phase spectrum; F0/N_conv are one channel;
# m_source mixes the harmonics. Quantising them costs ~2 dB log-mel and saves almost nothing.
KEEP_FLOAT = ("conv_post", "noise_convs", "F0_conv", "N_conv", "m_source")
CLIP = 0.5        # output range = CLIP x the largest output/input range ratio seen in calibration
# input range = IN_CLIP x the widest input range seen in calibration. On 12 voices outside the
# calibration set (docs/benchmarks.md, issue 12): log-mel to the shipped model median 2.22 dB, max
# 4.73 at 0.7; 2.32 / 4.65 at 0.85; per-call ranges (v4) 2.18 / 6.38. On the calibration voices 1.0
# gave 2.13, 0.5 2.45 (max 4.39).
IN_CLIP = 0.7
WEIGHT_LEVELS = 127

# Calibration speech for the output scales: varied prosody, several voices, 1-4 s each.
CALIBRATION_PHONEMES = [
    "ʃˈʊɹ, hˈɪɹ ɪt ɪz.",
    "ðə wˈɛðəɹ ɪz sˈʌni tədˈA, wɪθ ə hˈI ʌv sˈɛvənti dəɡɹˈiz.",
    "aɪ sˈɛt ə tˈIməɹ fɔɹ tˈɛn mˈɪnəts.",
    "wʊd ju lˈIk tə hˈɪɹ ə ʃˈɔɹt stˈɔɹi əbˌWt ə bɹˈAv lˈɪTᵊl fˈɑks?",
    "hˈmm, aɪ æm nˌɑt ʃˈʊɹ əbˌWt ðˈæt!",
    "wˈʌn, tˈu, θɹˈi, fˈɔɹ, fˈIv.",
]
CALIBRATION_VOICES = ["af_heart", "am_michael", "bf_emma", "am_adam"]


def calibration_feeds(vocab_path: Path, voices_dir: Path) -> list[dict]:
    """The calibration utterances as feeds of the shipped graph (tokens, style, speed)."""
    from tts.kokoro import load_vocab, tokenize
    from tts.voices import load_pack

    vocab = load_vocab(vocab_path)
    feeds = []
    for voice in CALIBRATION_VOICES:
        pack = load_pack(voices_dir, voice)
        for phonemes in CALIBRATION_PHONEMES:
            ids = tokenize(vocab, phonemes)
            feeds.append({"tokens": np.array([[0, *ids, 0]], np.int64),
                          "style": pack[len(ids) - 1].reshape(1, -1).astype(np.float32),
                          "speed": np.array([1.0], np.float32)})
    return feeds


@dataclass(frozen=True)
class Calibration:
    ratio: float   # the largest 2 max|output - bias| / input range seen
    low: float     # the input's lowest value seen (0 if none lower)
    high: float    # and its highest (0 if none higher)

    def input_scale(self, clip: float = IN_CLIP) -> tuple[float, int]:
        """(scale, uint8 zero point) of a static quantisation of the input."""
        scale = (self.high - self.low) * clip / 255
        return scale, int(np.clip(round(-self.low * clip / scale), 0, 255))


@dataclass(frozen=True)
class Probe:
    """One convolution to calibrate: its float input, its float output, the bias that output includes."""
    name: str
    x: str
    y: str
    bias: np.ndarray | None


def calibrate(model, probes: Sequence[Probe], feeds: Iterable[dict[str, np.ndarray]],
              threads: int = 1) -> dict[str, Calibration]:
    """Per probe over `feeds`: the largest (2 * max|conv output - bias|) / (input range), and the
    input's extremes.

    Each session runs on one thread, so its sums always run in one order and a rebuild gives the
    same bytes; `threads` sessions share the feeds between them (a maximum does not depend on the
    order it is taken in)."""
    from concurrent.futures import ThreadPoolExecutor

    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    names = list(dict.fromkeys(t for p in probes for t in (p.x, p.y)))  # convs may share an input
    at = {t: k for k, t in enumerate(names)}
    for t in names:
        probe.graph.output.append(helper.make_tensor_value_info(t, TensorProto.FLOAT, None))
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(probe.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    del probe

    def ratios(feed: dict) -> list[tuple[float, float, float]]:
        outs = sess.run(names, feed)
        got = []
        for p in probes:
            x, y = outs[at[p.x]], outs[at[p.y]]
            if p.bias is not None:
                y = y - p.bias.reshape(1, -1, 1)
            low, high = min(float(x.min()), 0.0), max(float(x.max()), 0.0)  # as DynamicQuantizeLinear takes them
            got.append((2.0 * float(np.abs(y).max()) / (high - low) if high > low else 0.0, low, high))
        return got

    from tqdm import tqdm  # the slow part of a build: a bar on a terminal only

    feeds = list(feeds)
    with ThreadPoolExecutor(max(1, threads)) as pool:  # onnxruntime lets go of the GIL while it runs
        seen = list(tqdm(pool.map(ratios, feeds), total=len(feeds), desc="calibrating", unit="utterance",
                         disable=None, leave=False))
    return {p.name: Calibration(max([0.0] + [r[k][0] for r in seen]), min([0.0] + [r[k][1] for r in seen]),
                                max([0.0] + [r[k][2] for r in seen])) for k, p in enumerate(probes)}


def quantize_weight(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per output channel -> (int8 weight, float32 scale per channel)."""
    w = w.astype(np.float32)
    scale = np.abs(w).reshape(len(w), -1).max(axis=1) / WEIGHT_LEVELS
    scale[scale == 0] = 1.0
    wq = np.clip(np.round(w / scale.reshape(-1, *([1] * (w.ndim - 1)))), -WEIGHT_LEVELS, WEIGHT_LEVELS)
    return wq.astype(np.int8), scale.astype(np.float32)


def qlinear_conv(p: str, xq: str, xs: str, xz: str, weight: np.ndarray, attrs: dict, ratio: float,
                 bias: np.ndarray | None, out: str, clip: float = CLIP) -> tuple[list, list]:
    """(nodes, initializers) computing `out` = conv(x) + bias as QLinearConv, from x already
    quantised (xq, xs, xz) and the convolution's float `weight`.
    Output scale = input scale x ratio x clip; names of new tensors start with `p`."""
    from onnx import helper, numpy_helper

    wq, ws = quantize_weight(weight)
    inits = [numpy_helper.from_array(wq, f"{p}/wq"), numpy_helper.from_array(ws, f"{p}/ws"),
             numpy_helper.from_array(np.zeros(len(ws), np.int8), f"{p}/wz"),
             numpy_helper.from_array(np.array(ratio * clip, np.float32), f"{p}/ratio"),
             numpy_helper.from_array(np.array(128, np.uint8), f"{p}/yz")]
    deq = f"{p}/y" if bias is not None else out
    nodes = [
        helper.make_node("Mul", [xs, f"{p}/ratio"], [f"{p}/ys"], name=f"{p}/out_scale"),
        helper.make_node("QLinearConv", [xq, xs, xz, f"{p}/wq", f"{p}/ws", f"{p}/wz", f"{p}/ys", f"{p}/yz"],
                         [f"{p}/yq"], name=f"{p}/qconv", **attrs),
        helper.make_node("DequantizeLinear", [f"{p}/yq", f"{p}/ys", f"{p}/yz"], [deq], name=f"{p}/dequant"),
    ]
    if bias is not None:
        inits.append(numpy_helper.from_array(bias.astype(np.float32).reshape(1, -1, 1), f"{p}/bias"))
        nodes.append(helper.make_node("Add", [deq, f"{p}/bias"], [out], name=f"{p}/add_bias"))
    return nodes, inits
