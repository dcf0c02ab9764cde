"""The streaming engine's fast Kokoro, made by rewriting the shipped ONNX graph.

Why a rewrite: the recipe was found on a PyTorch rebuild of Kokoro (tts.batched), but users'
installs have no PyTorch. Every step of it is a local change to the graph, so it is applied to the
shipped kokoro-v1.0.int8.onnx directly, with onnx and numpy (and onnxruntime to calibrate): ~30 s on
two cores, and deterministic (calibration runs single-threaded sessions): two builds, same bytes.

What the rewrite does (scripts/bench_tts.py: v4 2.06-2.08x the shipped model's speed on an AVX-512/VNNI
CPU, where v3 gave 1.86-1.87x; on an AVX2 CPU without VNNI v5 1.44x, v4 1.31-1.34x in the same runs;
tests/test_tts_quality.py: log-mel ~2 dB from the shipped model, Whisper round-trip WER as the shipped):
  1. The decoder's dynamic-int8 convolutions (DynamicQuantizeLinear -> ConvInteger -> Cast ->
     Mul(scales) -> + bias) become QLinearConv with int8 weights per channel, the input and output
     scales calibrated per layer on speech (tts.qlinear); KEEP_FLOAT layers stay as shipped. The
     ConvIntegers took 61 % of the shipped model's time; the QLinearConvs take less than half that.
     v5: the inputs' scales are calibrated too (static_inputs), not taken per call: ~10 % faster
     than v4 on an AVX2 CPU, about as far from the shipped model (docs/benchmarks.md, issue 12).
  2. Snake's sin(alpha x)^2 becomes a polynomial after range reduction (onnxruntime's Sin runs on
     one thread), degree 3 in r^2, its innermost step a depthwise Conv. The harmonic source's, the
     phase's and the iSTFT's Sin stay exact: their arguments are large, or they are phases.
  3. The decoder's instance norms become mean(x), mean(x^2) and one depthwise Conv that applies the
     style's gain and shift (affine_norms): four passes over the signal instead of six.
  Elementwise passes, not the convolutions, were the largest share after step 1 (the Snakes' twelve
  ops 29 % of the kernel time, the norms 12 %); steps 2 and 3 as now took 10 % off the
  whole run (v3: the degree-4 polynomial, Mul then Add for every affine step).

Measured and left out: the text side (ALBERT's MatMulIntegers are already int8 per channel in the
shipped graph; its ConvIntegers as QLinearConv moved the prosody: log-mel 4.4 dB from the shipped);
the STFT op as a Conv (~5 % faster, but where the harmonic source is silent its bins are rounding
noise whose phases the noise convolutions read, so the audio moved: 3.8 dB); u8 weights kept as
shipped in QLinearConv (onnxruntime has no fast u8 x u8 path: 1.1x); the bias inside QLinearConv
as int32 (no faster, 2.0 dB); dropping the bias of convolutions that feed a norm (onnxruntime then
duplicates the DequantizeLinear for its two readers: no gain); InstanceNormalization ops.
"""
from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tts.qlinear import KEEP_FLOAT, Calibration, Probe, calibrate, calibration_feeds, qlinear_conv

FAST_NAME = "kokoro-fast.v5.onnx"  # a new name whenever the recipe changes: caches then rebuild
SNAKES = ("/decoder/decoder/generator/resblocks.", "/decoder/decoder/generator/noise_res.")
# sin^2(pi r) = t (c1 + c2 t + c3 t^2 + c4 t^3), t = r^2, |r| <= 1/2: a least-squares fit, max error 6.3e-5.
SIN2 = (9.8672466, -32.37042703, 41.426299, -23.29808439)
# The same with one term less, for the graph rewrite: max error 8.3e-4 (a near-minimax fit), far below
# the int8 step of the convolution each Snake feeds, and two passes over the signal fewer.
SIN2_3 = (9.80191331, -30.76919539, 30.29945709)


