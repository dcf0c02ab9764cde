"""Export BatchedKModel to ONNX (dynamic batch and length) and quantise it.

Inputs of the exported graph:
    input_ids [B,T] int64 (0-padded, each row [0, ids..., 0] then zeros), input_lengths [B] int64,
    styles [B,256] float32, speed [1] float32
Outputs: audio [B,N] float32 (zero past each item's end), audio_lengths [B] int64.
"""
from __future__ import annotations

import hashlib
import json
import time
import warnings
from pathlib import Path

from tts.qlinear import KEEP_FLOAT

OPSET = 17
INPUTS = ["input_ids", "input_lengths", "styles", "speed"]
OUTPUTS = ["audio", "audio_lengths"]
FP32_NAME = "kokoro-batched.fp32.onnx"
INT8_NAME = "kokoro-batched.int8.onnx"


def _dummy(batch: int = 2, length: int = 24):
    import torch

    g = torch.Generator().manual_seed(0)
    ids = torch.randint(1, 170, (batch, length), generator=g)
    ids[:, 0] = 0
    lengths = torch.tensor([length] + [max(4, length - 7 * i) for i in range(1, batch)])
    for b, n in enumerate(lengths.tolist()):
        ids[b, n - 1:] = 0
    styles = torch.randn(batch, 256, generator=g) * 0.1
    return ids, lengths, styles, torch.tensor([1.0])


def export_fp32(model, out_path: Path, batch: int = 2) -> Path:
    """TorchScript-based exporter: maps nn.LSTM to the ONNX LSTM op and keeps shapes symbolic.
    A solo model is traced with batch=1 (it has no masks to trace)."""
    import torch

    args = _dummy(batch)
    dyn = {"input_ids": {0: "batch", 1: "tokens"}, "input_lengths": {0: "batch"}, "styles": {0: "batch"},
           "audio": {0: "batch", 1: "samples"}, "audio_lengths": {0: "batch"}}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on dynamic shapes are expected here
        torch.onnx.export(model, args, str(out_path), input_names=INPUTS, output_names=OUTPUTS,
                          dynamic_axes=dyn, opset_version=OPSET, dynamo=False, do_constant_folding=True)
    return out_path




def quantize_int8(fp32_path: Path, out_path: Path) -> Path:
    """Dynamic int8 quantisation of the decoder's Conv and MatMul weights (uint8, like the shipped model).

    Everything up to the durations (ALBERT, the duration encoder, its LSTM and projection) stays
    float: dynamic quantisation picks one activation scale per tensor for the whole batch, so a
    quantised text side would let batch neighbours (and padding) nudge a rounded duration and
    change an item's length. After the durations the coupling only moves the audio by a fraction
    of a dB, and the decoder is where the time goes.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(fp32_path), load_external_data=False).graph
    nodes = [n.name for n in graph.node
             if n.op_type in ("Conv", "MatMul") and n.name.startswith("/decoder/")
             and not any(k in n.name for k in KEEP_FLOAT)]
    quantize_dynamic(str(fp32_path), str(out_path), op_types_to_quantize=["Conv", "MatMul"],
                     nodes_to_quantize=nodes, weight_type=QuantType.QUInt8)
    return out_path


def verify(model, onnx_path: Path, max_db: float = 1.0, batch: int = 3) -> dict:
    """Run torch and onnxruntime on a batch of a shape unlike the export dummy; lengths must match.

    Audio is compared by log-mel distance (about 0.15 dB here): float rounding differs between the
    runtimes and the generator does not damp it completely.
    """
    import numpy as np
    import onnxruntime as ort
    import torch

    from tts.batched.metrics import logmel_distance

    ids, lengths, styles, speed = _dummy(batch=batch, length=41)
    with torch.no_grad():
        audio_t, len_t = model(ids, lengths, styles, speed)
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    audio_o, len_o = sess.run(None, {"input_ids": ids.numpy(), "input_lengths": lengths.numpy(),
                                     "styles": styles.numpy(), "speed": speed.numpy()})
    if not np.array_equal(len_t.numpy(), len_o):
        raise RuntimeError(f"exported model disagrees on lengths: torch {len_t.tolist()} onnx {len_o.tolist()}")
    dists = [logmel_distance(audio_o[b, :n], audio_t[b, :n].numpy()) for b, n in enumerate(len_o.tolist())]
    if max(dists) > max_db:
        raise RuntimeError(f"exported model drifts from torch by {max(dists):.2f} dB log-mel")
    return {"lengths": len_o.tolist(), "logmel_db": [round(d, 3) for d in dists]}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def build(out_dir: Path, source_onnx: Path, quantize: bool = True) -> dict[str, Path]:
    """Rebuild Kokoro from `source_onnx` (shipped int8 export) or an official .pth, export, quantise.

    Returns {'fp32': path, 'int8': path (if quantize), 'manifest': path}.
    """
    import torch

    from tts.batched.model import BatchedKModel
    from tts.batched.weights import load_into

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    torch.manual_seed(0)
    model = BatchedKModel().eval()
    with torch.no_grad():
        report = load_into(model, Path(source_onnx))
    if report["missing"]:
        raise ValueError(f"weights missing from {source_onnx}: {report['missing'][:10]}")
    result: dict[str, Path] = {"fp32": export_fp32(model, out_dir / FP32_NAME)}
    check = verify(model, result["fp32"])
    if quantize:
        result["int8"] = quantize_int8(result["fp32"], out_dir / INT8_NAME)
    manifest = {
        "source": str(source_onnx), "source_sha256": _sha256(Path(source_onnx)), "opset": OPSET,
        "torch": torch.__version__, "inputs": INPUTS, "outputs": OUTPUTS,
        "files": {k: {"name": p.name, "sha256": _sha256(p), "bytes": p.stat().st_size} for k, p in result.items()},
        "verify": check, "seconds": round(time.time() - t0, 1),
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
    result["manifest"] = out_dir / "manifest.json"
    return result
