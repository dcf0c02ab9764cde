"""The fast recipe of tts.fast_model applied to the batched int8 graph (`assistant models build kokoro-batched-fast`).

The batched graph (tts.batched.export: a PyTorch rebuild, exported and then dynamic-int8 quantised
by onnxruntime's quantize_dynamic) differs from the shipped one in ways that matter here:
  * its Snakes are already polynomials (tts.batched.model._snake): nothing to rewrite;
  * its instance norms are masked and hand-written, (x - mean) * m * (1 / sqrt(var + eps)) * gain,
    so fold_norm_scales' pattern is absent; fold_masked_norms folds the gain into 1 / std instead;
  * quantize_dynamic adds the float bias after the rescaling Mul (the shipped graph quantises it
    before the Cast), so the probes see the bias-free output and the Add stays as it is;
  * quantize_dynamic also quantised the STFT convolution (/decoder/generator/Conv: weights from a
    Constant node, quantised on every call too). The solo fast model computes the STFT exactly,
    so restore_float_stft turns it back into a float Conv before the ConvIntegers are replaced.
Calibration uses the same speech as the solo build (tts.qlinear.calibration_feeds), fed as
batches of one in the batched graph's input format.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from tts.fast_model import _Graph, integer_convs, replace_convs, static_inputs
from tts.qlinear import calibrate, calibration_feeds

FAST_BATCHED_NAME = "kokoro-batched-fast.v2.onnx"  # a new name whenever the recipe changes: caches then rebuild


def batched_feeds(vocab_path: Path, voices_dir: Path) -> list[dict]:
    """The solo build's calibration utterances as batch-of-one feeds of the batched graph."""
    feeds = []
    for f in calibration_feeds(vocab_path, voices_dir):
        tokens = f["tokens"]
        feeds.append({"input_ids": tokens, "input_lengths": np.array([tokens.shape[1]], np.int64),
                      "styles": f["style"], "speed": f["speed"]})
    return feeds


def restore_float_stft(g: _Graph) -> int:
    """ConvIntegers whose weight is itself quantised per call (DynamicQuantizeLinear of a Constant)
    -> a float Conv of the float input and weight. Returns how many."""
    from onnx import helper

    count = 0
    for n in [n for n in g.g.node if n.op_type == "ConvInteger"]:
        wq = g.producer.get(n.input[1])
        if wq is None or wq.op_type != "DynamicQuantizeLinear":
            continue
        xq = g.producer[n.input[0]]
        cast = g.only_consumer(n.output[0], "Cast")
        rescale = g.only_consumer(cast.output[0], "Mul")
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        out = rescale.output[0]
        g.before[n.output[0]].append(helper.make_node("Conv", [xq.input[0], wq.input[0]], [out],
                                                      name=n.name.replace("_quant", "_float"), **attrs))
        rescale.output[0] = f"{n.name}/replaced"
        count += 1
    return count


def fold_masked_norms(g: _Graph) -> int:
    """gain * (xc * (1 / sqrt(var + eps))) -> xc * (gain * (1 / sqrt(var + eps))): the gain and
    1/std are per channel [B,C,1], so this saves one pass over the signal per norm. The export shares
    the normalised signal of the three resblocks that read one input; each gets its own product and
    the shared one dies."""
    from onnx import helper

    count = 0
    for gmul in [n for n in g.g.node if n.op_type == "Mul" and n.name.startswith("/decoder/")]:
        for k, inner_name in enumerate(gmul.input):
            inner = g.producer.get(inner_name)
            if inner is None or inner.op_type != "Mul":  # may be shared: resblocks.0-2 read one norm
                continue
            inv = next((g.producer.get(i) for i in inner.input
                        if g.producer.get(i) is not None and g.producer[i].op_type == "Div"), None)
            if inv is None or g.producer.get(inv.input[1]) is None or g.producer[inv.input[1]].op_type != "Sqrt":
                continue
            xc = next(i for i in inner.input if i != inv.output[0])
            gain = gmul.input[1 - k]
            name = f"{gmul.name}_over_std"
            g.before[gmul.output[0]].append(helper.make_node("Mul", [gain, inv.output[0]], [name], name=name))
            gmul.input[:] = [xc, name]
            count += 1
            break
    return count


def rewrite(model, feeds: list[dict], threads: int = 2) -> dict[str, int]:
    g = _Graph(model.graph)
    stft = restore_float_stft(g)
    norms = fold_masked_norms(g)
    g.commit()
    g = _Graph(model.graph)
    convs = integer_convs(g)
    cal = calibrate(model, [c.probe for c in convs], feeds, threads=threads)
    done = replace_convs(g, convs, cal)
    # v2: the inputs' scales are calibrated too, as in the solo v5: quantised per call, they were
    # taken over the whole batch, so an item's neighbours moved its rounding (1.2-1.5 -> 1.1 dB
    # from the item alone)
    static = static_inputs(g, convs, cal)
    g.commit()
    return {"stft": stft, "norms": norms, "convs": done, "found": len(convs), "static_inputs": static}


def build(out_dir: Path, source_onnx: Path, voices_dir: Path, vocab_dir: Path) -> Path:
    """Write `out_dir / FAST_BATCHED_NAME`, rewritten from the batched int8 `source_onnx`."""
    import onnx

    model = onnx.load(str(source_onnx))
    feeds = batched_feeds(Path(vocab_dir) / "vocab.json", Path(voices_dir))
    rewrite(model, feeds)
    out = Path(out_dir) / FAST_BATCHED_NAME
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(out))
    return out
