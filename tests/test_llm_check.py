"""The LLM-on-this-CPU check that setup.sh and `assistant doctor` run."""
import os
import stat

from assistant.llm_check import PROMPT_TOKENS, check
from assistant.config import fallback_llm


def test_the_real_library_decodes_a_long_prompt_on_this_cpu(store, cfg):
    result = check(store.path(fallback_llm(cfg)))
    assert result.ok, result.message
    assert PROMPT_TOKENS >= 200 and result.prompt_tok_s > 0 and result.decode_tok_s > 0
    # the portable build: no AVX-512 or AMX kernels compiled in, whatever this CPU has
    if os.uname().machine in ("x86_64", "amd64"):
        assert "AVX2 = 1" in result.system_info, result.system_info
        assert "AVX512 = 1" not in result.system_info and "AMX_INT8 = 1" not in result.system_info


def test_a_library_that_dies_of_sigill_is_reported_not_shared(tmp_path):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\nkill -ILL $$\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    result = check(tmp_path / "model.gguf", python=str(fake))
    assert not result.ok
    assert "SIGILL" in result.message and "instruction this CPU does not have" in result.message
