"""Residual echo suppression: what the linear canceller left of our own voice, taken out of what
the assistant listens to.

    rs = ResidualSuppressor()
    heard = rs.frame(out, echo_estimate, playing)   # 16 kHz, any multiple of 10 ms; 10 ms late

A linear filter leaves 8-15 dB of echo in a room with a small loudspeaker (its compression, the
tail past the filter, drift; docs/benchmarks.md, issue 16). Whisper hears that residual as words:
the reply's own words ended up in the user's transcript, and under the user's words it garbled
them. Here each 20 ms window (10 ms hop, sqrt-Hann, so the overlap-add gives the input back when
nothing is suppressed) gets a per-bin gain from the residual echo that the linear filter's own
echo estimate predicts:

    R(f) = max(leak(f) |Y(f)|^2, decay R(f) one hop earlier)      (the room's tail outlasts Y)
    G(f) = max(floor, 1 - beta R(f) / |E(f)|^2)

leak(f) is Speex's estimate: the regression of the output's power fluctuations on the echo
estimate's (Pey / Pyy). A user talking over the reply adds power that does not move with the echo
estimate, so it barely biases the leak, and no double-talk detector is needed. The leak adapts
only while we play; with nothing played, R decays to nothing and the audio passes unchanged.

Used for listening only (the utterance Whisper gets, the barge-in rule's voice detector): the
gate still judges the linear output, whose levels it was tuned on. On the echo bench (60
replies, five rooms, three seeds of the users' start times, side by side with the linear output;
docs/benchmarks.md): the user's words over clean 27.2 -> 23.8 WER points (mean over all
ratios); barge-ins and false ones are the gate's. The floor is shallow (-12 dB): at -20 dB, or
with beta 1, the user's words came through worse.
"""
from __future__ import annotations

import numpy as np

RATE = 16000


class ResidualSuppressor:
    def __init__(self, hop: int = 160, beta: float = 2.0, floor_db: float = -12.0,
                 tail_db_per_s: float = 60.0, leak: float = 0.1) -> None:
        self.hop = hop
        n = 2 * hop
        self.window = np.sqrt(np.hanning(n + 1)[:-1])     # periodic: its square overlap-adds to 1
        bins = hop + 1
        self.beta = beta
        self.floor = 10 ** (floor_db / 20)
        self.decay = 10 ** (-tail_db_per_s * hop / RATE / 10)
        self.leak = np.full(bins, leak)
        self._e_prev = np.zeros(hop)
        self._y_prev = np.zeros(hop)
        self._tail = np.zeros(hop)
        self._residual = np.zeros(bins)
        self._mean_e = np.zeros(bins)
        self._mean_y = np.zeros(bins)
        self._pey = np.zeros(bins)
        self._pyy = np.full(bins, 1e-12)

    def frame(self, out: np.ndarray, echo: np.ndarray, playing: bool) -> np.ndarray:
        """`out`: the canceller's output; `echo`: its echo estimate for the same samples; `playing`:
        our reply may be in the mic. Returns as many samples, one hop (10 ms) late."""
        if len(out) % self.hop or len(echo) != len(out):
            raise ValueError(f"frames of whole {self.hop}-sample hops, output and echo alike")
        out = np.asarray(out, np.float64)
        echo = np.asarray(echo, np.float64)
        return np.concatenate([self._hop(out[i:i + self.hop], echo[i:i + self.hop], playing)
                               for i in range(0, len(out), self.hop)]).astype(np.float32)

    def _hop(self, e: np.ndarray, y: np.ndarray, playing: bool) -> np.ndarray:
        E = np.fft.rfft(np.concatenate([self._e_prev, e]) * self.window)
        Y = np.fft.rfft(np.concatenate([self._y_prev, y]) * self.window)
        self._e_prev, self._y_prev = e, y
        pe, py = E.real ** 2 + E.imag ** 2, Y.real ** 2 + Y.imag ** 2
        if playing:
            self._mean_e += 0.05 * (pe - self._mean_e)
            self._mean_y += 0.05 * (py - self._mean_y)
            de, dy = pe - self._mean_e, py - self._mean_y
            self._pey += 0.02 * (de * dy - self._pey)
            self._pyy += 0.02 * (dy * dy - self._pyy)
            self.leak = np.clip(self._pey / (self._pyy + 1e-12), 0.002, 1.0)
        self._residual = np.maximum(self.leak * py, self.decay * self._residual)
        gain = np.maximum(self.floor, 1.0 - self.beta * self._residual / (pe + 1e-10))
        y_out = np.fft.irfft(E * gain, 2 * self.hop) * self.window
        heard = self._tail + y_out[: self.hop]
        self._tail = y_out[self.hop:]
        return heard
