"""End to end on the real models: the CLI as a user runs it."""
from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.audio import read_wav, write_wav
from conftest import run_cli, words


def test_say_then_transcribe_round_trip(tmp_path):
    wav = tmp_path / "hello.wav"
    r = run_cli("say", "Hello there, how are you today?", "-o", str(wav))
    assert r.returncode == 0, r.stderr
    audio = read_wav(wav, 24000)
    assert 1.0 < len(audio) / 24000 < 5.0
    assert np.sqrt(np.mean(audio ** 2)) > 0.02, "speech has energy"
    r = run_cli("transcribe", str(wav), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert {"hello", "there", "how", "are", "you", "today"} <= set(words(out["text"]))
    assert out["segments"] and out["duration_s"] == pytest.approx(len(audio) / 24000, abs=0.05)


def test_run_answers_a_spoken_question_from_a_file(tmp_path, engine):
    # The question: our own TTS, with silence before and after as a microphone would give.
    speech = engine.synthesize("What is the capital of France?", "am_michael")
    silence = np.zeros(24000, dtype=np.float32)
    question = tmp_path / "question.wav"
    write_wav(question, np.concatenate([silence, speech, silence]), 24000)
    reply = tmp_path / "reply.wav"
    r = run_cli("run", "--input", str(question), "--output", str(reply))
    assert r.returncode == 0, r.stderr
    assert "capital" in r.stderr.lower() and "france" in r.stderr.lower(), r.stderr  # what it heard
    audio = read_wav(reply, 24000)
    assert len(audio) / 24000 > 0.8
    assert np.sqrt(np.mean(audio ** 2)) > 0.02
    r = run_cli("transcribe", str(reply))
    heard = words(r.stdout)
    assert len(heard) >= 3, r.stdout
    assert "paris" in heard, f"the reply should name Paris: {r.stdout!r}"


def test_run_answers_every_utterance_in_order(tmp_path, engine):
    gap = np.zeros(int(1.5 * 24000), dtype=np.float32)
    parts = [gap]
    for q in ("What is the capital of France?", "What color is the sky?"):
        parts += [engine.synthesize(q, "af_bella"), gap]
    question = tmp_path / "two.wav"
    write_wav(question, np.concatenate(parts), 24000)
    reply = tmp_path / "replies.wav"
    r = run_cli("run", "--input", str(question), "--output", str(reply))
    assert r.returncode == 0, r.stderr
    heard = [line for line in r.stderr.splitlines() if line.startswith("you: ")]
    assert len(heard) == 2, r.stderr
    assert "france" in heard[0].lower() and "sky" in heard[1].lower()
    replies = [line for line in r.stderr.splitlines() if line.startswith("assistant: ")]
    assert len(replies) == 2 and all(len(x) > len("assistant: ") + 3 for x in replies)


@pytest.mark.parametrize("args, message", [
    (["--config", "{bad}", "say", "hi", "-o", "{tmp}/x.wav"], "vad.frame_ms"),
    (["say", "hello", "--voice", "zz_nobody", "-o", "{tmp}/x.wav"], "unknown voice 'zz_nobody'"),
    (["say", "   ", "-o", "{tmp}/x.wav"], "empty"),
    (["run", "--input", "{tmp}/missing.wav", "--output", "{tmp}/out.wav"], "does not exist"),
    (["transcribe", "{tmp}/missing.wav"], "does not exist"),
    (["say", "hello", "--speed", "9", "-o", "{tmp}/x.wav"], "tts.speed"),
])
def test_user_errors_are_one_clear_line_without_traceback(tmp_path, args, message):
    bad = tmp_path / "bad.toml"
    bad.write_text("[vad]\nframe_ms = 25\n")
    args = [a.replace("{bad}", str(bad)).replace("{tmp}", str(tmp_path)) for a in args]
    r = run_cli(*args)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    first = r.stderr.strip().splitlines()[0]
    assert first.startswith("error: ") and message in first, r.stderr
    assert not (tmp_path / "x.wav").exists() and not (tmp_path / "out.wav").exists()


def test_no_sound_server_is_a_clear_error_not_a_traceback(tmp_path):
    import os
    import subprocess
    import sys

    from conftest import REPO

    env = {**os.environ, "PULSE_SERVER": f"unix:{tmp_path}/no-such-server", "XDG_RUNTIME_DIR": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "assistant", "run"], cwd=str(REPO), env=env, capture_output=True,
                       text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.startswith(("error:", "hint:"))]
    assert lines and ("microphone" in lines[0] or "speaker" in lines[0] or "audio" in lines[0]), r.stderr
    assert any("--input" in line for line in lines), "the hint says how to go on without devices"


def test_muted_chat_answers_every_line_and_keeps_the_conversation():
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "assistant", "chat", "--mute"], capture_output=True, text=True,
                       timeout=300, input="What is the capital of France?\nAnd what is it famous for?\n")
    assert r.returncode == 0, r.stderr
    replies = [line.split("assistant: ", 1)[1] for line in r.stdout.splitlines() if "assistant: " in line]
    assert len(replies) == 2 and all(len(words(t)) >= 3 for t in replies), r.stdout
    assert "paris" in words(replies[0]), r.stdout
    assert "Traceback" not in r.stderr


def test_say_shows_progress_on_a_terminal_and_stays_quiet_in_a_pipe(tmp_path):
    import sys

    import pexpect

    text = " ".join(f"This is sentence number {n} of a long text." for n in range(1, 25))
    wav = tmp_path / "long.wav"
    child = pexpect.spawn(sys.executable, ["-m", "assistant", "say", text, "-o", str(wav)], timeout=300,
                          encoding="utf-8", dimensions=(24, 120))
    child.expect(r"speaking:\s+\d+%.*sentence")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    r = run_cli("say", text, "-o", str(tmp_path / "piped.wav"))
    assert r.returncode == 0 and "speaking" not in r.stderr, r.stderr
