"""The memory budget: measured parts, derived sizes, and a clear refusal."""
import pytest

from assistant.budget import BudgetError, MemoryBudget, PeakSampler, gguf_metadata, kv_bytes_per_token


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


def test_measure_charges_what_the_load_kept():
    b = MemoryBudget(budget_mb=100_000)
    kept = b.measure("blob", lambda: bytearray(64 * 1024 * 1024))
    assert 50 < b.parts["blob"] < 90
    del kept


def test_peak_sampler_sees_a_short_spike():
    with PeakSampler(interval_s=0.005) as peak:
        base = peak.peak_mb
        blob = bytearray(100 * 1024 * 1024)
        import time
        time.sleep(0.05)
        del blob
    assert peak.peak_mb - base > 80


def test_kv_cost_read_from_the_gguf_header(store, cfg):
    gguf = store.path(cfg.models.llm)
    meta = gguf_metadata(gguf, {".block_count", ".attention.head_count_kv"})
    assert meta == {"block_count": 30, "attention.head_count_kv": 3}
    # SmolLM2-135M: 30 layers x 3 KV heads x 64 dims x (K and V) x 2 bytes
    assert kv_bytes_per_token(gguf) == 30 * 3 * 64 * 2 * 2
