"""Echo canceller and speech gate on a synthetic echo path made of real TTS speech.

The echo is the assistant's own reply delayed, filtered by a decaying random room response,
scaled, plus noise; the user is another voice that the reference does not contain.
"""
from __future__ import annotations

import sys
from pathlib import Path

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
            user.append(gate.is_user(mic[i:i + F], out[i:i + F], ec.playing, ec.trusted))
    return out, np.array(user, bool)


def _dtln_dir():
    """DTLN-aec's model folder, when this machine can run it (the wake word's TFLite library, and
    the model that setup fetches), else None."""
    from assistant import tflite
    from assistant.config import ModelsConfig
    from models.store import ModelStore

    if not tflite.available():
        return None
    store, name = ModelStore(auto_fetch=False), ModelsConfig().echo
    return store.root / name if store.status(name) == "cached" else None


def backends():
    out = ["nlms"]
    try:
        import pywebrtc_audio  # noqa: F401
        out.append("webrtc")
    except ImportError:
        pass
    if _dtln_dir() is not None:
        out.append("dtln")
    return out


def canceller(backend: str) -> EchoCanceller:
    return EchoCanceller(backend=backend, dtln_dir=_dtln_dir() if backend == "dtln" else None)


# ---- cancellation ------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", backends())
def test_erle_after_convergence(speech, backend):
    reply, _ = speech
    far = np.concatenate([reply, reply])           # the second pass is measured
    mic, _, _ = scene(far)
    ec = canceller(backend)
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
    out, _ = run(canceller(backend), mic, silence)
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
def barge_in_at(frames, is_user, cfg) -> int | None:
    """The live loop's rule (voice_loop.BargeInRule) over these frames: where it fires."""
    from assistant.voice_loop import BargeInRule, MicFrame

    rule = BargeInRule(cfg.vad, cfg.audio)
    return next((k for k, (f, u) in enumerate(zip(frames, is_user)) if rule.feed(MicFrame(f, 0, bool(u)))), None)


