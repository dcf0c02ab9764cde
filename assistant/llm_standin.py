"""A latency stand-in for the card's 1B Llama: its cost, not its answers.

The package registries carry no 1B instruct GGUF, so the pipeline had only ever run at SmolLM2-135M's
load. `build` writes a GGUF with Llama-3.2-1B-Instruct's shapes (hidden 2048, 16 layers, 32 query
and 8 KV heads of 64, FFN 8192, vocabulary 128256, tied embeddings, RoPE theta 500000) and seeded
random weights, then quantises it to Q4_K_M with llama.cpp's own quantiser: the same tensors, types
and sizes as the real file, so llama.cpp spends the same time on it. Its tokenizer is SmolLM2's,
padded to 128256 entries with unused tokens, so SmolLM2's token ids mean the same words in it.

`ReplayChat` then stands in for the LLM of a profiling run, and only there (never `run` or `chat`):
it evaluates the real prompt (system prompt, history, question) on the stand-in, with llama.cpp's
prefix reuse as the real model would get, and then decodes a real answer's tokens one by one, each a
full decode step of the 1B — the answers SmolLM2 gave to the same turns in a first pass. The pipeline
so meets the 1B's timing with real text. Every number from it is a simulation, and says so.
"""
from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Generator

import numpy as np

from assistant.config import LlmConfig
from assistant.llm import ChatModel

LABEL = "latency simulation: random weights with Llama-3.2-1B's shapes"
FILE = "llama-3.2-1b-shapes-random.q4_k_m.gguf"
SHAPES = {"hidden": 2048, "layers": 16, "heads": 32, "kv_heads": 8, "head_dim": 64, "ffn": 8192,
          "vocab": 128256, "rope_theta": 500000.0, "context": 131072}
SEED = 0
Q4_K_M = 15  # llama_ftype LLAMA_FTYPE_MOSTLY_Q4_K_M


def _tensor_shapes(s: dict) -> dict[str, tuple[int, ...]]:
    """name -> numpy shape (rows, columns), as a llama GGUF holds them."""
    h, kv = s["hidden"], s["kv_heads"] * s["head_dim"]
    shapes = {"token_embd.weight": (s["vocab"], h), "output_norm.weight": (h,)}  # tied: no output.weight
    for i in range(s["layers"]):
        shapes |= {f"blk.{i}.attn_norm.weight": (h,), f"blk.{i}.attn_q.weight": (h, h),
                   f"blk.{i}.attn_k.weight": (kv, h), f"blk.{i}.attn_v.weight": (kv, h),
                   f"blk.{i}.attn_output.weight": (h, h), f"blk.{i}.ffn_norm.weight": (h,),
                   f"blk.{i}.ffn_gate.weight": (s["ffn"], h), f"blk.{i}.ffn_up.weight": (s["ffn"], h),
                   f"blk.{i}.ffn_down.weight": (h, s["ffn"])}
    return shapes


def parameters(s: dict = SHAPES) -> int:
    return sum(int(np.prod(shape)) for shape in _tensor_shapes(s).values())


def write_f16(out: Path, tokenizer_gguf: Path, s: dict = SHAPES, seed: int = SEED) -> Path:
    """The unquantised stand-in (~2.5 GB at 1B), weights N(0, 0.02) from `seed`, norms 1."""
    import gguf
    from tqdm import tqdm

    src = gguf.GGUFReader(str(tokenizer_gguf))
    tokens = list(src.fields["tokenizer.ggml.tokens"].contents())
    types = list(src.fields["tokenizer.ggml.token_type"].contents())
    if len(tokens) > s["vocab"]:
        raise ValueError(f"the tokenizer has {len(tokens)} tokens, more than the stand-in's {s['vocab']}")
    pad = s["vocab"] - len(tokens)
    tokens += [f"<unused_{i}>" for i in range(pad)]
    types += [int(gguf.TokenType.UNUSED)] * pad

    w = gguf.GGUFWriter(str(out), "llama")
    w.add_name(LABEL)
    w.add_description("Not a model: it cannot answer. Built by assistant.llm_standin to time the pipeline.")
    w.add_context_length(s["context"])
    w.add_embedding_length(s["hidden"])
    w.add_block_count(s["layers"])
    w.add_feed_forward_length(s["ffn"])
    w.add_head_count(s["heads"])
    w.add_head_count_kv(s["kv_heads"])
    w.add_rope_dimension_count(s["head_dim"])
    w.add_rope_freq_base(s["rope_theta"])
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(s["vocab"])
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    w.add_tokenizer_model(src.fields["tokenizer.ggml.model"].contents())
    w.add_tokenizer_pre(src.fields["tokenizer.ggml.pre"].contents())
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(list(src.fields["tokenizer.ggml.merges"].contents()))
    for key, add in (("bos_token_id", w.add_bos_token_id), ("eos_token_id", w.add_eos_token_id),
                     ("unknown_token_id", w.add_unk_token_id), ("padding_token_id", w.add_pad_token_id)):
        add(src.fields[f"tokenizer.ggml.{key}"].contents())
    w.add_add_bos_token(False)
    w.add_chat_template(src.fields["tokenizer.chat_template"].contents())

    rng = np.random.default_rng(seed)
    shapes = _tensor_shapes(s)
    for name, shape in shapes.items():
        if len(shape) == 1:  # RMS norm gains
            w.add_tensor_info(name, shape, np.dtype(np.float32), int(np.prod(shape)) * 4)
        else:
            w.add_tensor_info(name, shape, np.dtype(np.float16), int(np.prod(shape)) * 2)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    for name, shape in tqdm(shapes.items(), desc="random weights", unit="tensor", disable=None, leave=False):
        if len(shape) == 1:
            w.write_tensor_data(np.ones(shape, np.float32))
        else:
            w.write_tensor_data((rng.standard_normal(shape, np.float32) * 0.02).astype(np.float16))
    w.close()
    return out


