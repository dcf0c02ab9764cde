"""python -m tts.batched OUT_DIR [--source MODEL.onnx|kokoro-v1_0.pth] [--no-quantize]"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tts.batched import build


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tts.batched", description=__doc__)
    p.add_argument("out_dir", type=Path)
    p.add_argument("--source", type=Path, default=None,
                   help="shipped kokoro int8 .onnx or official kokoro-v1_0.pth (default: the model store's)")
    p.add_argument("--no-quantize", action="store_true", help="write only the fp32 model")
    a = p.parse_args(argv)
    if a.source is None:
        import models

        a.source = models.default_store().path(models.SHIPPED_KOKORO)
    if not a.source.exists():
        print(f"source model not found: {a.source}", file=sys.stderr)
        return 2
    try:
        import torch  # noqa: F401
        import onnx  # noqa: F401
    except ImportError as e:
        print(f"building needs torch and onnx ({e}); pip install torch==2.13.0 onnx", file=sys.stderr)
        return 2
    out = build(a.out_dir, a.source, quantize=not a.no_quantize)
    print(json.dumps({k: str(v) for k, v in out.items()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