def sin2_poly(r: np.ndarray) -> np.ndarray:
    """sin(pi r)^2 for |r| <= 1/2 as the rewritten graph computes it (for tests)."""
    t = r * r
    return ((SIN2_3[2] * t + SIN2_3[1]) * t + SIN2_3[0]) * t


class _Graph:
    """Lookups over a GraphProto, and edits collected to apply in one pass (`commit`)."""

    def __init__(self, graph) -> None:
        self.g = graph
        self.init = {i.name: i for i in graph.initializer}
        self.producer = {o: n for n in graph.node for o in n.output}
        self.consumers = defaultdict(list)
        for n in graph.node:
            for i in n.input:
                self.consumers[i].append(n)
        self.before: dict[str, list] = defaultdict(list)  # a node's first output -> new nodes to put before it
        self.extra: list = []

    def const(self, name: str) -> np.ndarray | None:
        from onnx import numpy_helper

        return numpy_helper.to_array(self.init[name]) if name in self.init else None

    def only_consumer(self, name: str, op: str):
        users = self.consumers[name]
        if len(users) != 1 or users[0].op_type != op:
            raise ValueError(f"unexpected graph: {name} feeds {[u.op_type for u in users]}, not one {op}")
        return users[0]

    def up(self, name: str, *ops: str):
        """Follow first inputs up through nodes of these types; the last one's node."""
        node = None
        for op in ops:
            node = self.producer.get(name)
            if node is None or node.op_type != op:
                raise ValueError(f"unexpected graph: {name} is not made by {op}")
            name = node.input[0]
        return node

    def split_const(self, node) -> tuple[np.ndarray, str]:
        """(constant input, other input) of a binary node."""
        a, b = node.input
        return (self.const(a), b) if a in self.init else (self.const(b), a)

    def commit(self) -> None:
        """Insert the new nodes, then drop what nothing reads any more (the replaced nodes)."""
        nodes = [m for n in self.g.node for m in (*self.before.pop(n.output[0], []), n)]
        assert not self.before, "new nodes anchored to a node that is not in the graph"
        self.g.initializer.extend(self.extra)
        needed = {o.name for o in self.g.output}
        keep = []
        for n in reversed(nodes):  # reverse topological order: a node's readers come first
            if any(o in needed for o in n.output):
                keep.append(n)
                needed.update(n.input)
        del self.g.node[:]
        self.g.node.extend(reversed(keep))
        kept_inits = [i for i in self.g.initializer if i.name in needed]
        del self.g.initializer[:]
        self.g.initializer.extend(kept_inits)
        kept_info = [v for v in self.g.value_info if v.name in needed]
        del self.g.value_info[:]
        self.g.value_info.extend(kept_info)


