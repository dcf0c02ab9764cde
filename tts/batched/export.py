"""Export BatchedKModel to ONNX (dynamic batch and length) and quantise it.

Inputs of the exported graph:
    input_ids [B,T] int64 (0-padded, each row [0, ids..., 0] then zeros), input_lengths [B] int64,
    styles [B,256] float32, speed [1] float32
Outputs: audio [B,N] float32 (zero past each item's end), audio_lengths [B] int64.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path

log = logging.getLogger(__name__)

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


def export_fp32(model, out_path: Path) -> Path:
    """TorchScript-based exporter: maps nn.LSTM to the ONNX LSTM op and keeps shapes symbolic."""
    import torch

    args = _dummy()
    dyn = {"input_ids": {0: "batch", 1: "tokens"}, "input_lengths": {0: "batch"}, "styles": {0: "batch"},
           "audio": {0: "batch", 1: "samples"}, "audio_lengths": {0: "batch"}}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(model, args, str(out_path), input_names=INPUTS, output_names=OUTPUTS,
                          dynamic_axes=dyn, opset_version=OPSET, dynamo=False, do_constant_folding=True)
    return out_path


def quantize_int8(fp32_path: Path, out_path: Path) -> Path:
    """Dynamic int8 quantisation of MatMul weights (per channel); convs stay float.

    On AVX2 CPUs without VNNI, ConvInteger is slower than float Conv (see docs/benchmarks.md), so
    only the matrix multiplies (ALBERT, linear layers, style projections) are quantised.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32_path), str(out_path), op_types_to_quantize=["MatMul"],
                     weight_type=QuantType.QInt8, per_channel=True,
                     extra_options={"MatMulConstBOnly": True})
    return out_path


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
    if quantize:
        result["int8"] = quantize_int8(result["fp32"], out_dir / INT8_NAME)
    manifest = {
        "source": str(source_onnx), "source_sha256": _sha256(Path(source_onnx)), "opset": OPSET,
        "torch": torch.__version__, "inputs": INPUTS, "outputs": OUTPUTS,
        "files": {k: {"name": p.name, "sha256": _sha256(p), "bytes": p.stat().st_size} for k, p in result.items()},
        "seconds": round(time.time() - t0, 1),
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
    result["manifest"] = out_dir / "manifest.json"
    return result
