"""The language model: llama-cpp-python streaming chat with the GGUF's own chat template."""
from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Generator, Iterator

from assistant.config import LlmConfig


class ChatModel:
    """A GGUF model on its own thread: every llama.cpp call runs there, whoever asks.

    llama.cpp runs on an OpenMP team that belongs to the thread which first decoded; decoding
    from any other thread was ~1.6x slower per token here (8 against 13-18 ms on SmolLM2-135M;
    docs/benchmarks.md), and the pipeline asks from whichever worker thread asyncio lends it.

    The file is read, not mapped: llama.cpp's CPU backend repacks Q4_K weights into its own layout,
    and with a mapping both the file's pages (touched to repack them) and the repacked copy stay
    resident: 1388 MB against 956 for the 1B stand-in, the same 189 MB for SmolLM2, same speed.
    """

    def __init__(self, model_path: Path, cfg: LlmConfig) -> None:
        from llama_cpp import Llama

        self.cfg = cfg
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llm")
        self.llm = self._on_thread(Llama, model_path=str(model_path), n_ctx=cfg.context_tokens,
                                   n_threads=cfg.threads, use_mmap=False, verbose=False)

    def _on_thread(self, fn, *args, **kwargs):
        return self._thread.submit(fn, *args, **kwargs).result()

    def stream(self, messages: list[dict], cancel: threading.Event | None = None) -> Reply:
        """The reply's text pieces as they are generated; stops early when `cancel` is set."""
        return Reply(self._pieces(messages, cancel))

    def _pieces(self, messages: list[dict], cancel: threading.Event | None) -> Generator[str, None, str]:
        chunks = self._on_thread(  # templating and tokenising run there too: a prefill may be decoding
            self.llm.create_chat_completion, messages=messages, stream=True, max_tokens=self.cfg.max_reply_tokens,
            temperature=self.cfg.temperature, seed=self.cfg.seed, repeat_penalty=self.cfg.repeat_penalty)
        finish = "stop"
        try:
            while (chunk := self._on_thread(next, chunks, None)) is not None:
                if cancel is not None and cancel.is_set():
                    return "cancelled"
                choice = chunk["choices"][0]
                finish = choice.get("finish_reason") or finish
                piece = choice["delta"].get("content")
                if piece:
                    yield piece
        finally:
            self._on_thread(chunks.close)
        return finish

    def prefill(self, messages: list[dict]) -> Future:
        """Evaluate the prompt that `messages` (ending with an empty user turn) begin, on the model's
        thread, without waiting: the next reply then finds its system prompt and history in the KV
        cache (llama-cpp-python reuses the longest matching prefix) up to where the new words go.
        Once the history window slides, that prefix is new every turn: ~250 tokens, 600-800 ms."""
        return self._thread.submit(self.llm.create_chat_completion, messages=messages, max_tokens=1,
                                   temperature=self.cfg.temperature, seed=self.cfg.seed)

    def idle(self) -> None:
        """Wait until the model's thread has done what was submitted (a prefill still running)."""
        self._thread.submit(lambda: None).result()

    def warm_up(self, system_prompt: str = "") -> None:
        """Run once so the first turn is fast; with the system prompt, its KV stays cached for reuse
        (llama-cpp-python keeps the longest matching prompt prefix between calls)."""
        msgs = [{"role": "system", "content": system_prompt}] if system_prompt else []
        for _ in self.stream(msgs + [{"role": "user", "content": "Hi"}]):
            break


class Reply:
    """One reply's text pieces. Once they have all been read, `finish_reason` says why it ended:
    "stop" (the model was done), "length" (it reached llm.max_reply_tokens) or "cancelled"."""

    def __init__(self, pieces: Generator[str, None, str]) -> None:
        self._pieces = pieces
        self.finish_reason: str | None = None

    def __iter__(self) -> Iterator[str]:
        self.finish_reason = yield from self._pieces


class Conversation:
    """The system prompt plus the last few exchanges, as chat messages."""

    def __init__(self, system_prompt: str, keep_turns: int) -> None:
        self.system_prompt = system_prompt
        self.keep_turns = keep_turns
        self.turns: list[tuple[str, str]] = []

    def messages(self, user_text: str) -> list[dict]:
        msgs = [{"role": "system", "content": self.system_prompt}]
        for user, reply in self.turns[-self.keep_turns:] if self.keep_turns else []:
            msgs += [{"role": "user", "content": user}, {"role": "assistant", "content": reply}]
        return msgs + [{"role": "user", "content": user_text}]

    def add(self, user_text: str, reply: str) -> None:
        self.turns.append((user_text, reply))
        del self.turns[: -max(self.keep_turns, 1)]