def rewrite_snakes(g: _Graph) -> int:
    """Mul(alpha, x) -> Sin -> Pow 2 -> Mul(1/alpha) -> Add(x, .) becomes x + t (c1 + t (c2 + c3 t)) / alpha
    with t = r^2, r = alpha x / pi - round(alpha x / pi): Round, Sub, Mul and Add are threaded and
    vectorised, Sin is not (~2 ns a value on one thread); the innermost c2 + c3 t is one depthwise Conv.
    Nine passes over the signal instead of Sin's five slow ones. Returns how many were rewritten."""
    from onnx import helper, numpy_helper

    count = 0
    for sin in [n for n in g.g.node if n.op_type == "Sin" and n.name.startswith(SNAKES)]:
        arg = g.producer[sin.input[0]]
        if arg.op_type != "Mul":
            raise ValueError(f"unexpected graph: {sin.name} reads {arg.op_type}, not Mul(alpha, x)")
        alpha, x = g.split_const(arg)
        square = g.only_consumer(sin.output[0], "Pow")
        if float(g.const(square.input[1])) != 2.0:
            raise ValueError(f"unexpected graph: {square.name} is not a square")
        scale = g.only_consumer(square.output[0], "Mul")
        inv_alpha, _ = g.split_const(scale)
        add = g.only_consumer(scale.output[0], "Add")
        if x not in add.input:
            raise ValueError(f"unexpected graph: {add.name} does not add the Snake's input")
        channels = int(np.size(alpha))
        if np.shape(alpha) not in ((1, channels, 1), (channels, 1)) or np.size(inv_alpha) != channels:
            raise ValueError(f"unexpected graph: {arg.name}'s alpha is not one per channel: {np.shape(alpha)}")
        p = sin.name + "_poly"
        inv = inv_alpha.reshape(channels).astype(np.float32)
        c1, c2, c3 = (k * inv for k in SIN2_3)
        consts = {"a": (alpha / math.pi).astype(np.float32), "c1": c1.reshape(1, channels, 1),
                  "c3": c3.reshape(channels, 1, 1), "c2": c2}
        g.extra += [numpy_helper.from_array(v.astype(np.float32), f"{p}/{k}") for k, v in consts.items()]
        step = itertools.count()

        def op(kind: str, *ins: str, **attrs) -> str:
            out = f"{p}/{kind}_{next(step)}"
            g.before[sin.output[0]].append(helper.make_node(kind, list(ins), [out], name=out, **attrs))
            return out

        u = op("Mul", x, f"{p}/a")
        r = op("Sub", u, op("Round", u))
        t = op("Mul", r, r)
        h = op("Conv", t, f"{p}/c3", f"{p}/c2", kernel_shape=[1], group=channels)  # c2 + c3 t
        h = op("Add", op("Mul", h, t), f"{p}/c1")
        add.input[list(add.input).index(scale.output[0])] = op("Mul", h, t)
        count += 1
    return count


def affine_norms(g: _Graph) -> int:
    """The decoder's instance norms, as exported: mean, x - mean, its square, var, std, then
    (x - mean) / std * gain + beta, gain and beta per channel from the style: six passes over the
    whole signal (a tenth of the run). Here mean(x), mean(x^2) and one depthwise Conv that applies
    x * (gain / std) + (beta - mean gain / std): four passes; the rest is on [1, C, 1] tensors.
    var = mean(x^2) - mean^2 loses digits only where the mean dwarfs the deviation. A norm whose
    (x - mean) / std several styles share (the exporter merged the first norms of three resblocks
    that read the same input) gets one Conv per style. Norms of a concatenation are left as they
    are (their channel count is not one conv's; they run at the low frame rate). (The
    InstanceNormalization op measured no faster: onnxruntime runs it on one thread.)
    Returns how many norms were rewritten."""
    from onnx import helper, numpy_helper

    count = 0
    for div in [n for n in g.g.node if n.op_type == "Div" and n.name.startswith("/decoder/")]:
        centred, std = div.input
        sub, sqrt = g.producer.get(centred), g.producer.get(std)
        if not (sub is not None and sub.op_type == "Sub" and sqrt is not None and sqrt.op_type == "Sqrt"):
            continue
        x = sub.input[0]
        mean, eps = g.producer.get(sub.input[1]), g.producer.get(sqrt.input[0])
        channels = channels_of(g, x)
        if mean is None or mean.op_type != "ReduceMean" or mean.input[0] != x or not channels \
                or eps is None or eps.op_type != "Add":
            continue
        var = g.producer.get(eps.input[0] if eps.input[1] in g.init else eps.input[1])
        squared = g.producer.get(var.input[0]) if var is not None and var.op_type == "ReduceMean" else None
        styles = [(m, g.consumers[m.output[0]]) for m in g.consumers[div.output[0]]]
        if squared is None or squared.op_type != "Mul" or list(squared.input) != [centred, centred] \
                or not all(m.op_type == "Mul" and len(a) == 1 and a[0].op_type == "Add" for m, a in styles):
            continue
        p = div.name + "_affine"
        step = itertools.count()

        def op(anchor, kind: str, *ins: str, **attrs) -> str:
            out = f"{p}/{kind}_{next(step)}"
            g.before[anchor.output[0]].append(helper.make_node(kind, list(ins), [out], name=out, **attrs))
            return out

        keep = {a.name: helper.get_attribute_value(a) for a in mean.attribute}
        mean_sq = op(eps, "ReduceMean", op(eps, "Mul", x, x), *mean.input[1:], **keep)
        spread = op(eps, "Relu", op(eps, "Sub", mean_sq, op(eps, "Mul", mean.output[0], mean.output[0])))
        eps.input[list(eps.input).index(var.output[0])] = spread
        g.extra += [numpy_helper.from_array(np.array([-1, 1, 1], np.int64), f"{p}/w_shape"),
                    numpy_helper.from_array(np.array([-1], np.int64), f"{p}/b_shape")]
        for scaled, (shift,) in styles:       # anchored before the Mul: the Add's output is renamed
            gain = next(i for i in scaled.input if i != div.output[0])
            beta = next(i for i in shift.input if i != scaled.output[0])
            k = op(scaled, "Div", gain, std)
            b = op(scaled, "Sub", beta, op(scaled, "Mul", mean.output[0], k))
            w, b = op(scaled, "Reshape", k, f"{p}/w_shape"), op(scaled, "Reshape", b, f"{p}/b_shape")
            name = f"{p}/Conv_{next(step)}"
            g.before[scaled.output[0]].append(helper.make_node("Conv", [x, w, b], [shift.output[0]], name=name,
                                                              kernel_shape=[1], group=channels))
            shift.output[0] = f"{shift.name}/replaced"
        count += 1
    return count


