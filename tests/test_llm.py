"""The language model wrapper, on the real SmolLM2 GGUF."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from assistant.config import fallback_llm


@pytest.fixture(scope="module")
def chat(store, cfg):
    from assistant.llm import ChatModel

    model = ChatModel(store.path(fallback_llm(cfg)), cfg.llm)
    model.warm_up(cfg.llm.system_prompt)
    return model


def test_every_decode_runs_on_the_models_own_thread(chat, cfg, monkeypatch):
    """Callers come from any thread (asyncio lends a different worker each turn); llama.cpp must
    still decode on the one thread its OpenMP team belongs to, or each token costs ~1.6x."""
    decoded_on = []
    real_eval = chat.llm.eval

    def eval_spy(tokens):
        decoded_on.append(threading.current_thread().name)
        return real_eval(tokens)

    monkeypatch.setattr(chat.llm, "eval", eval_spy)
    msgs = [{"role": "system", "content": cfg.llm.system_prompt},
            {"role": "user", "content": "What is the capital of France?"}]
    with ThreadPoolExecutor(2) as callers:
        replies = [callers.submit(lambda: "".join(chat.stream(msgs))).result() for _ in range(2)]
    assert "Paris" in replies[0] and replies[0] == replies[1]  # seeded: same question, same answer
    assert len(decoded_on) > 5 and set(decoded_on) == {decoded_on[0]}
    assert decoded_on[0].startswith("llm") and decoded_on[0] != threading.current_thread().name


def test_cancel_stops_the_reply_and_the_model_answers_again(chat, cfg):
    cancel = threading.Event()
    msgs = [{"role": "user", "content": "Tell me a long story about a fox."}]
    pieces = []
    for piece in chat.stream(msgs, cancel):
        pieces.append(piece)
        if len(pieces) == 3:
            cancel.set()
    assert len(pieces) == 3
    again = "".join(chat.stream([{"role": "user", "content": "What is the capital of France?"}]))
    assert "Paris" in again


def _prompt_tokens_evaluated(chat, monkeypatch, messages) -> int:
    """How many prompt tokens llama.cpp had to evaluate for this reply (the rest came from its cache)."""
    counts = []
    real_eval = chat.llm.eval
    monkeypatch.setattr(chat.llm, "eval", lambda tokens: (counts.append(len(tokens)), real_eval(tokens))[1])
    for _ in chat.stream(messages):
        break
    monkeypatch.setattr(chat.llm, "eval", real_eval)
    return counts[0]


def test_prefill_leaves_only_the_new_question_to_read(chat, cfg, monkeypatch):
    """Once the history window slides, every prompt starts differently: without a prefill the whole
    history is read again while the user waits; with one, only their new words are."""
    from assistant.llm import Conversation

    conv = Conversation(cfg.llm.system_prompt, keep_turns=2)
    for i, topic in enumerate(["the moon", "cats", "rivers", "bread"]):
        conv.add(f"Tell me about {topic}.", f"Here is fact number {i} about {topic}, told in one short sentence.")
        cold = _prompt_tokens_evaluated(chat, monkeypatch, conv.messages("What is the capital of France?"))
        if i >= 2:  # the window has slid: the history part of the prompt is new
            assert cold > 60, cold
        conv.add("What is the capital of France?", "Paris.")
        chat.prefill(conv.messages("")).result()
        warm = _prompt_tokens_evaluated(chat, monkeypatch, conv.messages("Why is the sky blue?"))
        assert warm <= 16, warm  # "Why is the sky blue?<|im_end|>\n<|im_start|>assistant\n" and little else
