#!/usr/bin/env python3
"""llama-cpp-python builds side by side: prompt and decode tok/s of each wheel on the same model.

usage: python scripts/bench_llm.py WHEEL_OR_DIR [WHEEL_OR_DIR ...] [--rounds 5] [--model GGUF]
       (or: assistant bench llm ...)

Each build is unpacked once and run in a child process of its own (assistant.llm_check: a
256-token prompt, then --decode tokens), the builds alternating round by round, so a machine
whose speed drifts affects all of them alike. Used to check that the portable build setup.sh
makes (an ISA baseline) is as fast as one compiled with -march=native for this CPU.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def unpack(path: Path, into: Path) -> Path:
    """A folder to put on PYTHONPATH: a wheel is unzipped (into its own folder `into`: wheels of one
    version share a file name), a folder (site-packages) used as it is."""
    if path.is_dir():
        return path
    out = into
    with zipfile.ZipFile(path) as z:
        z.extractall(out)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("builds", nargs="+", type=Path, help="llama-cpp-python wheels (or folders holding llama_cpp)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--decode", type=int, default=64, help="tokens decoded per run (after the 256-token prompt)")
    ap.add_argument("--model", type=Path, help="GGUF (default: the config's LLM from the model store)")
    a = ap.parse_args()
    from tqdm import tqdm

    from assistant import config
    from assistant.llm_check import check
    from models import default_store

    model = a.model or default_store().path(config.fallback_llm(config.load()))
    results: dict[str, list[tuple[float, float]]] = {str(b): [] for b in a.builds}
    isa: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        dirs = {str(b): unpack(b, Path(tmp) / str(i)) for i, b in enumerate(a.builds)}
        for _ in tqdm(range(a.rounds), desc="rounds", disable=None, leave=False):
            for name, d in dirs.items():
                env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(d), str(REPO)])}
                r = check(model, env=env, decode_tokens=a.decode)
                if not r.ok:
                    print(f"{name}: {r.message}", file=sys.stderr)
                    return 1
                results[name].append((r.prompt_tok_s, r.decode_tok_s))
                isa[name] = " ".join(f for f in r.system_info.split(" | ") if f.endswith("= 1") and "AVX" in f or "AMX" in f)
    base = None
    print(f"model {model.name}, {a.rounds} rounds, median (min-max)")
    for name, rows in results.items():
        p, d = [r[0] for r in rows], [r[1] for r in rows]
        mp, md = statistics.median(p), statistics.median(d)
        rel = "" if base is None else f"  vs first: prompt {mp / base[0]:.3f}x, decode {md / base[1]:.3f}x"
        base = base or (mp, md)
        label = Path(name) if Path(name).is_dir() else Path(name).parent  # wheels of one version share a name
        print(f"{label.name} [{isa[name]}]: prompt {mp:.0f} tok/s ({min(p):.0f}-{max(p):.0f}), "
              f"decode {md:.1f} tok/s ({min(d):.1f}-{max(d):.1f}){rel}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