def quantize(src: Path, out: Path, ftype: int = Q4_K_M, threads: int = 0) -> Path:
    """llama.cpp's own quantiser (`llama_model_quantize`), as llama-quantize runs it."""
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    params.nthread = threads
    if llama_cpp.llama_model_quantize(str(src).encode(), str(out).encode(), params) != 0:
        raise RuntimeError(f"llama.cpp could not quantise {src}")
    return out


def build(out_dir: Path, tokenizer_gguf: Path) -> Path:
    """The model store's builder: `out_dir / FILE` (~0.8 GB) from SmolLM2's GGUF (its tokenizer)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    f16 = write_f16(out_dir / "standin.f16.gguf", Path(tokenizer_gguf))
    try:
        return quantize(f16, out_dir / FILE)
    finally:
        f16.unlink(missing_ok=True)


class ReplayChat(ChatModel):
    """ChatModel over the stand-in (loaded and run on its thread the same way), whose `stream`
    evaluates the real prompt and decodes a scripted answer token by token."""

    def __init__(self, model_path: Path, cfg: LlmConfig, answers: dict[str, str]) -> None:
        """`answers`: question -> the real model's reply to it (the closest question is replayed:
        a live turn may be heard with a word more or less than the first pass heard it)."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        super().__init__(model_path, cfg)
        self.answers = {_key(q): a for q, a in answers.items()}
        self.replayed: list[tuple[str, str]] = []  # (question asked, question whose answer was replayed)
        eos = self.llm.detokenize([self.llm.token_eos()]).decode("utf-8", "ignore")
        self._format = Jinja2ChatFormatter(self.llm.metadata["tokenizer.chat_template"], eos_token=eos, bos_token="")

    def _evaluate(self, messages: list[dict]) -> None:
        """Evaluate the prompt `messages` make, reusing the KV cache's longest matching prefix as
        llama-cpp-python does for the real model. Templating and tokenising run here too."""
        llm = self.llm
        tokens = llm.tokenize(self._format(messages=messages).prompt.encode("utf-8"), add_bos=False, special=True)
        keep = 0
        for a, b in zip(llm._input_ids[: llm.n_tokens], tokens):
            if a != b:
                break
            keep += 1
        keep = min(keep, len(tokens) - 1)  # at least one token decodes, for fresh logits
        if keep <= 0 or not llm._ctx.kv_cache_seq_rm(-1, keep, -1):
            keep = 0
            llm.reset()
        llm.n_tokens = keep
        llm.eval(tokens[keep:])

    def _pieces(self, messages: list[dict], cancel: threading.Event | None) -> Generator[str, None, str]:
        answer = self._answer(next((m["content"] for m in reversed(messages) if m["role"] == "user"), ""))
        self._on_thread(self._evaluate, messages)
        said = b""
        shown = 0
        tokens = self._on_thread(self.llm.tokenize, answer.encode("utf-8"), add_bos=False, special=False)
        for token in tokens[: self.cfg.max_reply_tokens]:
            if cancel is not None and cancel.is_set():
                return "cancelled"
            said += self._on_thread(self._decode, token)
            text = said.decode("utf-8", "ignore")
            if len(text) > shown:
                yield text[shown:]
                shown = len(text)
        return "length" if len(tokens) > self.cfg.max_reply_tokens else "stop"

    def _answer(self, question: str) -> str:
        import difflib

        if not self.answers:
            return ""
        key = _key(question)
        best = max(self.answers, key=lambda k: difflib.SequenceMatcher(None, k, key).ratio())
        self.replayed.append((question, best))
        return self.answers[best]

    def _decode(self, token: int) -> bytes:
        """One decode step of the 1B, the argmax a sampler would start from (128256 logits), and
        the token's bytes."""
        self.llm.eval([token])
        int(np.argmax(self.llm.scores[self.llm.n_tokens - 1]))
        return self.llm.detokenize([token])

    def prefill(self, messages: list[dict]) -> Future:
        return self._thread.submit(self._evaluate, messages)

    def warm_up(self, system_prompt: str = "") -> None:  # not through stream: that would replay an answer
        msgs = [{"role": "system", "content": system_prompt}] if system_prompt else []
        self._on_thread(self._evaluate, msgs + [{"role": "user", "content": "Hi"}])


def _key(question: str) -> str:
    return " ".join("".join(c for c in question.lower() if c.isalnum() or c.isspace()).split())
