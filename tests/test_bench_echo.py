"""The echo bench's short form: our TTS replies through a simulated room (pyroomacoustics), a user
talking over them, and the live path's own parts (canceller, gate, barge-in rule, Endpointer) with
Whisper hearing what the user said. Real models; the room is a simulation (scripts/rooms.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pyroomacoustics", reason="the test extra installs it (no wheel for Linux on ARM)")
pytest.importorskip("jiwer")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import bench_echo  # noqa: E402  (scripts/, put on the path above)
import rooms  # noqa: E402


def scenes(engine, folder, room: str, ratios: list[float], seed: int = 0):
    """One session per ratio in `room`: four replies each, the second and the fourth talked over."""
    from answer_voices import Speakers

    from assistant.audio import read_wav

    speakers = Speakers(engine, folder)
    spoken = lambda voice, text, rate: read_wav(speakers.wav(voice, text), rate)  # noqa: E731
    return bench_echo.plan([rooms.room_named(room)], ratios, 4, spoken, speakers.usable(bench_echo.USER_VOICES),
                           seed=seed)


@pytest.fixture(scope="module")
def desk(engine, tmp_path_factory):
    """The desk room at 0 dB user-to-echo."""
    return scenes(engine, tmp_path_factory.mktemp("echo-voices"), "desk", [0.0])


@pytest.fixture(scope="module")
def report(desk, cfg, transcriber):
    return bench_echo.bench(desk, ["nlms", "off"], cfg, transcriber.transcribe)


def test_the_scene_is_a_reverberant_room_with_the_user_over_the_reply(desk):
    session = desk[0]
    assert 0.3 < rooms.rt60_of(session.echo_ir) < 0.8
    talked = [t for t in session.trials if t.near is not None]
    assert len(talked) == 2
    for t in talked:
        reply_end = len(t.far24) * rooms.RATE // bench_echo.TTS_RATE
        assert 0 < t.onset < reply_end - rooms.RATE      # the user starts while the reply plays on
        near_db = rooms.active_db(t.near)
        assert abs(near_db - bench_echo.ECHO_DB) < 1.0   # 0 dB against the echo's speech level


def test_without_a_canceller_every_reply_interrupts_itself(report):
    off = report["off"]
    assert off["false_barge_ins"] == off["replies"] == 4


def test_the_default_canceller_stays_deaf_to_itself_and_hears_the_user(report):
    nlms = report["nlms"]
    assert nlms["false_barge_ins"] == 0
    assert nlms["barge_ins_detected"] == nlms["barge_ins"] == 2
    assert nlms["detected_within_500ms"] == 2, nlms["trials"]
    assert nlms["erle_db"] >= 10.0
    # what Whisper heard of the user after cancelling is what it hears without any echo
    assert nlms["user_wer_over_clean_pts"] <= 15.0, [t["heard"] for t in nlms["trials"]]


@pytest.fixture(scope="module")
def kitchen(engine, tmp_path_factory):
    """The kitchen at -10 and 0 dB, seed 5: where DTLN-aec interrupted itself before a reply's first
    sound (3 of these 8 replies), before barge-ins had to be loud at the microphone."""
    return scenes(engine, tmp_path_factory.mktemp("echo-voices-kitchen"), "kitchen", [-10.0, 0.0], seed=5)


def test_dtln_stays_deaf_to_itself_before_the_reply_and_hears_the_user(kitchen, cfg, transcriber, store):
    from assistant import tflite

    if not tflite.available() or store.status(cfg.models.echo) != "cached":
        pytest.skip("needs pyopen-wakeword's TFLite library and the DTLN-aec model (setup)")
    dtln = bench_echo.bench(kitchen, ["dtln"], cfg, transcriber.transcribe,
                            dtln_dir=store.dir(cfg.models.echo))["dtln"]
    assert dtln["false_barge_ins"] == 0, [t["false_barge_in"] for t in dtln["trials"]]
    assert dtln["barge_ins_detected"] == dtln["barge_ins"] == 4, dtln["trials"]
    assert dtln["erle_db"] >= 25.0


@pytest.fixture(scope="module")
def kitchen_quiet_user(engine, tmp_path_factory):
    """The kitchen with the user 10 dB under the echo, seed 2."""
    return scenes(engine, tmp_path_factory.mktemp("echo-voices-quiet"), "kitchen", [-10.0], seed=2)


def test_behind_dtln_the_user_talking_over_the_reply_is_heard_through_nlms(kitchen_quiet_user, cfg, transcriber,
                                                                          store):
    """The user 10 dB under the echo, heard through nlms beside DTLN-aec where the gate hears them:
    +0.0 points over clean; through DTLN-aec's own output +28.6 (docs/benchmarks.md, issue 16)."""
    from assistant import tflite

    if not tflite.available() or store.status(cfg.models.echo) != "cached":
        pytest.skip("needs pyopen-wakeword's TFLite library and the DTLN-aec model (setup)")
    dtln = bench_echo.bench(kitchen_quiet_user, ["dtln"], cfg, transcriber.transcribe,
                            dtln_dir=store.dir(cfg.models.echo))["dtln"]
    assert dtln["false_barge_ins"] == 0
    assert dtln["barge_ins_detected"] == dtln["barge_ins"] == 2
    # "Wait, what time is it in Tokyo?", "No, tell me the weather for tomorrow." heard word for word
    assert dtln["user_wer_over_clean_pts"] <= 15.0, [t["heard"] for t in dtln["trials"]]


def test_wer_counts_a_missed_question_as_all_deletions():
    assert bench_echo.wer("Stop. Set a timer for five minutes.", "") == 1.0
    assert bench_echo.wer("Stop. Set a timer for five minutes.", "stop, set a timer for 5 minutes") == 0.0


def test_drifted_adds_samples_as_a_fast_clock_does():
    x = np.sin(2 * np.pi * 440 * np.arange(16000 * 5) / 16000).astype(np.float32)
    y = rooms.drifted(x, 100.0)
    assert abs(len(y) - len(x) * (1 + 100e-6)) <= 2
