"""The room dev set for speech recognition: questions spoken by espeak-ng and Kokoro voices, heard
from across a simulated room, over noise, too quiet or clipped.

    scenes = dev_set(spoken, voices, conditions=CONDITIONS)   # list[Scene], seeded: same every run

Each scene is what a microphone records of one question: quiet (the mic's own noise) before and after
the words, the words through the room from where the user sits (scripts/rooms.py: pyroomacoustics,
RT60 0.3-0.8 s, 0.6-2 m), and the condition's noise over the whole recording. SNR is the speech's
level (its active 10 ms blocks) over the noise's mean power. Nothing is written into the repository:
the spoken questions are cached by `answer_voices.Speakers`; the scenes are rebuilt in memory (a few
seconds).

Noises: white (a mic preamp), babble (four other voices saying other things at once, a room of
people or a TV), hum (a fan: a 50 Hz motor line and its harmonics over low-passed noise).
Levels: "quiet" is a speaker far off or a mic gain set low (-45 dBFS speech), "clipped" a mic
gain set far too high (the words driven 12 dB past full scale and cut there).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

import rooms

RATE = rooms.RATE
SPEECH_DB = -26.0   # the words' level at the mic in a normal scene (dBFS, active blocks)
MIC_NOISE_DB = -70.0
LEAD_S, TAIL_S = 0.5, 1.5  # recording around the spoken clip (which has its own 0.3 s / 0.8 s)

QUESTIONS = [
    "What time is it?",
    "How many legs does a spider have?",
    "Who painted the Mona Lisa?",
    "What is the capital of Japan?",
    "Set a timer for ten minutes.",
    "What is twelve times eleven?",
    "How many centimeters are in two meters?",
    "What is the weather like tomorrow morning?",
    "Convert five miles to kilometers.",
    "Who wrote Romeo and Juliet?",
    "What is the largest ocean on Earth?",
    "Cancel the timer.",
    "Can you recommend a good book for a long train journey?",
    "What is one hundred degrees Fahrenheit in Celsius?",
    "How far away is the moon?",
    "Tell me something interesting about octopuses.",
    "What should I cook for dinner tonight?",
    "Which planet is known as the red planet?",
    "What is fifteen percent of eighty?",
    "Remind me, what day is it today?",
    "How do you make a cup of green tea?",
    "What gas do plants take in from the air?",
    "Play some quiet music in the kitchen, please.",
    "Why is the sky blue during the day?",
]
# Other voices saying other things: the babble. Not the question's voice, not the question's words.
BABBLE_LINES = [
    "and then we drove all the way down to the coast before the rain started",
    "I think the meeting moved to Thursday but nobody told the others",
    "the recipe says two cups of flour and a pinch of salt",
    "she said the train was late again this morning because of the snow",
]
VOICES = ["espeak:en-us+m3", "af_bella", "espeak:en+f3", "am_michael", "espeak:en-us+m7", "bf_emma"]
BABBLE_VOICES = ["af_sarah", "bm_george", "espeak:en+m2", "af_nicole"]


@dataclass(frozen=True)
class Condition:
    name: str
    room: bool = True               # through a room (else the dry words: the clean reference)
    noise: str | None = None        # white | babble | hum
    snr_db: float | None = None
    speech_db: float = SPEECH_DB
    clip_db: float | None = None    # the words driven this far past full scale, then cut at +-1


CONDITIONS = [
    Condition("clean", room=False),
    Condition("room"),
    Condition("white-20", noise="white", snr_db=20),
    Condition("white-10", noise="white", snr_db=10),
    Condition("white-5", noise="white", snr_db=5),
    Condition("babble-20", noise="babble", snr_db=20),
    Condition("babble-10", noise="babble", snr_db=10),
    Condition("babble-5", noise="babble", snr_db=5),
    Condition("hum-10", noise="hum", snr_db=10),
    Condition("hum-5", noise="hum", snr_db=5),
    Condition("quiet", noise="white", snr_db=20, speech_db=-45.0),
    Condition("clipped", clip_db=12.0),
]


def condition_named(name: str) -> Condition:
    for c in CONDITIONS:
        if c.name == name:
            return c
    raise ValueError(f"no condition {name!r}; conditions: {', '.join(c.name for c in CONDITIONS)}")


@dataclass(frozen=True)
class Scene:
    condition: str
    room: str
    voice: str
    text: str
    audio: np.ndarray      # 16 kHz float32, the whole recording
    words_start_s: float   # where the words begin in `audio`


def hum(n: int, seed: int) -> np.ndarray:
    """A fan: a 50 Hz line with its harmonics, falling 6 dB each, over noise low-passed at 800 Hz."""
    from scipy.signal import butter, sosfilt

    t = np.arange(n) / RATE
    rng = np.random.default_rng(seed)
    lines = sum(0.5 ** k * np.sin(2 * np.pi * 50 * (k + 1) * t + rng.uniform(0, 2 * np.pi)) for k in range(6))
    rumble = sosfilt(butter(2, 800, fs=RATE, output="sos"), rng.standard_normal(n))
    x = lines / np.sqrt(np.mean(lines ** 2)) + 2.0 * rumble / np.sqrt(np.mean(rumble ** 2))
    return x.astype(np.float32)


def babble(n: int, talkers: list[np.ndarray], seed: int) -> np.ndarray:
    """Other voices at once, each looped from a seeded offset to fill `n` samples, at equal levels."""
    rng = np.random.default_rng(seed)
    out = np.zeros(n, np.float32)
    for x in talkers:
        x = rooms.scaled_to(x, -30.0)
        loop = np.tile(x, -(-n // len(x)) + 1)
        start = int(rng.integers(0, len(x)))
        out += loop[start:start + n]
    return out


def noise_of(kind: str, n: int, talkers: list[np.ndarray], seed: int) -> np.ndarray:
    if kind == "white":
        return rooms.white_noise(n, 0.0, seed)
    if kind == "babble":
        return babble(n, talkers, seed)
    if kind == "hum":
        return hum(n, seed)
    raise ValueError(f"no noise {kind!r}: white | babble | hum")


def scene(cond: Condition, words: np.ndarray, room: rooms.Room, talkers: list[np.ndarray], seed: int) -> np.ndarray:
    """What the mic records of `words` (16 kHz, the spoken clip with its own quiet around it)."""
    x = words
    if cond.room:
        x = rooms.through_room(x, rooms.impulse_response(room, room.user_mic_m, seed=seed))
    x = np.concatenate([np.zeros(int(LEAD_S * RATE), np.float32), x, np.zeros(int(TAIL_S * RATE), np.float32)])
    x = rooms.scaled_to(x, cond.speech_db)
    if cond.noise:
        noise = noise_of(cond.noise, len(x), talkers, seed)
        noise_db = 10 * np.log10(np.mean(np.square(noise.astype(np.float64))) + 1e-20)
        x = x + noise * np.float32(10 ** ((cond.speech_db - cond.snr_db - noise_db) / 20))
    x = x + rooms.white_noise(len(x), MIC_NOISE_DB, seed + 1)
    if cond.clip_db is not None:
        x = np.clip(x * np.float32(10 ** (cond.clip_db / 20) / np.max(np.abs(x))), -1.0, 1.0)
    return np.clip(x, -1.0, 1.0).astype(np.float32)


def dev_set(spoken: Callable[[str, str], np.ndarray], voices: list[str], babble_voices: list[str],
            conditions: list[Condition] = CONDITIONS, questions: list[str] = QUESTIONS) -> list[Scene]:
    """Every question in every condition; question i is spoken by voice i (round robin) from room
    i (round robin over scripts/rooms.py's five). `spoken(voice, text)` gives 16 kHz samples."""
    talkers = [spoken(v, line) for v, line in zip(babble_voices, BABBLE_LINES)]
    clips = [spoken(voices[i % len(voices)], q) for i, q in enumerate(questions)]
    out = []
    for ci, cond in enumerate(conditions):
        for i, (q, words) in enumerate(zip(questions, clips)):
            room = rooms.ROOMS[i % len(rooms.ROOMS)]
            audio = scene(cond, words, room, talkers, seed=1000 * ci + i)
            out.append(Scene(cond.name, room.name if cond.room else "-", voices[i % len(voices)], q, audio,
                             LEAD_S + rooms.onset(words) / RATE))
    return out
