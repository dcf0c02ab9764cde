"""Batched Kokoro-82M: a PyTorch rebuild exported to ONNX with dynamic batch and length.

Build-time only (needs torch + onnx): `build(out_dir, source_onnx)` or `python -m tts.batched OUT_DIR`.
The runtime side is tts.batched_engine (onnxruntime + numpy).
"""
from __future__ import annotations

from pathlib import Path

def build(out_dir: Path, source_onnx: Path, quantize: bool = True) -> dict[str, Path]:
    """Rebuild the model from `source_onnx` (or an official .pth) and export it to `out_dir`."""
    from tts.batched.export import build as _build

    return _build(Path(out_dir), Path(source_onnx), quantize=quantize)


__all__ = ["build"]
