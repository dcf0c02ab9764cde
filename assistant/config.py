"""The one typed configuration tree, loaded from configs/*.toml and validated at start.

Every section is a frozen dataclass; its fields' types and `_CHECKS` say what is allowed.
Unknown keys and bad values raise ConfigError naming the key and what it accepts.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any, Callable

from assistant.errors import ConfigError
from models.choice import kokoro_model

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


@dataclass(frozen=True)
class ModelsConfig:
    asr: str = "whisper-tiny.en"
    llm: str = "auto"           # or one model-store name; "auto": the first of llm_choices that is here and fits
    llm_choices: tuple[str, ...] = ("llama-3.2-1b-instruct-q4_k_m", "smollm2-135m-instruct-q4_1")
    tts: str = "kokoro-v1.0-int8"
    tts_fast: str = "kokoro-fast"
    tts_batched: str = "kokoro-batched-fast"
    voices: str = "kokoro-voices"
    vocab: str = "kokoro-vocab"
    g2p_gold: str = "misaki-us-gold"
    g2p_silver: str = "misaki-us-silver"
    echo: str = "dtln-aec-512q"  # the dtln echo canceller's model (audio.echo_cancel)


@dataclass(frozen=True)
class AsrConfig:
    compute_type: str = "int8"
    beam_size: int = 1
    language: str = "en"
    threads: int = 1
    fit_window: bool = True
    denoise: bool = False       # DeepFilterNet 3 before Whisper (assistant.denoise)
    dereverb: bool = False      # WPE before Whisper (assistant.dereverb)
    prompt: str = ""            # text Whisper decodes as if said before: what a question to us sounds like
    prompt_below: float = -0.7  # ...only for a decode scoring under this (mean log-probability per token)


@dataclass(frozen=True)
class LlmConfig:
    context_tokens: int = 2048
    max_reply_tokens: int = 80
    temperature: float = 0.2
    repeat_penalty: float = 1.15
    threads: int = 2
    history_turns: int = 6
    seed: int = 0
    system_prompt: str = "You are a helpful voice assistant. Answer briefly."
    restore_question: bool = True


@dataclass(frozen=True)
class TtsConfig:
    engine: str = "auto"
    voice: str = "af_heart"
    speed: float = 1.0
    threads: int = 2
    sentence_pause_ms: int = 120
    phrase_pause_ms: int = 40
    max_chunk_tokens: int = 200
    keep_up: bool = True        # cut a sentence at a phrase when it would not be ready in time (assistant.pacing)
    batch: str = "auto"         # sentences per batched call after the first chunk (assistant.batching)


@dataclass(frozen=True)
class VadConfig:
    aggressiveness: int = 2
    frame_ms: int = 30
    preroll_ms: int = 300
    hangover_ms: int = 600
    speculate_ms: int = 60
    min_utterance_ms: int = 300
    max_utterance_s: float = 20.0
    background_margin_db: float = 3.0   # a voiced frame must beat the background's loud end by this (0: webrtcvad alone)


# openWakeWord's models that pyopen-wakeword ships (assistant.wake)
WAKE_WORDS = ("okay_nabu", "hey_jarvis", "alexa", "hey_mycroft", "hey_rhasspy")


@dataclass(frozen=True)
class AudioConfig:
    input_device: str = ""
    output_device: str = ""
    reply_gap_ms: int = 600
    echo_cancel: str = "auto"
    barge_in: bool = True
    barge_in_ms: int = 150
    gate_threshold_db: float = 10.0
    wake_word: str = ""            # "" answers everything heard; else one of WAKE_WORDS
    wake_threshold: float = 0.5
    wake_window_s: float = 8.0


@dataclass(frozen=True)
class RuntimeConfig:
    memory_budget_mb: int = 1024
    first_chunk_min_words: int = 3
    first_chunk_max_words: int = 8
    llm_waits_for_first_audio: bool = True
    llm_waits_for_late_audio: bool = True    # also while a later chunk that playback waits for is synthesised
    warm_up: bool = True


SKILL_NAMES = ("time", "date", "timer", "arithmetic", "units")


@dataclass(frozen=True)
class SkillsConfig:
    enabled: bool = True
    list: tuple[str, ...] = SKILL_NAMES  # asked in this order before the LLM


@dataclass(frozen=True)
class Config:
    models: ModelsConfig = field(default_factory=ModelsConfig)
    asr: AsrConfig = field(default_factory=AsrConfig)
    llm: LlmConfig = field(default_factory=LlmConfig)
    tts: TtsConfig = field(default_factory=TtsConfig)
    vad: VadConfig = field(default_factory=VadConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    runtime: RuntimeConfig = field(default_factory=RuntimeConfig)
    skills: SkillsConfig = field(default_factory=SkillsConfig)


def _range(lo: float, hi: float) -> tuple[Callable[[Any], bool], str]:
    return (lambda v: lo <= v <= hi), f"a number from {lo} to {hi}"


def _one_of(*allowed: Any) -> tuple[Callable[[Any], bool], str]:
    return (lambda v: v in allowed), "one of " + ", ".join(repr(a) for a in allowed)


def _each_of(*allowed: Any) -> tuple[Callable[[Any], bool], str]:
    return (lambda v: all(x in allowed for x in v)), "a list of " + ", ".join(repr(a) for a in allowed)


# Value checks beyond the type; keyed "section.key".
_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "asr.compute_type": _one_of("int8", "int8_float32", "float32"),
    "asr.beam_size": _range(1, 10),
    "asr.threads": _range(1, 64),
    "llm.context_tokens": _range(256, 131072),
    "llm.max_reply_tokens": _range(8, 4096),
    "llm.temperature": _range(0.0, 2.0),
    "llm.repeat_penalty": _range(1.0, 2.0),
    "llm.threads": _range(1, 64),
    "llm.history_turns": _range(0, 100),
    "llm.seed": _range(0, 2**31 - 1),
    "tts.engine": _one_of("auto", "fast", "shipped"),
    "tts.speed": _range(0.5, 2.0),
    "tts.threads": _range(1, 64),
    "tts.sentence_pause_ms": _range(0, 2000),
    "tts.phrase_pause_ms": _range(0, 2000),
    "tts.max_chunk_tokens": _range(32, 510),
    "tts.batch": _one_of("auto", *(str(n) for n in range(1, 9))),
    "vad.aggressiveness": _one_of(0, 1, 2, 3),
    "vad.frame_ms": _one_of(10, 20, 30),
    "vad.preroll_ms": _range(0, 2000),
    "vad.hangover_ms": _range(90, 5000),
    "vad.speculate_ms": _range(30, 5000),
    "vad.min_utterance_ms": _range(0, 5000),
    "vad.max_utterance_s": _range(1.0, 120.0),
    "vad.background_margin_db": _range(0.0, 40.0),
    "audio.reply_gap_ms": _range(0, 10000),
    "audio.echo_cancel": _one_of("auto", "webrtc", "nlms", "dtln", "off"),
    "audio.barge_in_ms": _range(30, 2000),
    "audio.gate_threshold_db": _range(0.0, 40.0),
    "audio.wake_word": _one_of("", *WAKE_WORDS),
    "audio.wake_threshold": _range(0.05, 0.99),
    "audio.wake_window_s": _range(1.0, 60.0),
    "runtime.memory_budget_mb": _range(64, 1 << 20),
    "runtime.first_chunk_min_words": _range(0, 50),
    "runtime.first_chunk_max_words": _range(0, 50),
    "skills.list": _each_of(*SKILL_NAMES),
    "models.llm_choices": ((lambda v: len(v) > 0 and "auto" not in v), "a non-empty list of model names"),
}


def _coerce(key: str, value: Any, typ: type) -> Any:
    if typ is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if typ is str and isinstance(value, int) and not isinstance(value, bool) and (
            key.endswith("_device") or key == "tts.batch"):
        value = str(value)  # a device may be given by index; a batch size as a number
    if typ is tuple:  # TOML arrays arrive as lists; the frozen config keeps tuples
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"config key {key} = {value!r} must be a list of names",
                              f"fix {key} in your config file or flag")
        value = tuple(value)
    if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
        raise ConfigError(f"config key {key} = {value!r} must be {typ.__name__}",
                          f"fix {key} in your config file or flag")
    check = _CHECKS.get(key)
    if check and not check[0](value):
        shown = list(value) if isinstance(value, tuple) else value
        raise ConfigError(f"config key {key} = {shown!r} is not allowed: use {check[1]}",
                          f"fix {key} in your config file or flag")
    return value


def _section(name: str, cls: type, raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"config section [{name}] must be a table")
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ConfigError(f"unknown config key {name}.{unknown[0]}",
                          f"keys allowed in [{name}]: {', '.join(known)}")
    types = {f.name: _field_type(cls, f) for f in fields(cls)}
    return cls(**{k: _coerce(f"{name}.{k}", v, types[k]) for k, v in raw.items()})


def _field_type(cls: type, f: dataclasses.Field) -> type:
    return {"str": str, "int": int, "float": float, "bool": bool, "tuple[str, ...]": tuple}[str(f.type)]


def from_dict(raw: dict) -> Config:
    sections = {f.name: f for f in fields(Config)}
    unknown = sorted(set(raw) - set(sections))
    if unknown:
        raise ConfigError(f"unknown config section [{unknown[0]}]",
                          f"sections allowed: {', '.join(sections)}")
    parts = {}
    for name, f in sections.items():
        cls = f.default_factory().__class__  # type: ignore[misc]
        parts[name] = _section(name, cls, raw.get(name, {}))
    return Config(**parts)


def _read(path: str | Path | None) -> dict:
    """The TOML at `path` (or a profile name from configs/), or the packaged default."""
    packaged = resources.files("assistant.configs")
    if path is None:
        text, where = packaged.joinpath("default.toml").read_text("utf-8"), "default.toml"
    else:
        p = Path(path)
        profile = packaged.joinpath(f"{p.name}.toml")
        if not p.exists() and profile.is_file():
            text, where = profile.read_text("utf-8"), f"{p.name}.toml"
        else:
            try:
                text, where = p.read_text("utf-8"), str(p)
            except (FileNotFoundError, IsADirectoryError):
                raise ConfigError(f"config file {path} does not exist",
                                  "pass a path to a .toml file, or a profile name from configs/") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {where} is not valid TOML: {e}") from None


def load(path: str | Path | None = None) -> Config:
    """configs/default.toml, with the file or profile at `path` laid over it key by key."""
    raw = _read(None)
    if path is not None:
        for section, values in _read(path).items():
            if isinstance(values, dict) and isinstance(raw.get(section), dict):
                raw[section] = raw[section] | values
            else:
                raw[section] = values
    return from_dict(raw)


def override(cfg: Config, dotted: str, value: Any) -> Config:
    """Return cfg with one 'section.key' changed (used by CLI flags), validated like the file."""
    section, _, key = dotted.partition(".")
    sub = getattr(cfg, section)
    raw = dataclasses.asdict(sub) | {key: value}
    return replace(cfg, **{section: _section(section, type(sub), raw)})


def required_models(cfg: Config) -> list[str]:
    """Model-store names this config cannot run without. The fast TTS model counts only under
    `tts.engine = "fast"`: with "auto" it is used once built (setup builds it), else the shipped one.
    The batched model is never required: it needs PyTorch to build, and the worker runs solo without it.
    With `models.llm = "auto"` only its fallback is: a better choice runs once it has been fetched."""
    models = dict(vars(cfg.models))
    models.pop("tts_batched")
    models.pop("llm_choices")
    models["llm"] = fallback_llm(cfg)
    if cfg.tts.engine != "fast":
        models.pop("tts_fast")
    if cfg.audio.echo_cancel not in ("dtln", "auto"):   # auto: dtln where its runtime is installed
        models.pop("echo")
    return list(dict.fromkeys(models.values()))


def tts_model(cfg: Config, fast_built: bool) -> str:
    """The Kokoro model `tts.engine` selects (models.kokoro_model's rule, with this config's names)."""
    return kokoro_model(cfg.tts.engine, fast_built, shipped=cfg.models.tts, fast=cfg.models.tts_fast)


def llm_candidates(cfg: Config) -> list[str]:
    """The LLMs this config may run, best first: `models.llm`, or with "auto" `models.llm_choices`
    (pipeline.pick_llm takes the first that is in the store and fits the budget)."""
    return list(cfg.models.llm_choices) if cfg.models.llm == "auto" else [cfg.models.llm]


def fallback_llm(cfg: Config) -> str:
    """The LLM that runs when nothing better fits: the one setup fetches (the embedded default)."""
    return llm_candidates(cfg)[-1]