def channels_of(g: _Graph, name: str, depth: int = 8) -> int | None:
    """How many channels the [1, C, T] tensor `name` has: the out-channels of the convolution it
    comes from, through the elementwise nodes and casts between; None where that is not plain
    (shape inference does not reach the generator: it stops at ops with data-dependent shapes)."""
    node = g.producer.get(name)
    if node is None or depth == 0:
        return None
    if node.op_type in ("Conv", "ConvInteger", "QLinearConv"):
        w = g.const(node.input[3 if node.op_type == "QLinearConv" else 1])
        return None if w is None else int(w.shape[0])
    if node.op_type not in ("Add", "Sub", "Mul", "Div", "Cast", "LeakyRelu", "DequantizeLinear"):
        return None                     # (a Concat, a Reshape, ...: not the channels of one input)
    for i in node.input:
        if i and i not in g.init:
            found = channels_of(g, i, depth - 1)
            if found:
                return found
    return None


@dataclass
class _IntConv:
    node: object  # the ConvInteger
    probe: Probe
    weight: np.ndarray  # float, as the shipped graph computes with it
    x_scale: str
    rescale: object  # the Mul that makes the float output


def integer_convs(g: _Graph) -> list[_IntConv]:
    """The decoder's ConvIntegers outside KEEP_FLOAT, each as the shipped dynamic quantisation
    wrote it: DynamicQuantizeLinear(x) -> ConvInteger(xq, w_u8, xz, wz) [-> Add(bias / (xs ws))]
    -> Cast -> Mul(xs ws) = y, the bias quantised on every call."""
    convs = []
    for n in g.g.node:
        if n.op_type != "ConvInteger" or not n.name.startswith("/decoder/") or any(k in n.name for k in KEEP_FLOAT):
            continue
        quant = g.producer[n.input[0]]
        if quant.op_type != "DynamicQuantizeLinear":
            raise ValueError(f"unexpected graph: {n.name} reads {quant.op_type}")
        after = g.consumers[n.output[0]]
        bias = None
        if len(after) == 1 and after[0].op_type == "Add":  # the quantised bias
            q_bias = next(i for i in after[0].input if i != n.output[0])
            bias = g.const(g.up(q_bias, "Reshape", "Cast", "Floor", "Div").input[0])
            after = g.consumers[after[0].output[0]]
        cast = after[0] if len(after) == 1 and after[0].op_type == "Cast" else None
        if cast is None:
            raise ValueError(f"unexpected graph: {n.name} is not followed by Cast")
        rescale = g.only_consumer(cast.output[0], "Mul")
        scales = g.producer[next(i for i in rescale.input if i != cast.output[0])]  # Mul(xs, w scale)
        w_scale, _ = g.split_const(scales)
        w_zero = g.const(n.input[3]) if len(n.input) > 3 and n.input[3] else np.zeros((), np.uint8)
        weight = (g.const(n.input[1]).astype(np.float32) - w_zero.astype(np.float32)) * w_scale
        convs.append(_IntConv(n, Probe(n.name, quant.input[0], rescale.output[0], bias), weight, quant.output[1],
                              rescale))
    return convs


