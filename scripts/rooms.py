"""Simulated acoustic paths for the benches: rooms, a small loudspeaker, two audio clocks, noise.

    room = ROOMS[0]
    h = impulse_response(room, room.speaker_mic_m)      # loudspeaker -> mic, 16 kHz
    echo = through_room(loudspeaker(far, room.drive, room.band_hz), h)

Room impulse responses come from pyroomacoustics' image-source method in a shoebox whose wall
absorption is set by Sabine's formula for the room's RT60 (pyroomacoustics' `inverse_sabine`);
positions are seeded, so every run builds the same rooms. The loudspeaker is what a laptop or a
board has: no bass, little treble, and it compresses (tanh) when driven hard. The mic's clock
runs `drift_ppm` away from the speaker's (two devices, or one device's two converters).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RATE = 16000


@dataclass(frozen=True)
class Room:
    name: str
    dims_m: tuple[float, float, float]
    rt60_s: float
    speaker_mic_m: float          # our loudspeaker to the mic
    user_mic_m: float             # the user's mouth to the mic
    drive: float                  # loudspeaker drive: ~0.5 is linear, 2+ compresses audibly
    band_hz: tuple[float, float]  # what the loudspeaker reproduces
    drift_ppm: float              # capture clock against playback clock
    latency_ms: float             # output + input buffering before the air path (PortAudio's
                                  # default high latencies: 80-85 ms through PulseAudio here)


ROOMS = (
    Room("laptop", (4.0, 3.5, 2.7), 0.3, 0.10, 0.6, 2.5, (300, 7000), +60, 70),
    Room("desk", (4.5, 3.5, 2.7), 0.4, 0.5, 0.8, 1.0, (150, 7500), -100, 90),
    Room("kitchen", (5.0, 4.0, 2.6), 0.5, 0.3, 1.5, 1.5, (200, 7000), +100, 80),
    Room("living", (6.0, 5.0, 2.8), 0.6, 1.0, 2.0, 1.0, (120, 7500), -60, 120),
    Room("hall", (8.0, 6.0, 3.2), 0.8, 2.0, 1.5, 2.0, (150, 7500), +100, 100),
)


def room_named(name: str) -> Room:
    for r in ROOMS:
        if r.name == name:
            return r
    raise ValueError(f"no room {name!r}; rooms: {', '.join(r.name for r in ROOMS)}")


def _place(dims: np.ndarray, mic: np.ndarray, distance: float, rng: np.random.Generator) -> np.ndarray:
    """A point `distance` from the mic, at least 0.3 m from every wall, in a seeded direction."""
    for _ in range(1000):
        az = rng.uniform(0, 2 * np.pi)
        el = rng.uniform(-0.3, 0.3)
        p = mic + distance * np.array([np.cos(az) * np.cos(el), np.sin(az) * np.cos(el), np.sin(el)])
        if np.all(p > 0.3) and np.all(p < dims - 0.3):
            return p
    raise ValueError(f"no place {distance} m from the mic in a {dims.tolist()} m room")


def impulse_response(room: Room, distance_m: float, seed: int = 0) -> np.ndarray:
    """Impulse response from a point `distance_m` from the mic to the mic (16 kHz, direct path
    included, its propagation delay kept)."""
    import pyroomacoustics as pra

    dims = np.array(room.dims_m)
    rng = np.random.default_rng(seed)
    mic = np.array([dims[0] * 0.4, dims[1] * 0.5, 1.0])
    src = _place(dims, mic, distance_m, rng)
    absorption, max_order = pra.inverse_sabine(room.rt60_s, dims)
    shoebox = pra.ShoeBox(dims, fs=RATE, materials=pra.Material(absorption), max_order=max_order)
    shoebox.add_source(src)
    shoebox.add_microphone(mic)
    shoebox.compute_rir()
    return np.asarray(shoebox.rir[0][0], np.float32)


def rt60_of(h: np.ndarray) -> float:
    """The reverberation time of an impulse response (Schroeder's backward integration, T30)."""
    import pyroomacoustics as pra

    return float(pra.experimental.measure_rt60(h, fs=RATE))


def loudspeaker(x: np.ndarray, drive: float, band_hz: tuple[float, float]) -> np.ndarray:
    """A small loudspeaker: band-limited (4th-order Butterworth) and softly clipped: the peak
    driven to tanh(drive), then scaled back so a linear speaker (small drive) keeps the level."""
    from scipy.signal import butter, sosfilt

    sos = butter(2, band_hz, btype="bandpass", fs=RATE, output="sos")
    y = sosfilt(sos, x.astype(np.float64))
    peak = float(np.max(np.abs(y))) or 1.0
    return (np.tanh(drive * y / peak) * peak / drive).astype(np.float32)


def through_room(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    from scipy.signal import fftconvolve

    return fftconvolve(x, h).astype(np.float32)


def drifted(x: np.ndarray, ppm: float) -> np.ndarray:
    """`x` as a clock `ppm` fast records it (more samples per second of sound)."""
    import soxr

    if not ppm:
        return x
    return soxr.resample(x, RATE, RATE * (1 + ppm * 1e-6), quality="VHQ").astype(np.float32)


def delayed(x: np.ndarray, ms: float) -> np.ndarray:
    return np.concatenate([np.zeros(int(round(ms * RATE / 1000)), np.float32), x])


def _block_powers(x: np.ndarray, block: int = 160) -> np.ndarray:
    """Mean power of each whole 10 ms block."""
    n = len(x) // block * block
    return np.mean(np.square(x[:n].astype(np.float64)).reshape(-1, block), axis=1)


def active_db(x: np.ndarray) -> float:
    """Level of the speech in `x` (dBFS): the mean power of its 10 ms blocks within 30 dB of the
    loudest, so pauses and silence around the words do not count."""
    p = _block_powers(x)
    if len(p) == 0:
        return -120.0
    return float(10 * np.log10(np.mean(p[p > p.max() * 1e-3]) + 1e-20))


def scaled_to(x: np.ndarray, db: float) -> np.ndarray:
    return (x * 10 ** ((db - active_db(x)) / 20)).astype(np.float32)


def onset(x: np.ndarray) -> int:
    """First sample of the first 10 ms block within 30 dB of the loudest: where the words start."""
    p = _block_powers(x)
    return int(np.argmax(p > p.max() * 1e-3)) * 160


def end_of_words(x: np.ndarray) -> int:
    """Just past the last 10 ms block within 30 dB of the loudest: where the words end."""
    return len(x) - onset(x[::-1].copy())


def white_noise(n: int, db: float, seed: int) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(n) * 10 ** (db / 20)).astype(np.float32)
