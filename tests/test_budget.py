"""The memory budget: measured parts, derived sizes, and a clear refusal."""
import pytest

from assistant.budget import BudgetError, MemoryBudget, PeakSampler, gguf_metadata, kv_bytes_per_token
from assistant.config import fallback_llm


def test_refusal_lists_every_part_and_its_cost():
    b = MemoryBudget(budget_mb=10_000)
    b.measure("asr", lambda: bytearray(30 * 1024 * 1024))  # keeps 30 MB alive only while measured
    b.parts["tts"] = 180.0
    b.budget_mb = b.used_mb + 50
    with pytest.raises(BudgetError) as e:
        b.expect("llm", 120)
    msg = str(e.value)
    assert "python + libraries" in msg and "tts 180 MB" in msg and "llm ~120 MB (estimated)" in msg
    assert "--memory-budget" in e.value.hint


def _fresh_pages(n: int):
    """n bytes of newly mapped, touched memory: malloc may hand back pages an earlier test freed,
    which are resident already and would not raise RSS."""
    import mmap

    m = mmap.mmap(-1, n)
    m.write(b"\x01" * n)
    return m


def test_measure_charges_what_the_load_kept():
    b = MemoryBudget(budget_mb=100_000)
    kept = b.measure("blob", lambda: _fresh_pages(64 * 1024 * 1024))
    assert 50 < b.parts["blob"] < 90
    kept.close()


def test_peak_sampler_sees_a_short_spike():
    with PeakSampler(interval_s=0.005) as peak:
        base = peak.peak_mb
        blob = bytearray(100 * 1024 * 1024)
        import time
        time.sleep(0.05)
        del blob
    assert peak.peak_mb - base > 80


def test_kv_cost_read_from_the_gguf_header(store, cfg):
    gguf = store.path(fallback_llm(cfg))
    meta = gguf_metadata(gguf, {".block_count", ".attention.head_count_kv"})
    assert meta == {"block_count": 30, "attention.head_count_kv": 3}
    # SmolLM2-135M: 30 layers x 3 KV heads x 64 dims x (K and V) x 2 bytes
    assert kv_bytes_per_token(gguf) == 30 * 3 * 64 * 2 * 2


def test_tts_chunk_length_shrinks_to_leave_the_llm_its_minimum(tmp_path):
    from assistant.config import load, override
    from assistant.pipeline import MIN_TTS_TOKENS, TTS_MB_PER_TOKEN, _llm_minimum_mb, _tts_tokens_that_fit
    from models.store import default_store

    cfg = load()
    llm = default_store().path(fallback_llm(cfg))
    b = MemoryBudget(budget_mb=100_000)
    b.parts["models"] = 500.0
    assert _tts_tokens_that_fit(cfg, b, llm) == cfg.tts.max_chunk_tokens  # plenty: the configured cap
    b.budget_mb = b.used_mb + _llm_minimum_mb(llm) + 100 * TTS_MB_PER_TOKEN + 1
    assert _tts_tokens_that_fit(cfg, b, llm) == 100                       # tight: what fits
    assert _tts_tokens_that_fit(override(cfg, "tts.max_chunk_tokens", 80), b, llm) == 80
    b.budget_mb = b.used_mb + 10
    assert _tts_tokens_that_fit(cfg, b, llm) == MIN_TTS_TOKENS            # never below the floor


def test_refusal_names_the_parts_not_yet_counted():
    b = MemoryBudget(budget_mb=10_000, pending=["asr", "tts", "llm"])
    b.measure("asr", lambda: None)
    b.expect("llm", 100)
    b.budget_mb = b.used_mb + 50
    with pytest.raises(BudgetError) as e:
        b.expect("asr activations", 120)
    assert str(e.value).endswith("asr activations ~120 MB (estimated); not yet counted: tts)"), str(e.value)


class _Store:
    """A model store that holds `cached` (name -> GGUF path) and nothing else."""

    def __init__(self, cached: dict):
        self.cached = cached

    def status(self, name: str) -> str:
        return "cached" if name in self.cached else "missing"

    def path(self, name: str):
        return self.cached[name]


def test_auto_runs_the_first_llm_choice_that_is_here_and_fits(store, cfg):
    from assistant.config import override
    from assistant.pipeline import _llm_minimum_mb, pick_llm

    gguf = store.path(fallback_llm(cfg))  # a real GGUF stands in for the bigger choice's file
    need = _llm_minimum_mb(gguf)
    auto = override(override(cfg, "models.llm", "auto"), "models.llm_choices", ["big", "small"])
    both = _Store({"big": gguf, "small": gguf})

    assert pick_llm(auto, both, need + 1)[0] == "big"
    name, why = pick_llm(auto, both, need - 45)
    assert name == "small" and f"big needs {need:.0f} MB" in why and "raise runtime.memory_budget_mb by 50" in why
    name, why = pick_llm(auto, _Store({"small": gguf}), 1e6)
    assert name == "small" and "big is not in the store" in why and "models fetch big" in why
    # an explicit choice is not second-guessed: the budget refuses it, with its parts, if it cannot fit
    assert pick_llm(override(cfg, "models.llm", "big"), both, 0)[0] == "big"


def test_auto_needs_only_its_fallback_fetched():
    from assistant.config import load, override, required_models

    cfg = load()
    assert cfg.models.llm == "auto"
    assert "smollm2-135m-instruct-q4_1" in required_models(cfg)
    assert "llama-3.2-1b-instruct-q4_k_m" not in required_models(cfg)
    assert "llama-3.2-1b-instruct-q4_k_m" in required_models(override(cfg, "models.llm", "llama-3.2-1b-instruct-q4_k_m"))
