"""End to end on the real models: a spoken sum is answered by the arithmetic skill, not the LLM."""
from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.audio import write_wav
from conftest import run_cli


@pytest.mark.slow
def test_a_spoken_multiplication_is_answered_right_and_profiled_as_a_skill(tmp_path, engine):
    silence = np.zeros(24000, dtype=np.float32)
    question = tmp_path / "q.wav"
    write_wav(question, np.concatenate([silence, engine.synthesize("What is twelve times eleven?", "am_michael"),
                                        silence]), 24000)
    reply = tmp_path / "r.wav"
    r = run_cli("run", "--input", str(question), "--output", str(reply))
    assert r.returncode == 0, r.stderr
    assert "assistant: 12 times 11 is 132." in r.stderr, r.stderr

    r = run_cli("transcribe", str(reply))
    assert r.returncode == 0, r.stderr
    assert "132" in r.stdout, r.stdout

    report = tmp_path / "p.json"
    r = run_cli("profile", "--input", str(question), "--json", str(report))
    assert r.returncode == 0, r.stderr
    turn = json.loads(report.read_text())["turns"][0]
    assert turn["skill"] == "arithmetic", turn
    assert turn["llm_ttft_ms"] is None and turn["llm_tokens_per_s"] is None and turn["first_chunk_ms"] is None
    assert turn["ttfa_ms"] is not None and turn["tts_first_ms"] is not None
    assert "arithmetic" in r.stdout