def _calibrated(convs: list[_IntConv], cal: dict[str, Calibration]) -> list[_IntConv]:
    return [c for c in convs if c.probe.name in cal and cal[c.probe.name].ratio > 0.0]  # others never saw a signal


def replace_convs(g: _Graph, convs: list[_IntConv], cal: dict[str, Calibration]) -> int:
    """Each calibrated ConvInteger (and its rescaling) -> QLinearConv on the same quantised input."""
    from onnx import helper

    count = 0
    for c in _calibrated(convs, cal):
        n = c.node
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        nodes, inits = qlinear_conv(n.name, n.input[0], c.x_scale, n.input[2], c.weight, attrs,
                                    cal[c.probe.name].ratio, c.probe.bias, c.probe.y)
        g.before[n.output[0]] += nodes
        g.extra += inits
        c.rescale.output[0] = f"{n.name}/replaced"  # the new nodes make y now; the old chain dies
        count += 1
    return count


def static_inputs(g: _Graph, convs: list[_IntConv], cal: dict[str, Calibration]) -> int:
    """The DynamicQuantizeLinear before each calibrated convolution -> QuantizeLinear at the scale its
    input's calibrated range gives; the scale and zero point it made become constants of those names."""
    from onnx import numpy_helper

    count = 0
    for c in _calibrated(convs, cal):
        quant = g.producer[c.node.input[0]]
        if quant.op_type != "DynamicQuantizeLinear":
            continue  # another convolution on the same input did it already
        scale, zero = cal[c.probe.name].input_scale()
        xs, xz = quant.output[1], quant.output[2]
        g.extra += [numpy_helper.from_array(np.array(scale, np.float32), xs),
                    numpy_helper.from_array(np.array(zero, np.uint8), xz)]
        quant.op_type = "QuantizeLinear"
        quant.input.extend([xs, xz])
        del quant.output[1:]
        count += 1
    return count


def rewrite(model, feeds: list[dict], threads: int = 2) -> dict[str, int]:
    """Apply the recipe to `model` (a ModelProto of the shipped graph) in place; `feeds` calibrate."""
    g = _Graph(model.graph)
    snakes = rewrite_snakes(g)
    norms = affine_norms(g)
    g.commit()
    g = _Graph(model.graph)
    convs = integer_convs(g)
    cal = calibrate(model, [c.probe for c in convs], feeds, threads=threads)
    done = replace_convs(g, convs, cal)
    static = static_inputs(g, convs, cal)
    g.commit()
    return {"snakes": snakes, "norms": norms, "convs": done, "static_inputs": static}


def build(out_dir: Path, source_onnx: Path, voices_dir: Path, vocab_dir: Path) -> Path:
    """Write `out_dir / FAST_NAME`, rewritten from the shipped `source_onnx`; the voices and the vocab
    give the calibration speech."""
    import onnx

    model = onnx.load(str(source_onnx))
    feeds = calibration_feeds(Path(vocab_dir) / "vocab.json", Path(voices_dir))
    rewrite(model, feeds)
    out = Path(out_dir) / FAST_NAME
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(out))
    return out
