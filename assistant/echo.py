"""Acoustic echo cancellation: the assistant must not hear itself when its speaker leaks into the mic.

    ec = EchoCanceller(rate=16000, frame_len=480)
    ec.reference(block, 24000)        # Player's callback: exactly what it hands to the speaker,
                                      # every callback, silence included (any rate, resampled here)
    clean = ec.process(mic_frame)     # Microphone's callback: 480 samples in, 480 cleaned out
    ec.heard                          # the same frame with the residual echo suppressed (nlms)
    ec.echo_return_loss_enhancement_db

    gate = SpeechGate(threshold_db=10)
    gate.is_user(ec.mic_of_output, clean, speaking=ec.playing, trusted=ec.trusted, echo_due=ec.echo_due)

Cancellers behind one interface (`backend=`):

* ``"webrtc"``: WebRTC's AEC3 (linear filter + delay estimator + residual echo suppressor)
  through PyPI ``pywebrtc-audio`` (binary wheels for Linux x86_64/aarch64, macOS, Windows,
  CPython 3.10-3.14). Deepest cancellation (a residual echo suppressor on top of the linear
  filter), copes with clock drift and non-linear loudspeakers; but the suppressor also takes out
  much of the user's voice while both talk, so barge-in over a loud reply is heard less often.
* ``"nlms"``: our own, numpy only. A partitioned-block frequency-domain NLMS (PBFDAF,
  overlap-save, constrained gradient) on 10 ms blocks, 480 ms tail (a reverberant room's echo
  lasts that long: the simulated 0.8 s hall of scripts/bench_echo.py barged in on itself 5 times
  in 12 replies with 240 ms, never with 480), in front of which sits a bulk delay found by PHAT
  cross-correlation of mic and reference; two filters (background adapts, foreground filters:
  the background is copied over only when it does better, which is the double-talk guard that
  Speex's MDF also uses) plus a freeze of adaptation in frames where the residual is far above
  what the echo path predicts (near-end speech). When the estimated delay jumps (an output
  underrun, a capture dropout) the last well-converged filter is moved to the new delay; the
  clocks' drift (two devices, ~100 ppm) is measured from the delay's slope (`DriftTracker`) and
  the filters follow it by a fraction of a sample every frame. The filter is linear; what it
  leaves where the loudspeaker distorts or the room outlasts it is taken out of `heard` (what
  Whisper and the barge-in rule listen to) by `assistant.residual`, driven by the filter's own
  echo estimate; `process()` returns the linear output, which the gate judges.
* ``"dtln"``: the neural canceller DTLN-aec (assistant.dtln_aec; model `dtln-aec-512q` in the store,
  run by the TFLite C library that PyPI ``pyopen-wakeword`` ships), on the mic with the reference
  as it comes (it was trained on unaligned far ends, and aligning it at our delay estimate was
  worse on the echo bench). Its output is what `process()` returns and the gate judges, one frame
  (30 ms) late: 512-sample blocks on a 128-sample hop, and frames regrouped into hops. It takes
  30-32 dB of the bench's echo (the float 256 model 34-36) where nlms' linear filter takes 13-15.
  But it bends the user's voice while both talk, so where the gate hears the user, the assistant
  listens (Whisper, the Endpointer, the barge-in rule) to an nlms canceller with residual
  suppression run beside it (`heard_as`): on the echo bench (256 model) the user's words after
  cancelling went from +22.2 to +14.1 points of WER over clean (+31.5 to +17.9 at 0 dB), for ~2 ms
  more per 30 ms frame.
* ``"auto"`` (default): dtln where it runs (pyopen-wakeword's TFLite library is installed), else
  nlms. On the echo bench's simulated rooms (scripts/bench_echo.py; a barge-in must be loud at the
  mic, voice_loop.BARGE_IN_MIN_POWER) dtln (its 512 model with int8 weights, nlms beside it) never
  interrupted itself in 1080 replies (seeds 0-17) and heard 539 of 540 users talking over the reply,
  483 within 500 ms; nlms, on seeds 0-5 in an earlier run, 0 of 360, 148 and 86 of 180. dtln costs
  what the float 256 model it replaced did per frame, in ~28 MB against ~38. AEC3 behind the same
  gate interrupted itself on 27-29 of 60.

Alignment. The reference and the mic are two continuous streams on the same audio clock.
Reference samples go into a ring with a write index; every mic frame takes the next
`frame_len` reference samples from a read index. The echo of reference sample j reaches the
canceller (output latency + air + input latency) after it was handed over, so the read index
must stay just behind the write index: a servo keeps the slack (reference samples left after
a frame) between 0 and `target_lead_ms` + 60 ms (a reference that comes early is
harmless, the delay estimator and the filter absorb it; one that comes late cannot be
cancelled). Missing reference (player closed) reads as silence.

Trust. `settling` says when the output may still hold plain echo: for 1.5 s after the alignment
moved (servo step, stall, new delay estimate, a capture dropout: digital silence in the middle of
playback; a capture overflow the Microphone reports, `resync`) and for 0.3 s after the output
correlated > 0.5 with the reference around the echo delay, two frames in a row. `trusted` adds
the frames nlms passed through unchanged because its estimate was off while the mic was mostly echo. The gate passes
nothing while the assistant speaks and the canceller is not trusted.

Thread-safety: `reference()` may run on the output callback thread while `process()` runs on the
input callback thread; they share only the ring, under a lock held for a copy.
"""
from __future__ import annotations

import math
import threading
from collections import deque

import numpy as np

from assistant.residual import ResidualSuppressor

