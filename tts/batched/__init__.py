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


def build_fast(out_dir: Path, source_onnx: Path, voices_dir: Path, vocab_dir: Path) -> Path:
    """The streaming engine's fast model (export.FAST_NAME) in `out_dir`; see export.build_fast."""
    from tts.batched.export import build_fast as _build_fast

    return _build_fast(Path(out_dir), Path(source_onnx), Path(voices_dir), Path(vocab_dir))


__all__ = ["build", "build_fast"]
