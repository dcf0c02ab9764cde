"""The 1B latency stand-in, built small: a GGUF written with our writer and quantised by llama.cpp's
own quantiser holds the shapes asked for, SmolLM2's token ids and the label; and the replay says a
scripted answer word for word, picking the answer of the closest question. Real files: SmolLM2's
GGUF (for its tokenizer) from the model store."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from assistant import config
from assistant.llm_standin import LABEL, SHAPES, ReplayChat, parameters, quantize, write_f16
from assistant.config import fallback_llm

SMALL = dict(SHAPES, hidden=256, layers=2, heads=4, kv_heads=2, head_dim=64, ffn=512)  # K-quants need 256 columns


def test_the_full_size_stand_in_has_llama_3_2_1b_parameter_count():
    # Llama-3.2-1B: 1.236 billion parameters with tied embeddings
    assert abs(parameters() - 1.2358e9) < 0.001e9


@pytest.fixture(scope="module")
def small_standin(tmp_path_factory, store):
    cfg = config.load()
    smollm = store.path(fallback_llm(cfg))
    work = tmp_path_factory.mktemp("standin")
    return quantize(write_f16(work / "f16.gguf", smollm, SMALL), work / "q4_k_m.gguf"), smollm


def test_the_stand_in_has_the_shapes_the_label_and_smollm2s_tokens(small_standin):
    import gguf
    from llama_cpp import Llama

    path, smollm = small_standin
    r = gguf.GGUFReader(str(path))
    assert r.fields["general.name"].contents() == LABEL
    assert r.fields["llama.embedding_length"].contents() == 256
    assert r.fields["llama.vocab_size"].contents() == SHAPES["vocab"]
    types = {t.name: t.tensor_type.name for t in r.tensors}
    assert types["blk.0.ffn_gate.weight"] == "Q4_K" and "output.weight" not in types  # tied embeddings
    a = Llama(model_path=str(path), n_ctx=64, verbose=False, vocab_only=True)
    b = Llama(model_path=str(smollm), n_ctx=64, verbose=False, vocab_only=True)
    text = b"The capital of France is Paris, isn't it?"
    assert a.tokenize(text) == b.tokenize(text) and a.n_vocab() == SHAPES["vocab"]


def test_the_replay_says_the_closest_questions_answer_word_for_word(small_standin):
    path, _ = small_standin
    cfg = config.load().llm
    answers = {"What is the capital of France?": "The capital of France is Paris. It's lovely in May.",
               "How are you?": "I'm well, thank you!"}
    chat = ReplayChat(path, cfg, answers)
    msgs = [{"role": "system", "content": cfg.system_prompt}, {"role": "user", "content": "what's the capital of france"}]
    reply = chat.stream(msgs)
    assert "".join(reply) == answers["What is the capital of France?"] and reply.finish_reason == "stop"
    assert chat.replayed == [("what's the capital of france", "what is the capital of france")]
    # a prefill, then a cancelled reply: it stops early
    chat.prefill(msgs[:1] + [{"role": "user", "content": ""}]).result()
    cancel = threading.Event()
    cancel.set()
    reply = chat.stream(msgs[:1] + [{"role": "user", "content": "How are you"}], cancel)
    assert list(reply) == [] and reply.finish_reason == "cancelled"
    assert np.isfinite(chat.llm.scores[: chat.llm.n_tokens]).all()


def test_a_stand_in_profile_without_turns_to_replay_says_what_to_give(store):
    from assistant import modes
    from assistant.errors import InputError

    with pytest.raises(InputError, match="--llm-standin"):
        modes.profile(config.load("llama-3.2-1b"), store, None, None, None, None, "llama-3.2-1b-standin")
