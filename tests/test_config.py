import pytest

from assistant import config
from assistant.errors import ConfigError


def test_default_config_loads_with_the_embedded_models():
    cfg = config.load()
    assert config.fallback_llm(cfg) == "smollm2-135m-instruct-q4_1"
    assert cfg.tts.voice == "af_heart"
    assert cfg.vad.frame_ms in (10, 20, 30)


@pytest.mark.parametrize("raw, key", [
    ({"vad": {"frame_ms": 25}}, "vad.frame_ms"),
    ({"tts": {"speed": 5}}, "tts.speed"),
    ({"llm": {"threads": "two"}}, "llm.threads"),
    ({"asr": {"compute_type": "int4"}}, "asr.compute_type"),
    ({"tts": {"colour": "blue"}}, "tts.colour"),
])
def test_bad_values_name_the_key(raw, key):
    with pytest.raises(ConfigError) as e:
        config.from_dict(raw)
    assert key in str(e.value)


def test_unknown_section_is_refused():
    with pytest.raises(ConfigError, match=r"\[sound\]"):
        config.from_dict({"sound": {}})


def test_override_validates_like_the_file():
    cfg = config.override(config.load(), "tts.speed", 1.5)
    assert cfg.tts.speed == 1.5
    with pytest.raises(ConfigError, match="tts.speed"):
        config.override(cfg, "tts.speed", 0.1)


def test_ints_are_accepted_for_floats_and_device_indices():
    cfg = config.from_dict({"tts": {"speed": 1}, "audio": {"input_device": 3}})
    assert cfg.tts.speed == 1.0 and isinstance(cfg.tts.speed, float)
    assert cfg.audio.input_device == "3"


def test_profiles_lay_over_the_defaults():
    default, pi = config.load(), config.load("pi")
    assert pi.runtime.memory_budget_mb < default.runtime.memory_budget_mb
    assert pi.llm.context_tokens == 1024
    assert pi.llm.system_prompt == default.llm.system_prompt  # not given in pi.toml: inherited
    assert config.load("llama-3.2-1b").models.llm == "llama-3.2-1b-instruct-q4_k_m"


def test_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        config.load(tmp_path / "nope.toml")
