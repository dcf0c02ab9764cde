"""One memory budget for the whole assistant.

Each part's cost is measured as it loads (resident-set growth, including its warm-up),
what is not loaded yet is estimated, and the LLM context and TTS batch size are derived
from what is left. A start that cannot fit is refused with every part and its cost.
"""
from __future__ import annotations

import struct
import threading
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import AssistantError

MB = 1024 * 1024


class BudgetError(AssistantError):
    """The configured memory budget cannot hold the parts the mode needs."""


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / MB


@dataclass
class MemoryBudget:
    budget_mb: float
    parts: dict[str, float] = field(default_factory=dict)       # measured, MB
    estimates: dict[str, float] = field(default_factory=dict)   # not loaded yet, MB
    pending: list[str] = field(default_factory=list)            # parts to come, not even estimated yet

    def __post_init__(self) -> None:
        self.parts["python + libraries"] = rss_mb()

    @property
    def used_mb(self) -> float:
        return sum(self.parts.values())

    def left_mb(self) -> float:
        return self.budget_mb - self.used_mb - sum(self.estimates.values())

    def expect(self, part: str, mb: float) -> None:
        """Reserve an estimate for a part still to come; refuse at once if it cannot fit."""
        self.estimates[part] = mb
        self._counted(part)
        self.check()

    def measure(self, part: str, load, at_least: float = 0.0):
        """Run `load()` and charge the RSS it added to `part` (replacing that part's estimate), or
        `at_least` for a part that will grow after loading (an LLM's KV cache fills as it talks)."""
        before = rss_mb()
        result = load()
        self.estimates.pop(part, None)
        self._counted(part)
        self.parts[part] = self.parts.get(part, 0.0) + max(at_least, rss_mb() - before)
        self.check()
        return result

    def _counted(self, part: str) -> None:
        if part in self.pending:
            self.pending.remove(part)

    def check(self) -> None:
        need = self.used_mb + sum(self.estimates.values())
        if need <= self.budget_mb:
            return
        lines = [f"{k} {v:.0f} MB" for k, v in self.parts.items()]
        lines += [f"{k} ~{v:.0f} MB (estimated)" for k, v in self.estimates.items()]
        later = f"; not yet counted: {', '.join(self.pending)}" if self.pending else ""
        raise BudgetError(
            f"memory budget {self.budget_mb:.0f} MB is too small: needs at least {need:.0f} MB "
            f"({'; '.join(lines)}{later})",
            f"raise memory_budget_mb in the config or --memory-budget to {int(need * 1.15 / 10 + 1) * 10} "
            f"or more{' plus what ' + ', '.join(self.pending) + ' will need' if self.pending else ''}, "
            "or pick smaller models / a shorter llm.context_tokens")

    def report(self) -> dict:
        return {"budget_mb": self.budget_mb, "parts_mb": {k: round(v, 1) for k, v in self.parts.items()},
                "reserved_mb": {k: round(v, 1) for k, v in self.estimates.items()}}


class PeakSampler:
    """Samples this process's RSS on a background thread; `peak_mb` is the highest seen."""

    def __init__(self, interval_s: float = 0.05) -> None:
        self.interval_s = interval_s
        self.peak_mb = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        import psutil

        proc = psutil.Process()
        while not self._stop.wait(self.interval_s):
            self.peak_mb = max(self.peak_mb, proc.memory_info().rss / MB)

    def __enter__(self) -> "PeakSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, rss_mb())


# ---- LLM sizing from the GGUF header ----------------------------------------------------------
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


def gguf_metadata(path: Path, wanted: set[str]) -> dict[str, object]:
    """Read the header key/values of a GGUF file, stopping once every `wanted` key is found."""
    out: dict[str, object] = {}
    with open(path, "rb") as f:
        def read(fmt: str):
            return struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0]

        def string() -> str:
            return f.read(read("<Q")).decode("utf-8", "replace")

        def value(kind: int):
            if kind in _SCALARS:
                return read(_SCALARS[kind])
            if kind == 8:
                return string()
            if kind == 9:
                item, n = read("<I"), read("<Q")
                return [value(item) for _ in range(n)]
            raise ValueError(f"unknown GGUF value type {kind}")

        if f.read(4) != b"GGUF":
            raise ValueError(f"{path} is not a GGUF file")
        read("<I"), read("<Q")  # version, tensor count
        for _ in range(read("<Q")):
            key = string()
            v = value(read("<I"))
            if any(key.endswith(w) for w in wanted):
                out[key.split(".", 1)[1] if "." in key else key] = v
                if len(out) == len(wanted):
                    break
    return out


def kv_bytes_per_token(gguf: Path) -> int:
    """f16 K and V for every layer: 2 × layers × kv_heads × head_dim × 2 bytes."""
    meta = gguf_metadata(gguf, {".block_count", ".attention.head_count", ".attention.head_count_kv",
                                ".embedding_length"})
    layers, heads = int(meta["block_count"]), int(meta["attention.head_count"])
    kv_heads = int(meta.get("attention.head_count_kv", heads))
    head_dim = int(meta["embedding_length"]) // heads
    return 2 * layers * kv_heads * head_dim * 2