@pytest.mark.parametrize("backend", backends())
def test_gate_ignores_residual_echo_and_hears_the_user(speech, backend, cfg):
    reply, user = speech
    far = np.concatenate([reply, reply])
    at = len(reply) / RATE + 1.0
    ec = canceller(backend)
    gate = ec.speech_gate(10.0)
    mic, _, near = scene(far, user * 0.5, at)
    out, is_user = run(ec, mic, far, gate)
    frames = out.reshape(-1, F)
    first_user = int(at * RATE) // F
    # our own echo, from the first frame on: (almost) nothing passes, and never a barge-in
    echo_only = slice(0, first_user)
    assert is_user[echo_only].mean() < 0.03, f"gate passed {is_user[echo_only].mean():.1%} of echo frames"
    assert barge_in_at(frames[echo_only], is_user[echo_only], cfg) is None, \
        "false barge-in on our own echo"
    # the user over the reply: most voiced frames pass, and the barge-in comes within 0.5 s
    voiced = np.array([db(near[i * F:(i + 1) * F]) > -45 for i in range(len(frames))])
    user_frames = np.zeros(len(frames), bool)
    user_frames[first_user:first_user + len(user) // F] = True
    hit = is_user[user_frames & voiced].mean()
    assert hit > 0.25, f"gate passed only {hit:.0%} of the user's voiced frames"
    k = barge_in_at(frames[first_user:], is_user[first_user:], cfg)
    assert k is not None, "the user's barge-in was not heard"
    # AEC3's suppressor also takes out much of the user's voice while both talk (see
    # docs/benchmarks.md), which breaks up the run of frames a barge-in needs; ours does not. Ours
    # has a 480 ms filter for reverberant rooms (scripts/bench_echo.py), which in this short room
    # leaves a little more misadjustment than the 240 ms it had: 0.57 s here, under 0.5 s before.
    limit = 2.0 if backend == "webrtc" else 0.6
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


# ---- a room's echo path: delay wobble, drift, a long reply ----------------------------------------
def test_drift_tracker_finds_the_slope_through_wrong_peaks():
    from assistant.echo import DriftTracker

    rng = np.random.default_rng(8)
    tr = DriftTracker()
    for i in range(60):                              # 12 s of estimates, every 0.2 s
        t = i * 0.2 * RATE
        d = 800 + t * 100e-6 + rng.normal(0, 0.3)    # a clock 100 ppm fast, sub-sample noise
        if i % 9 == 4:
            d += 40                                  # now and then a reflection's peak
        tr.add(t, d)
    assert abs(tr.rate * 1e6 - 100) < 5, tr.rate * 1e6
    tr.clear()
    assert tr.rate == 0.0


def _speechlike(n: int, seed: int) -> np.ndarray:
    """Noise with a syllable-like envelope: the delay estimator and the filter need pauses and onsets."""
    rng = np.random.default_rng(seed)
    env = np.repeat(rng.uniform(0, 1, n // 1600 + 1) > 0.3, 1600)[:n] * 0.1
    return (np.convolve(rng.standard_normal(n), [1, 0.7, 0.3], "same") * env).astype(np.float32)


def _erle_last(ec: EchoCanceller, mic: np.ndarray, far: np.ndarray, seconds: float) -> float:
    out, _ = run(ec, mic, far)
    tail = slice(len(out) - int(seconds * RATE), len(out))
    return db(mic[tail]) - db(out[tail])


def test_nlms_is_not_moved_by_a_wobbling_delay_estimate():
    """An echo half a sample between two integers: the correlation peak flips between them. Moving
    the converged filter a sample each time cost it 15-25 dB in the simulated rooms."""
    from scipy.signal import fftconvolve

    far = _speechlike(RATE * 12, 9)
    frac = np.sinc(np.arange(-32, 33) - 0.5) * np.hamming(65)          # a 0.5-sample delay
    h = np.concatenate([np.zeros(640), frac]) * 0.5
    mic = fftconvolve(far, h)[: len(far)].astype(np.float32)
    mic += np.random.default_rng(10).standard_normal(len(mic)).astype(np.float32) * 1e-4
    assert _erle_last(EchoCanceller(backend="nlms"), mic, far, 4.0) > 30.0


def test_nlms_follows_two_clocks_100_ppm_apart():
    import soxr

    far = _speechlike(RATE * 20, 11)
    echo = np.concatenate([np.zeros(800, np.float32), far])[: len(far)] * 0.5
    mic = soxr.resample(echo, RATE, RATE * (1 + 100e-6), quality="VHQ").astype(np.float32)[: len(far)]
    mic += np.random.default_rng(12).standard_normal(len(mic)).astype(np.float32) * 1e-4
    ec = EchoCanceller(backend="nlms")
    assert _erle_last(ec, mic, far, 5.0) > 20.0     # 6-10 dB when the filter does not follow
    assert abs(ec.stats().get("drift_ppm", 0) - 100) < 10


def test_gate_takes_the_noise_floor_while_we_are_quiet():
    """During a long reply in a reverberant room the output never falls to the room's noise: taking
    its quietest frames for the noise made the echo look like "no echo here" and opened the gate."""
    rng = np.random.default_rng(13)
    gate = SpeechGate(10.0)
    for _ in range(40):                              # the room before we speak: -70 dBFS
        f = rng.standard_normal(F).astype(np.float32) * 10 ** (-70 / 20)
        gate.is_user(f, f, speaking=False)
    for _ in range(300):                             # 9 s of reply: echo -25, residual -40 dBFS
        mic = rng.standard_normal(F).astype(np.float32) * 10 ** (-25 / 20)
        out = rng.standard_normal(F).astype(np.float32) * 10 ** (-40 / 20)
        gate.is_user(mic, out, speaking=True)
    assert gate.noise_db < -65
    assert gate.erle_db < gate.max_erle_db          # it learnt the echo, not "no echo path"


@pytest.mark.parametrize("young,shallow", [(0, 20.0), (60, 20.0), (60, 15.0)])
def test_a_young_gate_takes_the_shallow_end_of_few_losses(young, shallow):
    """Until it has learnt `young` echo losses the gate predicts the residual from their 10th
    percentile, then from the `shallow` one (behind DTLN-aec the 20th from the start let a reply
    interrupt itself on the echo bench, and behind its 512q model the 20th after youth did;
    docs/benchmarks.md)."""
    rng = np.random.default_rng(0)
    gate = SpeechGate(threshold_db=10.0, young=young, shallow_pct=shallow)
    noise = lambda level_db: rng.standard_normal(F).astype(np.float32) * 10 ** (level_db / 20)  # noqa: E731
    losses = []
    for n in range(1, 81):
        mic = noise(-20)
        out = noise(-20 - rng.uniform(20, 40))
        gate.is_user(mic, out, speaking=True)
        losses.append(db(mic) - db(out))
        if n in (30, 80):
            pct = 10 if n < young else shallow
            assert gate.erle_db == pytest.approx(np.percentile(losses, pct), abs=0.01), (n, young, shallow)


def test_a_quiet_mic_in_the_replys_pauses_is_no_evidence_of_headphones():
    """A laptop's speaker: few echo frames lose the gate's threshold, and the reply pauses between
    sentences. Quiet mic frames while nothing was due to echo must not pass for "no echo path"
    (that opened the gate on the echo: scripts/bench_echo.py --seed 1); while speech was due, a
    quiet mic is what headphones sound like."""
    rng = np.random.default_rng(14)

    def level(db):
        return rng.standard_normal(F).astype(np.float32) * 10 ** (db / 20)

    def reply(gate, pause_due):
        for _ in range(40):
            f = level(-70)
            gate.is_user(f, f, speaking=False)
        for i in range(300):
            if i % 30 < 1:                            # an echo frame the canceller took 12 dB off
                gate.is_user(level(-25), level(-37), speaking=True)
            elif i % 30 < 20:                         # most of the echo: not even the threshold
                gate.is_user(level(-25), level(-30), speaking=True)
            else:                                     # a pause between sentences
                f = level(-70)
                gate.is_user(f, f, speaking=True, echo_due=pause_due)
        return gate.erle_db

    assert reply(SpeechGate(10.0), pause_due=False) < 15.0          # it learnt the 12 dB echo
    assert reply(SpeechGate(10.0), pause_due=True) == pytest.approx(40.0)   # as if headphones


def test_echo_is_due_only_where_the_reference_at_the_echo_delay_carries_sound():
    ec = EchoCanceller(backend="nlms")
    far = _speechlike(RATE, 15)
    due = []
    for i in range(0, RATE, F):
        ec.process_aligned(far[i:i + F] * 0.5, far[i:i + F])
        due.append(ec.echo_due)
    for _ in range(5):
        ec.process_aligned(np.zeros(F, np.float32), np.zeros(F, np.float32))
        due.append(ec.echo_due)
    assert sum(due[:-5]) >= 0.8 * len(due[:-5]) and not any(due[-4:])


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


def test_a_chance_correlation_with_the_reply_keeps_trust_two_frames_in_a_row_take_it(monkeypatch):
    """A user's voice passes the residual check's 0.5 by chance now and then, and each time the gate
    stopped hearing them for 0.3 s; our own echo leaking through correlates frame after frame."""
    ec = EchoCanceller(backend="nlms")
    ec._since_far = 0                                # something is playing
    corr = iter([0.6, 0.1, 0.6, 0.1, 0.6, 0.6])
    monkeypatch.setattr(ec, "_reference_corr", lambda both, est: next(corr))
    settling = []
    for _ in range(6):
        ec._check_residual(np.zeros(F, np.float32), 0)
        settling.append(ec.settling)
    assert settling == [False] * 5 + [True]


@pytest.mark.skipif(_dtln_dir() is None, reason="DTLN-aec cannot run here (no TFLite library or model)")
def test_the_mic_of_dtlns_output_is_as_late_as_the_output(speech):
    """DTLN-aec's output comes `latency` samples after the mic samples it is made of; the gate
    judges it against those (`mic_of_output`), not against the frame that just came in."""
    far, _ = speech
    mic, _, _ = scene(far[: 2 * RATE])
    ec = canceller("dtln")
    assert ec.latency > 0
    n = len(mic) // F * F
    seen = []
    for i in range(0, n, F):
        ec.process_aligned(mic[i:i + F], far[i:i + F])
        seen.append(ec.mic_of_output)
    seen = np.concatenate(seen)
    late = np.concatenate([np.zeros(ec.latency, np.float32), mic[: n - ec.latency]])
    np.testing.assert_array_equal(seen, late)


def test_the_gate_judges_the_output_against_the_mic_it_came_from():
    """In a reverberant tail the mic falls 3-6 dB a frame. An output 0.8 frames late (DTLN-aec's),
    judged against the frame that just came in, looked that much above its residual, and the echo
    passed for the user: the one false barge-in in 1080 replies of the echo bench (issue 16)."""
    from types import SimpleNamespace

    from assistant.voice_loop import is_user

    rng = np.random.default_rng(5)

    def level(db):
        return rng.standard_normal(F).astype(np.float32) * 10 ** (db / 20)

    gate = SpeechGate(10.0)
    for _ in range(40):
        f = level(-70)
        gate.is_user(f, f, speaking=False)
    for _ in range(100):                              # the echo: 30 dB taken off
        gate.is_user(level(-21), level(-51), speaking=True)
    echo = SimpleNamespace(playing=True, trusted=True, echo_due=True)
    verdicts = []
    for k in range(4):      # the tail: each output 22 dB under its own mic, 17 under the frame now
        echo.mic_of_output = level(-21 - 5 * k)
        verdicts.append(is_user(gate, echo, level(-43 - 5 * k)))
    assert verdicts == [False] * 4


@pytest.mark.skipif(_dtln_dir() is None, reason="DTLN-aec cannot run here (no TFLite library or model)")
@pytest.mark.parametrize("resync", [True, False])
def test_lost_capture_realigns_the_reference_at_once(speech, resync):
    """The capture loses 100 ms mid-reply (an input overflow) while the Player writes on: the echo
    now comes before the reference read for it, which DTLN-aec cannot cancel (it passed the echo
    within ~3 dB until the lead servo noticed, ~3 s later, and the assistant interrupted itself).
    Told of the overflow (`resync`, what Microphone does on the flag), it cancels again at once."""
    far, _ = speech
    mic, _, _ = scene(far)
    ec = canceller("dtln")
    lost, at = RATE // 10, 2 * RATE // F * F
    w = r = 0
    losses = []
    while r + F <= len(mic):
        if r == at:
            ec.reference(far[w:w + lost], RATE)      # the Player goes on while the capture loses these
            w, r = w + lost, r + lost
            if resync:
                ec.resync()
            continue
        ec.reference(far[w:w + F], RATE)
        w += F
        out = ec.process(mic[r:r + F])
        if at + RATE // 2 <= r < at + 2 * RATE and db(mic[r:r + F]) > -45:
            losses.append(db(mic[r:r + F]) - db(out))
        r += F
    loss = float(np.median(losses))
    assert (loss > 20) == resync, f"the echo's loss 0.5-2 s after the overflow: {loss:.1f} dB"


def test_microphone_tells_the_canceller_of_an_input_overflow():
    """The capture callback's overflow flag reaches the canceller, and the part-frame from before
    the lost samples is not glued to what follows them."""
    from types import SimpleNamespace

    from assistant.audio import Microphone

    class Canceller:
        resyncs = 0

        def resync(self):
            self.resyncs += 1

        def process(self, frame):
            return frame

    frames = []
    mic = Microphone.__new__(Microphone)       # the callback alone: no device
    mic.frame_len, mic._pending, mic._resampler, mic._echo = F, np.zeros(0, np.float32), None, Canceller()
    mic._on_frame = lambda raw, clean: frames.append(raw)
    block = lambda v, n: np.full((n, 1), v, np.float32)  # noqa: E731
    mic._capture(block(1.0, 600), 600, None, SimpleNamespace(input_overflow=False))
    mic._capture(block(2.0, 600), 600, None, SimpleNamespace(input_overflow=True))
    assert mic._echo.resyncs == 1
    assert len(frames) == 2 and frames[0].min() == 1.0 and frames[1].min() == frames[1].max() == 2.0


# ---- through real audio devices (PulseAudio virtual speaker + mic) ---------------------------------
from audio_devices import pulse  # noqa: E402,F401  (session fixture: starts the server or skips)

DEVICE_RUN = r"""
import subprocess, sys, time
import numpy as np
import soundfile as sf
from assistant.audio import Microphone, Player
from assistant.config import load, override
from assistant.modes import echo_and_gate
from assistant.voice_loop import BargeInRule, MicFrame, is_user
from models.store import default_store

# argv: reply WAV, backend, and the echo WAV to play into the mic (else a loopback carries the speaker)
reply, sr = sf.read(sys.argv[1], dtype="float32")
echo_wav = sys.argv[3] if len(sys.argv) > 3 else None
cfg = override(load(), "audio.echo_cancel", sys.argv[2])
ec, gate = echo_and_gate(cfg, default_store())      # as `assistant run` makes them
rows = []
def on_frame(frame, _clean=None):
    out = ec.process(frame)
    rows.append((float(np.mean(frame.astype(np.float64) ** 2)), float(np.mean(out.astype(np.float64) ** 2)),
                 ec.playing, is_user(gate, ec, out), out))
loop = None
if echo_wav is None:
    loop = subprocess.run(["pactl", "load-module", "module-loopback", "source=speaker.monitor", "sink=micfeed",
                           "latency_msec=30"], capture_output=True, text=True, check=True).stdout.strip()
try:
    player = Player(sr, on_block=ec.reference)
    mic = Microphone(480, on_frame)
    time.sleep(0.5)
    for _ in range(2):
        feed = subprocess.Popen(["paplay", "-d", "micfeed", echo_wav]) if echo_wav else None
        player.play(reply)
        player.drain()
        if feed:
            feed.wait()
    time.sleep(0.6)
    mic.close(); player.close()
finally:
    if loop:
        subprocess.run(["pactl", "unload-module", loop], capture_output=True)
rule = BargeInRule(cfg.vad, cfg.audio)             # the live loop's rule, over both passes
barge_ins = sum(rule.feed(MicFrame(r[4], 0, r[3])) for r in rows if r[2])
rows = rows[len(rows) // 2:]                      # the second pass: converged
mic_e = sum(r[0] for r in rows if r[2]); out_e = sum(r[1] for r in rows if r[2])
n_on = max(1, sum(1 for r in rows if r[2]))
print("RESULT", 10 * np.log10(mic_e / n_on + 1e-20), 10 * np.log10(mic_e / max(out_e, 1e-20)),
      sum(r[3] for r in rows if r[2]), sum(1 for r in rows if r[2]), barge_ins)
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
    _, level_db, erle, passed, frames, _barge_ins = line.split()
    assert float(level_db) > -50, f"no echo reached the virtual mic ({level_db} dBFS): loopback not working"
    # the PulseAudio loopback often drifts (~1 sample/s): AEC3 copes, our linear filter keeps
    # 13-15 dB over a long run and less in these 10 s (docs/benchmarks.md); the gate must hold anyway
    floor = 15.0 if backend == "webrtc" else 5.0
    assert float(erle) >= floor, f"{backend}: only {float(erle):.1f} dB of echo removed through the devices"
    assert int(passed) <= max(2, int(frames) // 50), f"gate passed {passed}/{frames} echo frames"


def test_room_echo_through_real_devices(pulse, speech, tmp_path):
    """The device path with a room in it, for the default canceller: the reply plays through the
    virtual speaker (the Player hands the canceller its reference) while the test plays the same
    reply through a simulated room (scripts/rooms.py: the kitchen, RT60 0.5 s, a small loudspeaker)
    into the virtual mic. The two streams start together; the room's copy carries 150 ms of device
    latency in front. (AEC3 behind the same gate barged in on itself here, as in the echo bench.)"""
    pytest.importorskip("pyroomacoustics", reason="the test extra installs it (no wheel for Linux on ARM)")
    import soundfile as sf

    from assistant.echo import auto_backend

    backend = auto_backend()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    import rooms

    reply, _ = speech
    room = rooms.room_named("kitchen")
    h = rooms.impulse_response(room, room.speaker_mic_m, seed=2)
    echo = rooms.through_room(rooms.delayed(rooms.loudspeaker(reply, room.drive, room.band_hz), 150), h)
    echo = rooms.scaled_to(echo, -24.0)
    sf.write(str(tmp_path / "reply.wav"), reply, RATE, subtype="FLOAT")
    sf.write(str(tmp_path / "echo.wav"), echo, RATE, subtype="FLOAT")
    p = pulse.run_python(DEVICE_RUN, str(tmp_path / "reply.wav"), backend, str(tmp_path / "echo.wav"), timeout=120)
    line = next((x for x in p.stdout.splitlines() if x.startswith("RESULT")), None)
    assert line, p.stdout + p.stderr[-2000:]
    _, level_db, erle, passed, frames, barge_ins = line.split()
    assert float(level_db) > -45, f"the room's echo did not reach the virtual mic ({level_db} dBFS)"
    # two streams started by two programs: their offset moves a little from pass to pass, and the
    # room's tail is long (the gate passed 2-5 % of the echo frames, never five in a row); what
    # must hold is that our own echo never interrupts us
    assert int(barge_ins) == 0, f"{backend}: the room's echo barged in ({passed}/{frames} frames passed)"
    assert float(erle) >= 6.0, f"{backend}: only {float(erle):.1f} dB of the room's echo removed"


def test_dtln_finds_the_one_model_pair_in_its_folder_and_names_what_it_found_otherwise(tmp_path):
    from assistant.dtln_aec import DtlnAec, _only_size

    for k in (1, 2):
        (tmp_path / f"dtln_aec_512_quant_dynamic_{k}.tflite").write_bytes(b"")
    assert _only_size(tmp_path) == "512_quant_dynamic"
    (tmp_path / "dtln_aec_256_1.tflite").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="found 256, 512_quant_dynamic"):
        DtlnAec(tmp_path)
    with pytest.raises(FileNotFoundError, match="found none"):
        DtlnAec(tmp_path / "empty")