RATE = 16000
BLOCK = 160                      # 10 ms: the unit both backends work in
GATE_YOUNG_DTLN = 60             # SpeechGate.young behind DTLN-aec (nlms: 0)
GATE_PCT_DTLN = 15.0             # SpeechGate.shallow_pct behind DTLN-aec 512q (nlms: 20)
_FREEZE = 16.0                   # residual this many times the expected one = near-end talk
_DUE_DB = -50.0                   # reference level at the echo's delay that must be heard if a path exists
_PASSED_BY = 1.0
_ECHO_SHARE = 0.5
_PASSED = 0.5                    # a frame whose output is mostly mic passed through is not judged
_JUMP = 64                       # the echo delay moved this many samples (4 ms) at once: not drift
_DRIFT_SAMPLES = 1.0             # ... and stayed this far to one side
_DRIFT_ESTIMATES = 3             # ... for this many estimates (0.6 s): drift


def _db(power: float) -> float:
    return 10.0 * math.log10(power + 1e-12)


def _power(x: np.ndarray) -> float:
    return float(np.mean(np.square(x, dtype=np.float64))) if len(x) else 0.0


# ---- own canceller: partitioned-block frequency-domain NLMS ---------------------------------------
class NlmsCanceller:
    """Linear echo canceller on 16 kHz blocks of `block` samples (see the module doc).

    `process_block(x, d)` takes the delay-compensated reference `x` and the mic `d` (same length,
    `block`) and returns the error (mic minus echo estimate).
    """

    def __init__(self, block: int = BLOCK, tail_ms: int = 240, mu: float = 1.0,
                 leak_db: float = -90.0) -> None:
        self.B = block
        self.P = max(1, -(-tail_ms * RATE // 1000 // block))
        nb = block + 1
        self.Wf = np.zeros((self.P, nb), np.complex128)     # foreground: produces the output
        self.Wb = np.zeros((self.P, nb), np.complex128)     # background: adapts
        self.X = np.zeros((self.P, nb), np.complex128)      # reference spectra, newest first
        self.x_prev = np.zeros(block, np.float64)
        self.pow = np.full(nb, 1e-6)
        self.mu = mu
        self.delta = 10 ** (leak_db / 10) * 2 * block        # regulariser (~ -90 dBFS input)
        self.Sd = self.Sf = self.Sb = 1e-10                  # smoothed mic / fg / bg error energy
        self.erle_lin = 1.0                                  # smoothed mic/fg-error ratio, echo-only
        self.frozen = False                                  # near-end detected in the last block
        self.passed = False                                  # the last block is the mic as it came
        self.echo_power = 0.0                                # foreground echo estimate of the last block
        self.echo = np.zeros(block)

    def reset(self) -> None:
        self.Wf[:] = 0
        self.Wb[:] = 0
        self.erle_lin = 1.0
        self.Sf = self.Sb = self.Sd

    def shifted(self, W: np.ndarray, k: float) -> np.ndarray:
        """Filter `W` for an echo that arrives `k` samples later (earlier if negative; fractional
        shifts by a phase ramp over the whole impulse response, so no partition edge is crossed)."""
        B, P = self.B, self.P
        taps = np.fft.irfft(W, 2 * B, axis=1)[:, :B].reshape(-1)
        n = 1 << (len(taps) + 2 * B).bit_length()
        spec = np.fft.rfft(taps, n) * np.exp(-2j * np.pi * np.fft.rfftfreq(n) * k)
        moved = np.fft.irfft(spec, n)[: len(taps)]
        if k > 0:                          # nothing may come before the echo's first sample
            moved[: int(k)] = 0.0
        g = np.zeros((P, 2 * B))
        g[:, :B] = moved.reshape(P, B)
        return np.fft.rfft(g, axis=1)

    def load(self, W: np.ndarray, erle_lin: float) -> None:
        """Start both filters from `W` (a known-good filter, moved to the current delay)."""
        self.Wf[:] = W
        self.Wb[:] = W
        self.erle_lin = erle_lin
        self.Sb = self.Sf

    def process_block(self, x: np.ndarray, d: np.ndarray) -> np.ndarray:
        B = self.B
        x = x.astype(np.float64)
        d = d.astype(np.float64)
        Xk = np.fft.rfft(np.concatenate([self.x_prev, x]))
        self.x_prev = x
        self.X[1:] = self.X[:-1]
        self.X[0] = Xk
        yf = np.fft.irfft(np.sum(self.X * self.Wf, axis=0), 2 * B)[B:]
        yb = np.fft.irfft(np.sum(self.X * self.Wb, axis=0), 2 * B)[B:]
        ef, eb = d - yf, d - yb
        pd, pf, pb, px = float(d @ d), float(ef @ ef), float(eb @ eb), float(x @ x)
        self.echo_power = float(yf @ yf) / B
        self.echo = yf                                       # the foreground's echo estimate of this block

        # double-talk guard: with the foreground converged, a residual far above what the echo
        # path predicts means someone else is talking -> do not adapt on it.
        far = px > B * 1e-8
        converged = self.erle_lin > 4.0                        # > 6 dB
        expected = pd / self.erle_lin
        self.frozen = bool(far and converged and pf > _FREEZE * expected and pf > 1e-8 * B)

        a = 0.6
        self.Sd = a * self.Sd + (1 - a) * pd
        self.Sf = a * self.Sf + (1 - a) * pf
        self.Sb = a * self.Sb + (1 - a) * pb
        if far and not self.frozen and pd > 1e-10 * B:          # (a mic of zeros is a dropout)
            # per-bin NLMS normalisation: the reference energy in that bin over the whole tail
            # (all partitions), smoothed a little; a loud onset is already in it, so no blow-up
            span = np.sum(self.X.real ** 2 + self.X.imag ** 2, axis=0)
            self.pow = np.maximum(span, 0.7 * self.pow + 0.3 * span)
            E = np.fft.rfft(np.concatenate([np.zeros(B), eb]))
            G = np.conj(self.X) * (E * (self.mu / (self.pow + self.delta)))
            g = np.fft.irfft(G, 2 * B, axis=1)
            g[:, B:] = 0.0                                      # constrain: linear, not circular
            self.Wb += np.fft.rfft(g, axis=1)
            # two-path: adopt the background when it is clearly better; undo a derailed one
            if self.Sb < 0.75 * self.Sf and pb < pd:
                self.Wf[:] = self.Wb
                ef, pf = eb, pb
            elif self.Sb > 8.0 * self.Sf:
                self.Wb[:] = self.Wf
                self.Sb = self.Sf
            if pd > 1e-7 * B and not self.frozen:
                r = min(pd / max(pf, 1e-12), 1e4)
                self.erle_lin = 0.97 * self.erle_lin + 0.03 * r
        if pf > pd:                   # the estimate adds energy (misadjusted, or the echo just stopped):
            ef = d                    # pass the mic rather than inject an echo that is not there
        # ... and that mic is plain echo when the estimate was a good part of it (a loud user with a
        # faint echo estimate trips the test above by chance, harmlessly)
        self.passed = pf > _PASSED_BY * pd and self.echo_power * B > _ECHO_SHARE * pd
        return ef.astype(np.float32)


# ---- delay estimate ---------------------------------------------------------------------------------
class DelayEstimator:
    """Bulk echo delay by PHAT-weighted cross-correlation of reference and mic histories.

    Looks at the last `window_s` seconds every `every_s`; an estimate counts when the peak stands
    out (`min_ratio` times the mean absolute correlation) and two estimates in a row agree.
    """

    def __init__(self, max_delay_ms: int = 500, window_s: float = 0.8, every_s: float = 0.2,
                 min_ratio: float = 8.0) -> None:
        self.max_lag = max_delay_ms * RATE // 1000
        self.n = int(window_s * RATE)
        self.every = int(every_s * RATE)
        self.min_ratio = min_ratio
        self.ref = np.zeros(self.n + self.max_lag, np.float32)
        self.mic = np.zeros(self.n, np.float32)
        self._since = 0
        self._last: int | None = None
        self.delay: int | None = None          # samples, once confident
        self.confidence = 0.0
        self.fine: float | None = None         # the last confident peak, to a fraction of a sample
        self.estimates = 0                     # confident estimates so far

    def push(self, ref: np.ndarray, mic: np.ndarray) -> int | None:
        k = len(mic)
        self.ref = np.concatenate([self.ref[k:], ref])
        self.mic = np.concatenate([self.mic[k:], mic])
        self._since += k
        if self._since >= self.every:
            self._since = 0
            self._estimate()
        return self.delay

    def _estimate(self) -> None:
        if _power(self.ref[-self.n:]) < 1e-7 or _power(self.mic) < 1e-9:
            return
        m = len(self.ref) + self.n
        nfft = 1 << (m - 1).bit_length()
        R = np.fft.rfft(self.ref, nfft)
        M = np.fft.rfft(self.mic, nfft)
        C = M * np.conj(R)
        C /= np.abs(C) + 1e-9
        cc = np.fft.irfft(C, nfft)
        # cc[t] = sum_i mic[i] ref[i - t]; mic's window ends where ref's does and ref reaches
        # max_lag further back, so an echo `lag` samples late peaks at t = lag - max_lag (mod nfft)
        seg = cc[(np.arange(self.max_lag + 1) - self.max_lag) % nfft]       # seg[lag]
        peak = int(np.argmax(seg))
        self.confidence = float(seg[peak] / (np.mean(np.abs(seg)) + 1e-12))
        if self.confidence < self.min_ratio:
            return
        if self._last is not None and abs(peak - self._last) <= 16:
            self.delay = peak
        self._last = peak
        a, b, c = seg[max(peak - 1, 0)], seg[peak], seg[min(peak + 1, self.max_lag)]
        curve = a - 2 * b + c
        self.fine = peak + (0.5 * (a - c) / curve if curve < 0 else 0.0)    # parabola through the peak
        self.estimates += 1


class DriftTracker:
    """The capture clock's drift against the playback clock, from the echo delay's slope.

    Two audio clocks 100 ppm apart move the echo 1.6 samples a second; a linear filter that does
    not follow loses most of its depth within a second (at 4 kHz one sample is a quarter period).
    `add(t, delay)` takes each confident sub-sample delay estimate with its time (mic samples);
    `rate` (samples of delay per sample) is the Theil-Sen slope (the median of the pairwise
    slopes: a wrong correlation peak now and then does not bend it) through the last `span_s`,
    once the points cover `min_s`. `clear()` when the path jumps: a step is not a slope."""

    def __init__(self, span_s: float = 20.0, min_s: float = 4.0, min_points: int = 12) -> None:
        self.span = span_s * RATE
        self.min_span = min_s * RATE
        self.min_points = min_points
        self._t: deque[float] = deque()
        self._d: deque[float] = deque()
        self.rate = 0.0

    def clear(self) -> None:
        self._t.clear()
        self._d.clear()
        self.rate = 0.0

    def add(self, t: float, delay: float) -> None:
        self._t.append(t)
        self._d.append(delay)
        while self._t[-1] - self._t[0] > self.span:
            self._t.popleft()
            self._d.popleft()
        if len(self._t) < self.min_points or self._t[-1] - self._t[0] < self.min_span:
            return
        t, d = np.array(self._t), np.array(self._d)
        i, j = np.triu_indices(len(t), 1)
        dt = t[j] - t[i]
        ok = dt > RATE                                      # pairs a second or more apart
        self.rate = float(np.median((d[j] - d[i])[ok] / dt[ok]))


# ---- neural canceller: DTLN-aec behind the frame interface ------------------------------------------
class DtlnFrames:
    """assistant.dtln_aec.DtlnAec on frames of any length: regroups them into its 128-sample hops.

    The output starts with `pad` samples of silence, so that every frame's worth is there when the
    frame is (the hops left over wait for the next frame); with DTLN's own 384 samples the output
    is `latency` samples late: 480 (one frame) for 480-sample frames."""

    def __init__(self, frame_len: int, model_dir) -> None:
        from assistant.dtln_aec import HOP, DtlnAec

        self.hop = HOP
        self.aec = DtlnAec(model_dir)
        self.pad = HOP - math.gcd(frame_len, HOP)
        self.latency = self.pad + self.aec.latency
        self._mic = np.zeros(0, np.float32)
        self._far = np.zeros(0, np.float32)
        self._out = np.zeros(self.pad, np.float32)

    def frame(self, mic: np.ndarray, far: np.ndarray) -> np.ndarray:
        n = len(mic)
        self._mic = np.concatenate([self._mic, mic.astype(np.float32)])
        self._far = np.concatenate([self._far, far.astype(np.float32)])
        k = len(self._mic) // self.hop * self.hop
        if k:
            self._out = np.concatenate([self._out, self.aec.process(self._mic[:k], self._far[:k])])
            self._mic, self._far = self._mic[k:], self._far[k:]
        out, self._out = self._out[:n], self._out[n:]
        return out


# ---- the canceller the assistant uses ---------------------------------------------------------------
class EchoCanceller:
    """Cleans 16 kHz mic frames of what the assistant itself is playing (see the module doc)."""

    def __init__(self, rate: int = RATE, frame_len: int = 480, backend: str = "auto",
                 tail_ms: int = 480, target_lead_ms: float = 15.0, ring_s: float = 4.0,
                 suppress: bool = True, dtln_dir=None, beside: EchoCanceller | None = None) -> None:
        """`dtln_dir`: the folder of DTLN-aec's model files (the dtln backend's; the store's
        `dtln-aec-512q`, one model pair). `beside`: a canceller run on the same frames (behind
        DTLN-aec, this one is its ears): it feeds the echo delay estimate read here, and its
        alignment steps are this one's too."""
        if rate != RATE:
            raise ValueError(f"EchoCanceller works at {RATE} Hz (the mic pipeline's rate), not {rate}")
        if frame_len % BLOCK:
            raise ValueError(f"frame_len must be a multiple of {BLOCK} samples (10 ms), not {frame_len}")
        self.rate = rate
        self.frame_len = frame_len
        self.backend = pick_backend(backend)
        self._lock = threading.Lock()
        self._ring = np.zeros(int(ring_s * RATE), np.float32)
        self._w = 0                      # absolute index of the next reference sample
        self._r = 0                      # absolute index of the reference for the next mic frame
        self._started = False
        self._resync = False             # the capture lost samples: align to now at the next frame
        self._resamplers: dict[int, object] = {}
        self._leads: deque[int] = deque(maxlen=max(1, 3 * RATE // frame_len))   # ~3 s of frames
        self.target_lead = int(target_lead_ms * RATE / 1000)
        self.stall = int(0.25 * RATE)
        self._disturbed = -(1 << 30)     # frame count at the last alignment change
        self._echo_hold = -(-300 * RATE // 1000 // frame_len)
        self._settle_frames = -(-1500 * RATE // 1000 // frame_len)
        self.shifts = 0                  # servo corrections of the alignment
        self.realigned = 0               # realignments after a stall
        self.missing = 0                 # reference samples read before they arrived
        # stats
        self.frames = 0
        self.last_reference = np.zeros(frame_len, np.float32)
        self.far_active = False          # this frame had something playing
        self.echo_due = False            # the reference at the echo's delay was loud: an echo path must show
        self._mic_e = 0.0
        self._out_e = 0.0
        self._since_far = 1 << 30        # frames since the reference last had sound
        self._mic_live = False           # the last mic frame was not digital silence
        self._hold_frames = -(-500 * RATE // 1000 // frame_len)
        # both backends: delay estimate and reference history, for the residual check (and nlms)
        self._beside = beside
        self._delay = beside._delay if beside is not None else DelayEstimator()
        self._corr_lag = 20 * RATE // 1000           # residual checked against the echo delay +- 20 ms
        dtln = self.backend == "dtln"
        self._dtln: DtlnFrames | None = None
        self.latency = 0                 # samples process()'s output is behind its input
        if dtln:
            if dtln_dir is None:
                raise ValueError("the dtln echo canceller needs dtln_dir, the folder of its model")
            self._dtln = DtlnFrames(frame_len, dtln_dir)
            self.latency = self._dtln.latency
        # Behind DTLN-aec, where the gate hears the user the assistant listens through our nlms
        # canceller and its residual suppressor, run beside it on the same aligned frames (`heard_as`):
        # DTLN-aec takes more echo, but it bends the user's voice while both talk, and Whisper
        # misheard it (echo bench, six seeds: docs/benchmarks.md, issue 16). Delayed to DTLN's latency.
        self._ears = EchoCanceller(rate, frame_len, "nlms", tail_ms, beside=self) if dtln and suppress else None
        self._ears_late = np.zeros(frame_len + self.latency, np.float32)
        # the mic as late as the output, for the gate to judge each output frame against its own mic
        # samples: DTLN-aec's output is 0.8 frames late, and in a reverberant tail, where the mic falls
        # 3-6 dB a frame, the quieter frame just in let the echo pass for the user (echo bench, issue 16)
        self._mic_late = np.zeros(frame_len + self.latency, np.float32)
        self.mic_of_output = self._mic_late[:frame_len]
        # the residual check looks `latency` further back: the output's echo is as late as the output
        self._hist = np.zeros(self._delay.max_lag + frame_len + self._corr_lag + BLOCK + self.latency, np.float32)
        self._prev_out = np.zeros(frame_len, np.float32)
        self.echo_corr = 0.0             # residual's correlation with the reference (last frame)
        self.passed_through = False      # nlms: part of the last frame is the mic unchanged (misadjusted)
        self._echo_like = -(1 << 30)     # frame count when the residual last looked like our echo
        self._corr_run = 0               # frames in a row whose residual correlated with the reference
        self._heard = np.zeros(frame_len, np.float32)
        self._suppressor = None
        if self.backend == "webrtc":
            from pywebrtc_audio import EchoCanceller as Aec3

            self._aec = Aec3(sample_rate=RATE)
        elif not dtln:
            self._nlms = NlmsCanceller(BLOCK, tail_ms)
            if suppress:
                self._suppressor = ResidualSuppressor(BLOCK)
            self._echo_estimate = np.zeros(frame_len)   # the filter's echo estimate of the last frame
            self.bulk_delay = 0
            self._last_est: float | None = None   # the echo delay the filters are aligned to
            self._good: tuple[np.ndarray, float, float] | None = None   # (filter, its delay, its erle)
            self._off = 0                # estimates in a row a sample or more to one side of the filters' delay
            self._off_by = 0.0
            self._drift = DriftTracker()
            self._seen = 0               # delay estimates taken into the drift tracker
            self._disturbed_seen = self._disturbed
            self._stuck = 0              # frames frozen while the output correlated with our echo

    # -- reference side (output thread) --
    def reference(self, block: np.ndarray, rate: int) -> None:
        """What is being handed to the speaker now (mono float, any rate). Call for every output
        block, silence included, so the reference stays a continuous stream."""
        x = np.asarray(block, dtype=np.float32).reshape(-1)
        if rate != RATE:
            rs = self._resamplers.get(rate)
            if rs is None:
                import soxr

                rs = self._resamplers[rate] = soxr.ResampleStream(rate, RATE, 1, dtype="float32")
            x = rs.resample_chunk(x)
        n = len(x)
        if n == 0:
            return
        with self._lock:
            if self._r - self._w > self.stall:          # writer had stalled: resume aligned to now
                self._w = self._r + self.target_lead
            size = len(self._ring)
            if n > size:
                x, n = x[-size:], size
            i = self._w % size
            k = min(n, size - i)
            self._ring[i:i + k] = x[:k]
            self._ring[: n - k] = x[k:]
            self._w += n

    def _take(self, n: int) -> np.ndarray:
        """The `n` reference samples aligned with the next mic frame.

        slack = reference samples left over after this frame. It jitters with the callback
        timing (0-70 ms measured on PulseAudio under load). The read index moves back at once
        when the mic overtook the reference (slack < 0: an output underrun; those samples would
        otherwise be lost for good), and forward when the smallest slack over ~3 s stays above
        target + 60 ms (the reference comes much earlier than needed). Each move changes the
        echo delay the canceller sees, so it marks the canceller `settling`. Stalls longer than
        `stall` (player stopped or started late) and lost capture (`resync`) realign at once.
        """
        with self._lock:
            if not self._started:
                if self._w == 0:                        # nothing played yet
                    return np.zeros(n, np.float32)
                self._started = True
                self._r = self._w - n - self.target_lead
            slack = self._w - self._r - n
            size = len(self._ring)
            if slack > size // 2 or slack < -self.stall or self._resync:  # one side stalled: realign to now
                self._resync = False
                self.realigned += 1
                self._disturbed = self.frames
                self._r = self._w - n - self.target_lead
                slack = self.target_lead
                self._leads.clear()
            if slack < 0:                               # the mic overtook the reference: step back now
                self._r += slack - self.target_lead
                self.shifts += 1
                self._disturbed = self.frames
                slack = self.target_lead
                self._leads.clear()
            self._leads.append(slack)
            if len(self._leads) == self._leads.maxlen:
                lo = min(self._leads)
                if lo > self.target_lead + 6 * BLOCK:   # steadily early: take fresher reference
                    self._r += lo - self.target_lead
                    self.shifts += 1
                    self._disturbed = self.frames
                    self._leads.clear()
            out = np.zeros(n, np.float32)
            start = max(self._r, self._w - size)
            avail = max(0, min(self._r + n, self._w) - start)
            if avail:
                i = start % size
                k = min(avail, size - i)
                o = start - self._r
                out[o:o + k] = self._ring[i:i + k]
                out[o + k:o + avail] = self._ring[: avail - k]
            self.missing += n - avail
            self._r += n
            return out

    # -- mic side (input thread) --
    def resync(self) -> None:
        """The capture lost samples (an input overflow): the next mic frame is later than the
        reference read for it by the lost time, and a canceller fed that reference can never catch
        the echo, which now comes before it. The lead servo would find out after ~3 s; this aligns
        the next frame to the reference written by now at once (as after a stall) and marks the
        canceller settling."""
        with self._lock:
            self._resync = self._started

    def process(self, mic_frame: np.ndarray) -> np.ndarray:
        """One mic frame (`frame_len` float32 samples at 16 kHz) -> the same frame without the echo."""
        d = np.asarray(mic_frame, dtype=np.float32).reshape(-1)
        if len(d) != self.frame_len:
            raise ValueError(f"expected {self.frame_len} samples, got {len(d)}")
        x = self._take(self.frame_len)
        self.last_reference = x          # the aligned reference this frame was cleaned with
        return self.process_aligned(d, x)

    def process_aligned(self, d: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Cancel with an explicit reference `x` of the same length (tests, offline use)."""
        if self._beside is not None:
            self._disturbed = max(self._disturbed, self._beside._disturbed)
        self.far_active = _power(x) > 1e-8
        live = bool(np.any(d))
        if self.far_active and self._mic_live and not live:
            # sound, then digital silence while we play: the capture dropped out (an overrun, a
            # busy machine); the echo's timing is likely to have moved: distrust the output a while
            self._disturbed = self.frames
        self._mic_live = live
        self._since_far = 0 if self.far_active else self._since_far + 1
        n = len(d)
        self._hist = np.concatenate([self._hist[n:], x])
        self._mic_late = np.concatenate([self._mic_late[n:], d]) if self.latency else d
        self.mic_of_output = self._mic_late[:n]
        est = self._delay.push(x, d) if self._beside is None else self._delay.delay
        delay = (est or 0) if self.backend in ("webrtc", "dtln") else self.bulk_delay
        self.echo_due = _db(_power(self._reference_at(delay, n))) > _DUE_DB
        if self.backend == "webrtc":
            out = self._aec.process(np.ascontiguousarray(d, np.float32), np.ascontiguousarray(x, np.float32))
        elif self._dtln is not None:
            out = self._dtln.frame(d, x)
        else:
            out = self._nlms_frame(d, est)
        # DTLN's residual echo is as late as its output
        self._check_residual(out, None if est is None else est + self.latency)
        self._heard = out
        if self._suppressor is not None:
            self._heard = self._suppressor.frame(out, self._echo_estimate, self.playing)
        elif self._ears is not None:
            self._ears.process_aligned(d, x)
            self._ears_late = np.concatenate([self._ears_late[n:], self._ears.heard])
        pm, po = _power(d), _power(out)
        if self.far_active and pm > 1e-8 and not self.near_end:
            a = 0.98
            self._mic_e = a * self._mic_e + (1 - a) * pm
            self._out_e = a * self._out_e + (1 - a) * po
        self.frames += 1
        return out

    def _reference_at(self, delay: int, n: int) -> np.ndarray:
        """The last `n` reference samples as they were `delay` samples ago."""
        L = len(self._hist)
        return self._hist[L - n - delay: L - delay]

    def _check_residual(self, out: np.ndarray, est: int | None) -> None:
        """How much of the output is still our own echo: the largest normalised correlation of the
        last two output frames with the reference around the estimated echo delay. Linear echo
        that the canceller missed (its timing moved, it is re-converging) correlates strongly;
        the user's voice does not. Above 0.5 on two frames in a row the canceller is not trusted for
        0.3 s: a leak correlates frame after frame, while a user's voice passes 0.5 by chance (behind
        DTLN-aec in ~1.5 % of their frames), and a hold after each such frame cut their barge-in in
        two (echo bench, six seeds: 154/180 heard within 500 ms against 142; docs/benchmarks.md,
        issue 16)."""
        both = np.concatenate([self._prev_out, out]).astype(np.float64)
        self._prev_out = out
        self.echo_corr = self._reference_corr(both, est) if est is not None and self.playing else 0.0
        self._corr_run = self._corr_run + 1 if self.echo_corr > 0.5 else 0
        if self._corr_run >= 2:
            self._echo_like = self.frames

    def _reference_corr(self, both: np.ndarray, est: int) -> float:
        """The largest normalised correlation of `both` with the reference `est` +- 20 ms back."""
        m, L, M = len(both), len(self._hist), self._corr_lag
        hi = L - max(0, est - M)
        lo = hi - m - 2 * M
        if lo < 0:
            return 0.0
        seg = self._hist[lo:hi].astype(np.float64)
        eo = float(both @ both)
        if eo < 1e-9 * m:
            return 0.0
        c = np.correlate(seg, both, "valid")                      # len 2M+1
        cs = np.concatenate([[0.0], np.cumsum(seg * seg)])
        es = cs[m:] - cs[:-m]
        return float((np.abs(c) / np.sqrt(eo * np.maximum(es, 1e-12))).max())

    def _nlms_frame(self, d: np.ndarray, est: int | None) -> np.ndarray:
        n = len(d)
        nl = self._nlms
        # Frozen (the double-talk guard sees "someone else") while the output still looks like our
        # own echo: that is no user, the echo path changed (an underrun, the speaker moved) and the
        # filter no longer fits it. After ~0.3 s net, forget the convergence and adapt again. A user
        # talking over the reply does not correlate with it, however long they talk.
        stuck = nl.frozen and self.echo_corr > 0.5
        self._stuck = self._stuck + 1 if stuck else max(0, self._stuck - 1)
        if self._stuck > 10:
            nl.erle_lin, nl.frozen, self._stuck = 1.0, False, 0
        if self._disturbed != self._disturbed_seen:   # the alignment stepped: no slope across it
            self._disturbed_seen = self._disturbed
            self._drift.clear()
        fresh = self._delay.estimates != self._seen     # a new confident estimate (every 0.2 s in speech)
        if fresh:
            self._seen = self._delay.estimates
            self._drift.add(self.frames * n, self._delay.fine)
        moved = 0.0 if est is None or self._last_est is None else est - self._last_est
        if fresh:
            # how far the echo sits from where the filters expect it, to a fraction of a sample
            # (the integer peak of a reverberant echo flips between neighbours; the parabola's
            # vertex does not), and for how many estimates in a row on the same side
            off = self._delay.fine - self._last_est if self._last_est is not None else 0.0
            same_side = abs(off) >= _DRIFT_SAMPLES and np.sign(off) == np.sign(self._off_by)
            self._off = self._off + 1 if same_side else int(abs(off) >= _DRIFT_SAMPLES)
            self._off_by = off
        if fresh and est is not None:
            lo, hi = self.bulk_delay, self.bulk_delay + nl.P * BLOCK - 80 * RATE // 1000
            if not lo <= est <= hi:                     # echo outside the filter's window: move it
                self.bulk_delay = max(0, est - 20 * RATE // 1000)
                nl.reset()
                self._good = None
                self._drift.clear()
                self._last_est = est
            elif self._last_est is None:
                self._last_est = est
            elif abs(moved) >= _JUMP:
                # the path's timing moved (an underrun, a capture dropout): restart from the last
                # well-converged filter moved to the new delay (the current one may have begun
                # to adapt to the change already, or frozen on it)
                if self._good is not None:
                    W, at, erle = self._good
                    nl.load(nl.shifted(W, est - at), min(erle, 10.0))
                else:
                    nl.load(nl.shifted(nl.Wf, moved), 1.0)
                self._disturbed = self._disturbed_seen = self.frames
                self._drift.clear()
                self._last_est = est
            elif self._off >= _DRIFT_ESTIMATES:
                # the echo has stayed a sample or more to one side of where the filters expect it
                # (drift the tracker has not caught yet, or a loopback that changes its rate): move
                # them there. Not on one estimate: moving a converged filter by one sample and back
                # cost it 15-25 dB in the simulated rooms. Only on fresh estimates: in a pause the
                # last one goes stale while the drift moves on.
                nl.Wf[:] = nl.shifted(nl.Wf, self._off_by)
                nl.Wb[:] = nl.shifted(nl.Wb, self._off_by)
                self._last_est += self._off_by
                self._off = 0
        if self._drift.rate and self._last_est is not None:
            # follow the drift continuously, a fraction of a sample per frame
            step = self._drift.rate * n
            nl.Wf[:] = nl.shifted(nl.Wf, step)
            nl.Wb[:] = nl.shifted(nl.Wb, step)
            self._last_est += step
        xd = self._reference_at(self.bulk_delay, n)
        assert len(xd) == n
        out = np.empty(n, np.float32)
        self._echo_estimate = np.empty(n)
        passed = 0.0
        for i in range(0, n, BLOCK):
            out[i:i + BLOCK] = nl.process_block(xd[i:i + BLOCK], d[i:i + BLOCK])
            self._echo_estimate[i:i + BLOCK] = nl.echo
            if nl.passed:
                passed += float(np.sum(np.square(out[i:i + BLOCK], dtype=np.float64)))
        total = float(np.sum(np.square(out, dtype=np.float64)))
        self.passed_through = self.far_active and passed > _PASSED * total
        if (nl.erle_lin > 30.0 and not nl.frozen and self._last_est is not None and not self.settling
                and self.frames % 16 == 0):           # remember a well-converged filter (> 15 dB)
            self._good = (nl.Wf.copy(), self._last_est, nl.erle_lin)
        return out

    # -- stats --
    @property
    def settling(self) -> bool:
        """The alignment of reference and echo changed within the last 1.5 s (an output underrun,
        a capture dropout, a stall, a new delay), or the output correlated with the reference
        (two frames in a row) within the last 0.3 s: the canceller may be re-converging and its
        output hold plain echo. Part of `trusted`, which SpeechGate.is_user takes."""
        return (self.frames - self._disturbed < self._settle_frames
                or self.frames - self._echo_like < self._echo_hold)

    @property
    def trusted(self) -> bool:
        """The last frame's output can be judged: not `settling`, and (nlms) no part of it was the
        mic passed through because the echo estimate was off (then it is plain echo, as loud as
        the mic, and looks like a user talking over us). Give this to SpeechGate.is_user."""
        return not self.settling and not self.passed_through

    @property
    def heard(self) -> np.ndarray:
        """The last frame as the assistant should listen to it (the utterance for Whisper, the
        barge-in rule's voice detector): nlms' output with the residual echo suppressed
        (assistant.residual; one hop, 10 ms, late), AEC3's and DTLN-aec's output as it is (but see
        `heard_as`). The gate judges process()'s return value (for nlms the linear output) instead."""
        return self._heard

    def heard_as(self, user: bool) -> np.ndarray:
        """What to listen to in the last frame, given the gate's verdict on it: behind DTLN-aec, the
        nlms canceller's `heard` (as late as DTLN-aec's output) where the user talks, since DTLN-aec
        bends their voice while both talk; DTLN-aec's own output where the gate heard only our echo,
        since it leaves less of it, and a barge-in's lookback takes such frames in (but its last
        0.6 s as the user's: voice_loop.lookback_audio). Elsewhere `heard`."""
        return self._ears_late[: self.frame_len] if user and self._ears is not None else self._heard

    def speech_gate(self, threshold_db: float) -> SpeechGate:
        """A SpeechGate for this canceller's output, its percentile and youth set for the backend
        (behind DTLN-aec: see SpeechGate's notes on youth)."""
        if self.backend == "dtln":
            return SpeechGate(threshold_db=threshold_db, shallow_pct=GATE_PCT_DTLN, young=GATE_YOUNG_DTLN)
        return SpeechGate(threshold_db=threshold_db)

    @property
    def playing(self) -> bool:
        """Something played within the last 0.5 s (echo delay + reverberation): the time when
        mic frames may hold our own echo. Give this to SpeechGate.is_user(speaking=...)."""
        return self._since_far < self._hold_frames

    @property
    def near_end(self) -> bool:
        """The NLMS double-talk guard saw someone else talking in the last frame (nlms only)."""
        return self.backend == "nlms" and self._nlms.frozen

    @property
    def echo_return_loss_enhancement_db(self) -> float:
        """Smoothed mic-to-output energy ratio over frames with playback and no near-end talk."""
        if self._out_e <= 0:
            return 0.0
        return _db(self._mic_e) - _db(self._out_e)

    erle_db = echo_return_loss_enhancement_db

    @property
    def delay_ms(self) -> float | None:
        """Estimated echo delay behind the aligned reference (None until known)."""
        if self._delay.delay is None:
            return None
        return self._delay.delay * 1000 / RATE

    def stats(self) -> dict:
        out = {"backend": self.backend, "erle_db": round(self.erle_db, 1), "frames": self.frames,
               "delay_ms": self.delay_ms, "ref_missing": self.missing,
               "servo_shifts": self.shifts, "realigned": self.realigned}
        if self.backend == "nlms":
            out["drift_ppm"] = round(self._drift.rate * 1e6, 1)
        return out


def auto_backend() -> str:
    """The backend `auto` stands for, by the echo bench's evidence (module doc)."""
    from assistant.tflite import available

    return "dtln" if available() else "nlms"


def pick_backend(name: str) -> str:
    """The backend `name` stands for (auto: by the bench's evidence), ImportError if it cannot run here."""
    if name not in ("auto", "webrtc", "nlms", "dtln"):
        raise ValueError(f"echo canceller backend must be auto, webrtc, nlms or dtln, not {name!r}")
    if name == "auto":
        return auto_backend()
    if name == "webrtc":
        try:
            import pywebrtc_audio  # noqa: F401
        except ImportError:
            raise ImportError("backend 'webrtc' needs the pywebrtc-audio package: pip install pywebrtc-audio") from None
    if name == "dtln":
        from assistant.tflite import library_path

        library_path()  # ImportError saying what to install
    return name


# ---- half-duplex gate ----------------------------------------------------------------------------
class SpeechGate:
    """Is this mic frame, taken while the assistant speaks, the user (barge-in) or our own echo?

    While something plays, the canceller removes about `erle` dB of the echo; a frame that is
    only echo therefore loses about that much between mic and output. The user's voice is not
    in the reference and passes through, so a frame with the user in it loses much less. The
    gate learns how much echo-only frames lose at the least (the `shallow_pct` percentile of the per-frame
    mic/out ratio over the last ~200 rejected frames that lost at least `threshold_db`, clamped
    to `max_erle_db`; the canceller's depth swings by tens of dB from word to word, and the
    shallow end is what a barge-in must beat) and a frame counts as the user's when

        out_db > noise_db + floor_db              (something above the room's noise), and
        out_db > mic_db - erle_db + threshold_db  (above the predicted residual echo by a margin)

    hold for `confirm` frames in a row (a canceller's transient lasts a frame or two; a word lasts
    longer), so the first frame of a barge-in is answered `confirm - 1` frames late. When nothing
    plays, every frame above the noise floor is the user's. Feed frames in order.

    The learnt ERLE starts at `min_erle_db`, below `threshold_db`: a fresh gate passes nothing
    while we speak (half duplex) and opens as the canceller converges; a canceller that never
    gets past `threshold_db` keeps it half duplex, which is the safe failure.

    Tuned on TTS echo through the PulseAudio loopback and the synthetic room of tests/test_echo.py
    (scripts/measure_echo.py, docs/benchmarks.md): threshold 10 dB, floor 12 dB, confirm 2; the
    20th percentile after 10 losses on the simulated rooms of scripts/bench_echo.py (the 10th
    after 20 had leant on quiet frames in the reply's pauses, counted as "no echo path", which
    opened the gate on a laptop's echo; without them it heard later).

    A young gate, until it has learnt `young` losses, takes the 10th percentile. Behind DTLN-aec
    (60 losses, ~2 s of echo: EchoCanceller.speech_gate) the 20th from the start let a reply interrupt
    itself once in 360 on the echo bench, and the 10th throughout heard the user later; behind nlms
    a young gate only heard later (docs/benchmarks.md, issue 16). Behind DTLN-aec's 512q model the
    gate takes the 15th after youth: its losses spread wider, and at the 20th a reply's tail in a pause
    passed for the user once in 360 replies.
    """

    SHALLOW_PCT = 20.0
    YOUNG_PCT = 10.0

    def __init__(self, threshold_db: float = 10.0, floor_db: float = 12.0, min_erle_db: float = 6.0,
                 max_erle_db: float = 40.0, confirm: int = 2, learn_from: int = 10, young: int = 0,
                 shallow_pct: float = SHALLOW_PCT) -> None:
        self.threshold_db = threshold_db
        self.shallow_pct = shallow_pct
        self.floor_db = floor_db
        self.min_erle_db = min_erle_db
        self.max_erle_db = max_erle_db
        self.confirm = max(1, confirm)
        self.learn_from = learn_from     # losses seen before the first estimate
        self.young = young               # losses seen before shallow_pct is trusted (YOUNG_PCT until then)
        self.erle_db = min_erle_db    # learnt; starts closed (nothing passes while we speak) until the canceller converges
        self.noise_db = -70.0
        self._run = 0                                # frames in a row that looked like the user
        self._losses: deque[float] = deque(maxlen=200)   # echo-only mic->out losses, last ~6 s
        self._recent: deque[float] = deque(maxlen=100)   # 3 s of 30 ms output levels, while quiet

    def is_user(self, mic: np.ndarray, clean: np.ndarray, speaking: bool, trusted: bool = True,
                echo_due: bool = True) -> bool:
        """`speaking`: our reply may be in the mic (EchoCanceller.playing); `trusted`: the canceller
        is converged and aligned and its output can be judged (EchoCanceller.trusted); `echo_due`: the
        reference at the echo's delay was loud (EchoCanceller.echo_due), so a quiet mic says there
        is no echo path. While speaking and not trusted, nothing passes."""
        mic_db, out_db = _db(_power(mic)), _db(_power(clean))
        if not speaking:
            # the room's noise, heard while we are quiet: during a long reply in a reverberant
            # room the output's quietest frames are residual echo, and a "noise floor" taken
            # there made the echo look like a room without any (the hall of scripts/bench_echo.py)
            self._recent.append(out_db)
            if len(self._recent) >= 10:
                self.noise_db = max(-90.0, float(np.percentile(self._recent, 10)))
        loud = out_db > self.noise_db + self.floor_db
        if not speaking:
            self._run = 0
            return loud
        # No echo seen at all (headphones, a far speaker): a re-aligning canceller cannot leak echo.
        no_echo = self.erle_db >= self.max_erle_db
        candidate = (trusted or no_echo) and loud and out_db > mic_db - self.erle_db + self.threshold_db
        loss = mic_db - out_db
        if trusted and echo_due and mic_db <= self.noise_db + self.floor_db:
            # We play speech and the mic hears nothing: no echo path (headphones, a far speaker).
            # Counted as the deepest loss, so a gate that never sees echo opens for the user; while
            # real echo makes up more than a fifth of the frames, the percentile ignores these.
            # Not in the pauses between sentences: there a quiet mic says nothing of the path, and
            # in a room where few echo frames lose `threshold_db` (a laptop's speaker) they made the
            # gate believe in headphones and open on the echo (scripts/bench_echo.py, --seed 1).
            self._learn(self.max_erle_db)
        if trusted and not candidate and mic_db > self.noise_db + self.floor_db and loss >= self.threshold_db:
            # learn only from frames the canceller clearly worked on: the user's own frames
            # (little loss) must not teach the gate that the echo is loud, or it locks them out
            self._learn(min(loss, self.max_erle_db))
        self._run = self._run + 1 if candidate else 0
        return self._run >= self.confirm

    def _learn(self, loss: float) -> None:
        self._losses.append(loss)
        n = len(self._losses)
        if n >= self.learn_from:
            pct = self.shallow_pct if n >= self.young else self.YOUNG_PCT
            self.erle_db = float(np.percentile(self._losses, pct))
