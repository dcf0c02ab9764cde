"""The residual echo suppressor (assistant.residual): the leftover of our own voice goes, the user
stays, and with nothing played the audio passes unchanged."""
from __future__ import annotations

import numpy as np
import pytest

from assistant.residual import ResidualSuppressor

RATE = 16000
FRAME = 480


def _run(rs: ResidualSuppressor, out: np.ndarray, echo: np.ndarray, playing: bool = True) -> np.ndarray:
    return np.concatenate([rs.frame(out[i:i + FRAME], echo[i:i + FRAME], playing)
                           for i in range(0, len(out) - FRAME + 1, FRAME)])


def _db(x: np.ndarray) -> float:
    return 10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-20)


def test_with_nothing_played_the_audio_passes_unchanged_one_hop_late():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(3 * RATE) * 0.1).astype(np.float32)
    rs = ResidualSuppressor()
    heard = _run(rs, x, np.zeros_like(x), playing=False)
    np.testing.assert_allclose(heard[rs.hop:], x[:len(heard) - rs.hop], atol=1e-6)


def test_residual_echo_goes_and_a_user_over_it_stays():
    rng = np.random.default_rng(1)
    n = 5 * RATE
    echo = rng.standard_normal(n)                  # the linear filter's estimate of the echo
    residual = 0.3 * echo                          # what it left: -10 dB of it
    user = np.zeros(n)
    user[3 * RATE:] = rng.standard_normal(2 * RATE) * 0.3 * 10 ** (10 / 20)   # 10 dB over the residual
    rs = ResidualSuppressor()
    heard = _run(rs, residual + user, echo)
    lag = rs.hop
    echo_only = slice(2 * RATE, 3 * RATE - FRAME)
    talked_over = slice(3 * RATE + RATE // 2, 5 * RATE - FRAME)
    # down to the gain floor (-12 dB: deeper cost the user's words on the echo bench)
    assert _db(heard[echo_only.start + lag:echo_only.stop + lag]) < _db(residual[echo_only]) - 10.0
    kept = _db(heard[talked_over.start + lag:talked_over.stop + lag]) - _db(user[talked_over])
    assert kept > -3.0
    # the user's power does not move with the echo estimate: the leak is still the residual's
    assert np.median(rs.leak) == pytest.approx(0.09, rel=0.5)


def test_the_suppressor_takes_whole_hops_only():
    rs = ResidualSuppressor()
    with pytest.raises(ValueError):
        rs.frame(np.zeros(100), np.zeros(100), True)
