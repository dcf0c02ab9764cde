import pytest

from assistant import config
from assistant.errors import ConfigError


def test_default_config_loads_with_the_embedded_models():
    cfg = config.load()
    assert cfg.models.llm == "smollm2-135m-instruct-q4_1"
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
