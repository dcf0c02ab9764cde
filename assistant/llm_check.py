"""Does the LLM library run on this CPU? A long prompt decoded in a child process.

A llama.cpp build for another CPU does not fail at import: it dies with SIGILL at the first
kernel this CPU lacks, and the AMX kernels only run for prompts of more than a few tokens (a
5-token prompt worked where a 200-token one crashed). So the check evaluates a prompt of over
200 tokens and decodes a few, in a child process whose death we can report instead of sharing it.

    python -m assistant.llm_check [MODEL.gguf]      # setup.sh and `assistant doctor` run this
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROMPT_TOKENS = 256
DECODE_TOKENS = 16
FIX = ("the llama-cpp-python build does not suit this CPU: run scripts/setup.sh again (it rebuilds "
       "the library for a portable ISA baseline when the installed one was built otherwise)")


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str               # one line for the user
    system_info: str = ""      # the CPU features the library was compiled with
    prompt_tok_s: float = 0.0
    decode_tok_s: float = 0.0


def check(model_path: Path, timeout_s: float = 300.0, python: str = sys.executable,
          env: dict | None = None, decode_tokens: int = DECODE_TOKENS) -> CheckResult:
    """Run the child on `model_path` and say how it went; never raises for a crash of the library."""
    cmd = [python, "-m", "assistant.llm_check", "--child", str(model_path), str(decode_tokens)]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=env)
    except subprocess.TimeoutExpired:
        return CheckResult(False, f"the LLM check took over {timeout_s:.0f} s and was stopped")
    if r.returncode < 0:
        sig = signal.Signals(-r.returncode).name
        why = "an instruction this CPU does not have" if sig == "SIGILL" else "a crash"
        return CheckResult(False, f"the LLM library died of {sig} ({why}) on a {PROMPT_TOKENS}-token prompt")
    lines = r.stdout.strip().splitlines()
    if r.returncode != 0 or not lines:
        tail = (r.stderr.strip().splitlines() or ["no output"])[-1]
        return CheckResult(False, f"the LLM check failed: {tail}")
    out = json.loads(lines[-1])
    return CheckResult(True, f"the LLM runs on this CPU: {PROMPT_TOKENS}-token prompt at {out['prompt_tok_s']:.0f} "
                             f"tok/s, decoding at {out['decode_tok_s']:.1f} tok/s",
                       out["system_info"], out["prompt_tok_s"], out["decode_tok_s"])


def _child(model_path: str, decode_tokens: int) -> int:
    import llama_cpp

    llm = llama_cpp.Llama(model_path=model_path, n_ctx=PROMPT_TOKENS + decode_tokens + 16, n_threads=2,
                          verbose=False)
    words = ("the quick brown fox jumps over the lazy dog while a small bird sings in the old oak tree "
             "near the river bank ").split()
    tokens = llm.tokenize(" ".join(words * 20).encode())[:PROMPT_TOKENS]
    t0 = time.perf_counter()
    llm.eval(tokens)
    t1 = time.perf_counter()
    for _ in range(decode_tokens):
        llm.eval([llm.sample(temp=0.0)])
    t2 = time.perf_counter()
    info = llama_cpp.llama_print_system_info().decode(errors="replace").strip()
    print(json.dumps({"prompt_tok_s": len(tokens) / (t1 - t0), "decode_tok_s": decode_tokens / (t2 - t1),
                      "system_info": info}))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--child"]:
        return _child(args[1], int(args[2]))
    if args:
        path = Path(args[0])
    else:
        from assistant import config
        from models import default_store

        path = default_store().path(config.fallback_llm(config.load()))
    result = check(path)
    print(f"{'ok' if result.ok else 'error'}: {result.message}", file=sys.stderr if not result.ok else sys.stdout)
    if not result.ok:
        print(f"hint: {FIX}", file=sys.stderr)
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
