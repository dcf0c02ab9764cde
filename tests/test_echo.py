"""Echo canceller and speech gate on a synthetic echo path made of real TTS speech.

The echo is the assistant's own reply delayed, filtered by a decaying random room response,
scaled, plus noise; the user is another voice that the reference does not contain.
"""
from __future__ import annotations

import numpy as np
import pytest

from assistant.echo import EchoCanceller, SpeechGate

RATE = 16000
F = 480


def db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-20))


@pytest.fixture(scope="module")
def speech(engine):
    """Always the shipped Kokoro (the `engine` fixture), not whichever model `tts.synthesize` picks:
    the cancellers are judged on the same far end wherever the fast model is built or not."""
    import soxr

    sr = 24000
    reply = engine.synthesize("Sure. The weather today is sunny with a light breeze, and the "
                              "temperature should reach about twenty degrees by the afternoon.", "af_heart")
    user = engine.synthesize("Hey, wait. What time is it in Tokyo?", "am_michael")
    to16 = lambda a: soxr.resample(a, sr, RATE).astype(np.float32)  # noqa: E731
    return to16(reply), to16(user)


def room(delay_s: float, rt60: float = 0.15, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(0.2 * RATE)
    t = np.arange(n) / RATE
    h = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    h[0] += 3.0                                    # the direct path
    h /= np.sqrt(np.sum(h ** 2))
    return np.concatenate([np.zeros(int(delay_s * RATE)), h]).astype(np.float32)


def scene(far: np.ndarray, near: np.ndarray | None = None, near_at_s: float = 0.0, delay_s: float = 0.06,
          gain: float = 0.5, noise_db: float = -60.0, seed: int = 0):
    """mic = room(far) * gain + noise (+ near-end speech at `near_at_s`); returns (mic, echo, near)."""
    echo = (np.convolve(far, room(delay_s))[: len(far)] * gain).astype(np.float32)
    noise = np.random.default_rng(seed).standard_normal(len(far)).astype(np.float32) * 10 ** (noise_db / 20)
    nearsig = np.zeros_like(far)
    if near is not None:
        i = int(near_at_s * RATE)
        n = min(len(near), len(far) - i)
        nearsig[i:i + n] = near[:n]
    return echo + noise + nearsig, echo, nearsig


def run(ec: EchoCanceller, mic: np.ndarray, far: np.ndarray, gate: SpeechGate | None = None):
    n = len(mic) // F * F
    out = np.zeros(n, np.float32)
    user = []
    for i in range(0, n, F):
        out[i:i + F] = ec.process_aligned(mic[i:i + F], far[i:i + F])
        if gate is not None:
            user.append(gate.is_user(mic[i:i + F], out[i:i + F], ec.playing, not ec.settling))
    return out, np.array(user, bool)


def backends():
    out = ["nlms"]
    try:
        import pywebrtc_audio  # noqa: F401
        out.append("webrtc")
    except ImportError:
        pass
    return out


# ---- cancellation ------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", backends())
def test_erle_after_convergence(speech, backend):
    reply, _ = speech
    far = np.concatenate([reply, reply])           # the second pass is measured
    mic, _, _ = scene(far)
    ec = EchoCanceller(backend=backend)
    out, _ = run(ec, mic, far)
    half = len(reply) // F * F
    erle = db(mic[half:len(out)]) - db(out[half:])
    assert erle >= 15.0, f"{backend}: ERLE {erle:.1f} dB after convergence"
    assert ec.echo_return_loss_enhancement_db >= 12.0


def test_nlms_finds_a_long_bulk_delay(speech):
    """300 ms of extra delay (a slow Bluetooth speaker): outside the 240 ms filter unless moved."""
    reply, _ = speech
    far = np.concatenate([reply, reply])
    mic, _, _ = scene(far, delay_s=0.30)
    ec = EchoCanceller(backend="nlms")
    out, _ = run(ec, mic, far)
    assert ec.delay_ms is not None and abs(ec.delay_ms - 300) < 5, ec.delay_ms
    half = len(reply) // F * F
    assert db(mic[half:len(out)]) - db(out[half:]) >= 15.0


def test_nlms_keeps_near_end_speech(speech):
    """The user talking over the reply comes out at the level it went in (within 3 dB)."""
    reply, user = speech
    far = np.concatenate([reply, reply])
    at = len(reply) / RATE + 1.0                   # after convergence, while the reply plays
    mic, echo, near = scene(far, user * 0.5, at)
    ec = EchoCanceller(backend="nlms")
    out, _ = run(ec, mic, far)
    seg = slice(int(at * RATE), int(at * RATE) + len(user))
    assert abs(db(out[seg]) - db(near[seg])) < 3.0
    assert np.corrcoef(out[seg], near[seg])[0, 1] > 0.9
    # and the filter was not wrecked by it: the echo after the user stopped is still cancelled
    after = slice(seg.stop + RATE // 2, len(out))
    assert db(mic[after]) - db(out[after]) >= 12.0


@pytest.mark.parametrize("backend", backends())
def test_near_end_alone_passes_untouched(speech, backend):
    _, user = speech
    silence = np.zeros(len(user) + RATE, np.float32)
    mic, _, near = scene(silence, user * 0.5, 0.5)
    out, _ = run(EchoCanceller(backend=backend), mic, silence)
    seg = slice(RATE // 2, RATE // 2 + len(user) - F)
    assert abs(db(out[seg]) - db(near[seg])) < 1.5


def test_webrtc_double_talk_keeps_most_of_the_user(speech):
    """AEC3 suppresses some of the user's voice while both talk (about 3 dB here); bound it."""
    pytest.importorskip("pywebrtc_audio")
    reply, user = speech
    far = np.concatenate([reply, reply])
    at = len(reply) / RATE + 1.0
    mic, _, near = scene(far, user * 0.5, at)
    out, _ = run(EchoCanceller(backend="webrtc"), mic, far)
    seg = slice(int(at * RATE), int(at * RATE) + len(user))
    assert db(out[seg]) - db(near[seg]) > -6.0


# ---- gate --------------------------------------------------------------------------------------
def barge_in_at(frames, is_user, need: int, aggressiveness: int) -> int | None:
    """The live loop's rule (voice_loop.py): `need` frames in a row that the gate calls the user's
    and webrtcvad calls speech. Returns the frame index where it fires."""
    import webrtcvad

    vad, run_ = webrtcvad.Vad(aggressiveness), 0
    for k, (f, u) in enumerate(zip(frames, is_user)):
        voiced = vad.is_speech((np.clip(f, -1, 1) * 32767).astype("<i2").tobytes(), RATE)
        run_ = run_ + 1 if (u and voiced) else 0
        if run_ >= need:
            return k
    return None


@pytest.mark.parametrize("backend", backends())
def test_gate_ignores_residual_echo_and_hears_the_user(speech, backend, cfg):
    reply, user = speech
    far = np.concatenate([reply, reply])
    at = len(reply) / RATE + 1.0
    ec, gate = EchoCanceller(backend=backend), SpeechGate(threshold_db=10.0)
    mic, _, near = scene(far, user * 0.5, at)
    out, is_user = run(ec, mic, far, gate)
    frames = out.reshape(-1, F)
    first_user = int(at * RATE) // F
    need = -(-cfg.audio.barge_in_ms // cfg.vad.frame_ms)
    # our own echo, from the first frame on: (almost) nothing passes, and never a barge-in
    echo_only = slice(0, first_user)
    assert is_user[echo_only].mean() < 0.03, f"gate passed {is_user[echo_only].mean():.1%} of echo frames"
    assert barge_in_at(frames[echo_only], is_user[echo_only], need, cfg.vad.aggressiveness) is None, \
        "false barge-in on our own echo"
    # the user over the reply: most voiced frames pass, and the barge-in comes within 0.5 s
    voiced = np.array([db(near[i * F:(i + 1) * F]) > -45 for i in range(len(frames))])
    user_frames = np.zeros(len(frames), bool)
    user_frames[first_user:first_user + len(user) // F] = True
    hit = is_user[user_frames & voiced].mean()
    assert hit > 0.25, f"gate passed only {hit:.0%} of the user's voiced frames"
    k = barge_in_at(frames[first_user:], is_user[first_user:], need, cfg.vad.aggressiveness)
    assert k is not None, "the user's barge-in was not heard"
    # AEC3's suppressor also takes out much of the user's voice while both talk (see
    # docs/benchmarks.md), which breaks up the run of frames a barge-in needs; ours does not
    limit = 2.0 if backend == "webrtc" else 0.5
    assert k * F / RATE < limit, f"barge-in heard {k * F / RATE:.2f} s after the user started"


def test_nlms_gate_never_starts_an_utterance_on_echo(speech, cfg):
    """Stricter than the barge-in rule: the endpointer itself, fed gated frames, stays quiet."""
    from assistant.vad import Endpointer

    reply, _ = speech
    far = np.concatenate([reply, reply])
    mic, _, _ = scene(far)
    out, is_user = run(EchoCanceller(backend="nlms"), mic, far, SpeechGate(10.0))
    ep = Endpointer(cfg.vad)
    for f, u in zip(out.reshape(-1, F), is_user):
        ep.feed(f if u else np.zeros_like(f))
        assert not ep.in_speech


def test_gate_without_playback_passes_speech_not_silence(speech):
    _, user = speech
    gate = SpeechGate(10.0)
    noise = np.random.default_rng(3).standard_normal(F * 30).astype(np.float32) * 1e-3
    quiet = [gate.is_user(f, f, speaking=False) for f in noise.reshape(-1, F)]
    assert sum(quiet) <= 2
    x = (user[: len(user) // F * F] * 0.5).reshape(-1, F)
    loud = [gate.is_user(f, f, speaking=False) for f in x if db(f) > -40]
    assert np.mean(loud) > 0.9


# ---- alignment of two audio clocks ----------------------------------------------------------------
def test_reference_stream_alignment_survives_jittery_callbacks():
    """Reference pushed in 8.7 ms output blocks, mic frames pulled in 30 ms: the reference each frame
    gets is a contiguous piece of what was played, with one servo correction at most."""
    rng = np.random.default_rng(5)
    src = rng.standard_normal(RATE * 6).astype(np.float32) * 0.1
    ec = EchoCanceller(backend="nlms")
    got, w, r = [], 0, 0
    k_out = k_in = 0
    t_out = t_in = 0.0
    while r + F <= len(src) - 2000:
        # events in time order: output callbacks of 139 samples, mic frames of 480, each late by a
        # random 0-8 ms against its own steady clock (jitter, not drift)
        if t_out <= t_in:
            ec.reference(src[w:w + 139], RATE)
            w += 139
            k_out += 1
            t_out = k_out * 139 / RATE + rng.uniform(0, 0.008)
        else:
            ec.process(np.zeros(F, np.float32))
            got.append(ec.last_reference.copy())
            r += F
            k_in += 1
            t_in = k_in * F / RATE + rng.uniform(0, 0.008)
    seq = np.concatenate(got[40:])                 # after the first second
    # find where it starts in src and check it runs on without a jump
    start = int(np.argmax(np.correlate(src[: RATE * 3], seq[:2000], "valid")))
    assert np.allclose(seq, src[start:start + len(seq)]), "reference jumped"
    assert ec.shifts <= 2 and ec.realigned == 0


def test_bad_arguments():
    with pytest.raises(ValueError):
        EchoCanceller(rate=48000)
    with pytest.raises(ValueError):
        EchoCanceller(frame_len=500)
    with pytest.raises(ValueError):
        EchoCanceller(backend="speex")
    with pytest.raises(ValueError):
        EchoCanceller(backend="nlms").process(np.zeros(100, np.float32))


def test_output_underrun_steps_the_reference_back_and_marks_settling():
    """The output stream stalls 60 ms (an underrun): the mic overtakes the reference; the read index
    steps back instead of losing those samples, and the canceller says it is settling for a while."""
    src = np.random.default_rng(6).standard_normal(RATE * 6).astype(np.float32) * 0.1
    room_noise = np.random.default_rng(7).standard_normal(F).astype(np.float32) * 1e-4
    ec = EchoCanceller(backend="nlms")
    w = r = 0
    t_out = t_in = 0.0
    stalled = False
    settling_after = []
    while r + F <= len(src) - 4000:
        if not stalled and t_in > 2.0:
            t_out += 0.060                           # nothing handed to the device for 60 ms
            stalled = True
        if t_out <= t_in:
            ec.reference(src[w:w + 139], RATE)
            w += 139
            t_out += 139 / RATE
        else:
            ec.process(room_noise)                   # (a mic of exact zeros reads as a dropout)
            r += F
            t_in += F / RATE
            if stalled:
                settling_after.append(ec.settling)
    assert ec.shifts >= 2 and ec.missing == 0       # the start, then the underrun
    assert any(settling_after[:10]) and not any(settling_after[-20:])


# ---- through real audio devices (PulseAudio virtual speaker + mic) ---------------------------------
from audio_devices import pulse  # noqa: E402,F401  (session fixture: starts the server or skips)

DEVICE_RUN = r"""
import subprocess, sys, time
import numpy as np
import soundfile as sf
from assistant.audio import Microphone, Player
from assistant.echo import EchoCanceller, SpeechGate

reply, sr = sf.read(sys.argv[1], dtype="float32")
ec, gate = EchoCanceller(backend=sys.argv[2]), SpeechGate(10.0)
rows = []
def on_frame(frame, _clean=None):
    out = ec.process(frame)
    rows.append((float(np.mean(frame.astype(np.float64) ** 2)), float(np.mean(out.astype(np.float64) ** 2)),
                 ec.playing, gate.is_user(frame, out, ec.playing, not ec.settling)))
loop = subprocess.run(["pactl", "load-module", "module-loopback", "source=speaker.monitor", "sink=micfeed",
                       "latency_msec=30"], capture_output=True, text=True, check=True).stdout.strip()
try:
    player = Player(sr, on_block=ec.reference)
    mic = Microphone(480, on_frame)
    time.sleep(0.5)
    for _ in range(2):
        player.play(reply)
        player.drain()
    time.sleep(0.6)
    mic.close(); player.close()
finally:
    subprocess.run(["pactl", "unload-module", loop], capture_output=True)
rows = rows[len(rows) // 2:]                      # the second pass: converged
mic_e = sum(r[0] for r in rows if r[2]); out_e = sum(r[1] for r in rows if r[2])
n_on = max(1, sum(1 for r in rows if r[2]))
print("RESULT", 10 * np.log10(mic_e / n_on + 1e-20), 10 * np.log10(mic_e / max(out_e, 1e-20)),
      sum(r[3] for r in rows if r[2]), sum(1 for r in rows if r[2]))
"""


@pytest.mark.parametrize("backend", backends())
def test_echo_through_real_devices(pulse, speech, backend, tmp_path):
    """Our reply through the virtual speaker, looped into the virtual mic: cancelled, and the gate
    lets (almost) none of it through. Runs in a fresh process: PortAudio must start after the server."""
    import soundfile as sf

    reply, _ = speech
    wav = tmp_path / "reply.wav"
    sf.write(str(wav), reply, RATE, subtype="FLOAT")
    p = pulse.run_python(DEVICE_RUN, str(wav), backend, timeout=120)
    line = next((x for x in p.stdout.splitlines() if x.startswith("RESULT")), None)
    assert line, p.stdout + p.stderr[-2000:]
    _, level_db, erle, passed, frames = line.split()
    assert float(level_db) > -50, f"no echo reached the virtual mic ({level_db} dBFS): loopback not working"
    # the PulseAudio loopback often drifts (~1 sample/s): AEC3 copes, our linear filter keeps
    # 13-15 dB over a long run and less in these 10 s (docs/benchmarks.md); the gate must hold anyway
    floor = 15.0 if backend == "webrtc" else 5.0
    assert float(erle) >= floor, f"{backend}: only {float(erle):.1f} dB of echo removed through the devices"
    assert int(passed) <= max(2, int(frames) // 50), f"gate passed {passed}/{frames} echo frames"
