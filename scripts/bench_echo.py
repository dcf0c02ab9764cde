#!/usr/bin/env python3
"""Echo cancelling in simulated rooms: does the assistant stay deaf to its own voice and still hear
the user who talks over it?

usage: python scripts/bench_echo.py [--rooms laptop,desk,...] [--ratios -10,0,10] [--per-session 4]
                                    [--backends nlms,webrtc,dtln,off] [--json OUT] [--short]
       (or: assistant bench echo ...)

Far end: our own TTS replies (Kokoro, af_heart). Echo: the reply through a small loudspeaker
(band-limited, soft clipping when driven hard), the output and input buffering, a room impulse
response (pyroomacoustics; scripts/rooms.py: RT60 0.3-0.8 s, loudspeaker 0.1-2 m from the mic) and
a capture clock that drifts against the playback clock, plus the mic's noise. Near end: a question
in another voice (Kokoro's and espeak-ng's) through the same room from where the user sits,
starting at a random moment of the reply, at `--ratios` dB relative to the echo (speech levels).

Each room and ratio is one session: `--per-session` replies in a row on one canceller, alternately
echo only and talked over (the first is echo only). Every backend hears the same scenes; frames go
through the live mode's own parts: EchoCanceller.reference/process, the gate's verdict
(voice_loop.captured), the barge-in rule (voice_loop.BargeInRule), the lookback on a barge-in and the
Endpointer. A barge-in stops the far end (what was handed to the speaker still plays out), as it
stops the reply live. Reported per backend:

* ERLE: mic over cleaned energy on echo-only frames while we play, after each session's first reply;
* false barge-ins: replies during which our own echo interrupted us (the barge-in rule fired before
  the user spoke) or became an utterance of its own (the Endpointer, on gated frames, after the
  reply, cut one that ended before the user spoke): either way the assistant answers itself;
* barge-ins detected: talked-over replies the rule interrupted after the user's onset, and how late;
* the user's words: Whisper (the live path's transcriber) on the utterances the Endpointer handed
  over that overlap the user's speech; WER against the question's text, minus the WER of the same
  near end without any echo (the clean baseline: the room and the noise alone). A missed question
  is all deletions, so a canceller that eats the user fails here.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS.parent))
sys.path.insert(0, str(SCRIPTS))

import rooms  # noqa: E402

RATE = rooms.RATE
TTS_RATE = 24000
ECHO_DB = -22.0      # the echo's speech level at the mic (dBFS): a loud reply
NOISE_DB = -70.0     # the mic's own noise (white; webrtcvad starts calling white noise speech near -60 dBFS)
LEAD_S = 1            # quiet before a session's first reply (the user asked something)
MAX_OPEN_S = 10.0    # an utterance still open after the trial's tail may take this much longer
TAIL_S = 1.6         # after the reply (or the user) ends: the echo's tail, the hangover, the endpoint
DETECT_MS = 500      # a barge-in counts as timely within this long after the user's onset

REPLIES = [
    "Sure. The weather today is sunny with a light breeze, and it should reach twenty degrees by the afternoon.",
    "Your next meeting is at three o'clock with the design team, in the small room on the second floor.",
    "I set a timer for ten minutes. I will let you know when it is done, even if you are in another room.",
    "Paris is the capital of France. It has about two million people in the city itself, and many more around it.",
    "Here is a simple recipe: boil the pasta, then toss it with olive oil, garlic, lemon and a little parmesan.",
    "The moon is about three hundred and eighty thousand kilometres away, and its light takes a second to reach us.",
]
QUESTIONS = [
    "Wait, what time is it in Tokyo?",
    "Stop. Set a timer for five minutes.",
    "No, tell me the weather for tomorrow.",
    "Hold on, who painted the Mona Lisa?",
    "Cancel that and play some music.",
    "Sorry, how far away is the sun?",
]
USER_VOICES = ["am_michael", "bf_emma", "espeak:en-us+m3", "bm_george", "espeak:en+f3"]
BACKENDS = ("nlms", "webrtc", "dtln", "off", "nlms-linear")   # nlms-linear: ours without the residual suppressor


@dataclass
class Trial:
    far24: np.ndarray                 # the reply as the Player hands it over
    near: np.ndarray | None = None    # the user at the mic (room, level), on the trial's mic timeline
    question: str = ""
    onset: int = 0                    # mic sample where the user's words start
    user_end: int = 0


@dataclass
class Session:
    room: rooms.Room
    ratio_db: float
    trials: list[Trial]
    echo_ir: np.ndarray = field(repr=False, default=None)


@dataclass
class TrialResult:
    talked_over: bool
    false_kind: str = ""               # "barge-in": the rule fired on echo; "utterance": echo became one
    detect_ms: float | None = None     # barge-in after the user's onset
    heard: str = ""                    # what the live path transcribed of the user
    wer: float | None = None
    clean_wer: float | None = None
    mic_e: float = 0.0                 # echo-only energy while playing (ERLE's sums)
    out_e: float = 0.0


# ---- scenes -------------------------------------------------------------------------------------
def far16(far24: np.ndarray) -> np.ndarray:
    import soxr

    return soxr.resample(far24, TTS_RATE, RATE).astype(np.float32)


def echo_of(far: np.ndarray, room: rooms.Room, h: np.ndarray, gain: float = 1.0) -> np.ndarray:
    """The reply (16 kHz) as the mic records it: speaker, buffering, room, the capture clock."""
    played = rooms.loudspeaker(far, room.drive, room.band_hz) * gain
    return rooms.drifted(rooms.through_room(rooms.delayed(played, room.latency_ms), h), room.drift_ppm)


def plan(room_list: list[rooms.Room], ratios: list[float], per_session: int, spoken,
         voices: list[str] = USER_VOICES, seed: int = 0) -> list[Session]:
    """The sessions; `spoken(voice, text, rate)` gives a text's audio at `rate`."""
    sessions = []
    for room in room_list:
        # a room's scenes do not depend on which others run (nor on changes to the room itself)
        r_i = next((i for i, r in enumerate(rooms.ROOMS) if r.name == room.name), len(rooms.ROOMS))
        h_echo = rooms.impulse_response(room, room.speaker_mic_m, seed=r_i)
        h_user = rooms.impulse_response(room, room.user_mic_m, seed=100 + r_i)
        for ratio in ratios:
            trials = []
            rng = np.random.default_rng([seed, r_i, int(ratio) + 100])
            for t in range(per_session):
                k = r_i * 7 + int(ratio) // 10 * 3 + t
                far24 = spoken("af_heart", REPLIES[k % len(REPLIES)], TTS_RATE)
                trial = Trial(far24)
                if t % 2:
                    q = QUESTIONS[k % len(QUESTIONS)]
                    voice = voices[k % len(voices)]
                    user = rooms.through_room(spoken(voice, q, RATE), h_user)
                    user = rooms.scaled_to(user, ECHO_DB + ratio)
                    reply_s = len(far24) / TTS_RATE
                    at = int(rng.uniform(0.8, max(0.9, reply_s - 2.0)) * RATE)
                    start = at - rooms.onset(user)
                    if start < 0:
                        user, start = user[-start:], 0
                    trial.near = np.concatenate([np.zeros(start, np.float32), user])
                    trial.question, trial.onset = q, at
                    trial.user_end = start + rooms.end_of_words(user)
                trials.append(trial)
            sessions.append(Session(room, ratio, trials, h_echo))
    return sessions


# ---- the live path, frame by frame -------------------------------------------------------------
class Front:
    """One backend's listening state across a session: canceller, gate, barge-in rule, Endpointer."""

    def __init__(self, backend: str, cfg, dtln_dir=None) -> None:
        from assistant.echo import EchoCanceller
        from assistant.vad import Endpointer
        from assistant.voice_loop import BargeInRule, lookback_frames

        self.backend = backend
        self.frame_len = RATE * cfg.vad.frame_ms // 1000
        self.ec = self.gate = None
        if backend != "off":
            linear = backend == "nlms-linear"
            self.ec = EchoCanceller(RATE, self.frame_len, backend="nlms" if linear else backend,
                                    suppress=not linear, dtln_dir=dtln_dir)
            self.gate = self.ec.speech_gate(cfg.audio.gate_threshold_db)
        self.rule = BargeInRule(cfg.vad, cfg.audio)
        self.endpointer = Endpointer(cfg.vad)
        self.vad = cfg.vad
        self.recent: deque = deque(maxlen=lookback_frames(cfg.vad))
        self.frames, self.seconds = 0, 0.0       # the canceller's and the gate's cost
        # a session starts as a conversation does: the room is quiet before the first reply
        for i in range(LEAD_S * RATE // self.frame_len):
            quiet = rooms.white_noise(self.frame_len, NOISE_DB, seed=i)
            self.endpointer.feed(self.frame(quiet, np.zeros(self.frame_len * TTS_RATE // RATE, np.float32))[0].audio)

    def frame(self, raw: np.ndarray, ref24: np.ndarray):
        """What the capture callback does with one mic frame (voice_loop.mic_frames)."""
        from assistant.voice_loop import captured

        if self.ec is None:
            return captured(raw, raw, 0), raw
        t = time.perf_counter()
        self.ec.reference(ref24, TTS_RATE)                   # (the Player's callback, live)
        clean = self.ec.process(raw)
        frame = captured(raw, clean, 0, self.ec, self.gate)
        self.seconds += time.perf_counter() - t
        self.frames += 1
        return frame, clean


def speaker_block(far24: np.ndarray, pos: float, step: float) -> tuple[np.ndarray, float]:
    """The Player's next block: `step` samples of `far24` from `pos` (fractional, so a drifting clock
    hands over 1 more now and then), silence past its end; and where the next block starts."""
    nxt = pos + step
    block = np.zeros(int(nxt) - int(pos), np.float32)
    piece = far24[int(pos):int(nxt)]
    block[: len(piece)] = piece
    return block, nxt


def run_trial(front: Front, session: Session, trial: Trial) -> tuple[TrialResult, list]:
    """One reply through the live path; returns the result and the utterances the Endpointer cut."""
    from assistant.voice_loop import lookback_audio

    room, F = session.room, front.frame_len
    far = far16(trial.far24)
    echo = echo_of(far, room, session.echo_ir)
    gain = 10 ** ((ECHO_DB - rooms.active_db(echo)) / 20)     # the whole reply's echo at ECHO_DB
    echo *= gain
    playing_until = len(far) + int(room.latency_ms * RATE / 1000)   # the Player drains, then the turn ends
    end = max(len(echo), len(trial.near) if trial.near is not None else 0, playing_until) + int(TAIL_S * RATE)
    n_frames = -(-end // F)
    most = n_frames + int(MAX_OPEN_S * RATE) // F    # a turn still open then: the next reply waits for it

    def mic_from(echo_: np.ndarray) -> np.ndarray:
        m = rooms.white_noise(most * F, NOISE_DB, seed=len(trial.far24))
        m[: min(len(echo_), len(m))] += echo_[: len(m)]
        if trial.near is not None:
            m[: len(trial.near)] += trial.near[: len(m)]
        return m

    mic = mic_from(echo)
    step = F * TTS_RATE / RATE / (1 + room.drift_ppm * 1e-6)   # speaker samples per mic frame
    far24 = trial.far24
    pos = 0.0
    res = TrialResult(talked_over=trial.near is not None)
    replying = True
    utterances = []
    for k in range(most):
        if k >= n_frames and not front.endpointer.in_speech:
            break
        ref, pos = speaker_block(far24, pos, step)
        raw = mic[k * F:(k + 1) * F]
        frame, clean = front.frame(raw, ref)
        front.recent.append(frame)
        t_end = (k + 1) * F                                  # mic sample at the frame's end
        if replying and k * F >= playing_until:
            replying = False
        if replying:
            echo_only = trial.near is None or t_end <= trial.onset
            if echo_only and front.ec is not None and front.ec.playing:
                res.mic_e += float(np.sum(raw.astype(np.float64) ** 2))
                res.out_e += float(np.sum(clean.astype(np.float64) ** 2))
            if not front.rule.feed(frame):
                continue
            replying = False
            if echo_only:
                res.false_kind = "barge-in"
            else:
                res.detect_ms = (t_end - trial.onset) * 1000 / RATE
            # the Player stops: what it already handed over plays out, nothing more
            cut = int(pos * RATE / TTS_RATE)
            far24 = far24[: int(pos)]
            mic_new = mic_from(echo_of(far[:cut], room, session.echo_ir, gain))
            mic[(k + 1) * F:] = mic_new[(k + 1) * F:]
            for heard in lookback_audio(list(front.recent)[:-1], front.vad):
                front.endpointer.feed(heard)                 # their first words start the next utterance
        front.rule.reset()
        utt = front.endpointer.feed(frame.audio if frame.user else np.zeros_like(frame.audio), masked=not frame.user)
        if utt is not None:
            utterances.append((k, utt))
            if trial.near is None or t_end - len(utt.audio) < trial.onset - len(utt.audio) // 2:
                res.false_kind = res.false_kind or "utterance"   # mostly our echo: we would answer ourselves
    return res, utterances


def heard_text(transcribe, utterances: list, trial: Trial, F: int) -> str:
    """Transcripts of the utterances that overlap the user's words (sample spans on the mic timeline)."""
    out = []
    for k, utt in utterances:
        stop = (k + 1) * F
        start = stop - len(utt.audio)
        if stop > trial.onset and start < trial.user_end + RATE:
            out.append(transcribe(utt.audio))
    return " ".join(t for t in out if t)


def wer(reference: str, hypothesis: str) -> float:
    from answer_score import word_errors

    errors, words = word_errors(reference, hypothesis)
    return errors / max(1, words)


# ---- summary --------------------------------------------------------------------------------------
def summarise(results: list[TrialResult], ratio_of: list[float]) -> dict:
    replies = len(results)
    over = [r for r in results if r.talked_over]
    detected = [r.detect_ms for r in over if r.detect_ms is not None]
    timely = [d for d in detected if d <= DETECT_MS]
    mic_e = sum(r.mic_e for r in results)
    out_e = sum(r.out_e for r in results)

    def wer_pts(rs):
        pts = [100 * (r.wer - r.clean_wer) for r in rs if r.wer is not None]
        return round(statistics.mean(pts), 1) if pts else None

    at0 = [r for r, ratio in zip(results, ratio_of) if r.talked_over and ratio == 0]
    return {
        "replies": replies,
        "false_barge_ins": sum(bool(r.false_kind) for r in results),
        "barge_ins": len(over),
        "barge_ins_detected": len(detected),
        "detected_within_500ms": len(timely),
        "median_detect_ms": round(statistics.median(detected)) if detected else None,
        "user_wer_pts": round(100 * statistics.mean([r.wer for r in over]), 1) if over else None,
        "clean_wer_pts": round(100 * statistics.mean([r.clean_wer for r in over]), 1) if over else None,
        "user_wer_over_clean_pts": wer_pts(over),
        "user_wer_over_clean_pts_at_0db": wer_pts(at0),
        "erle_db": round(10 * np.log10(mic_e / out_e), 1) if out_e > 0 else None,
    }


def bench(sessions: list[Session], backends: list[str], cfg, transcribe, progress=lambda it, _d: it,
          dtln_dir=None) -> dict:
    """Every backend over every session; per backend the summary, per room and per ratio too."""
    F = RATE * cfg.vad.frame_ms // 1000
    clean: dict[tuple[int, int], float] = {}
    for s_i, s in enumerate(sessions):
        for t_i, t in enumerate(s.trials):
            if t.near is not None:        # the near end alone: the room and the noise, no echo
                m = t.near + rooms.white_noise(len(t.near), NOISE_DB, seed=len(t.far24))
                clean[s_i, t_i] = wer(t.question, transcribe(m[max(0, t.onset - RATE // 2):]))
    out = {}
    for b in backends:
        results, ratio_of, where = [], [], []
        frames = seconds = 0.0
        for s_i, s in enumerate(progress(sessions, b)):
            front = Front(b, cfg, dtln_dir)
            for t_i, t in enumerate(s.trials):
                res, utts = run_trial(front, s, t)
                if t.near is not None:
                    res.heard = heard_text(transcribe, utts, t, F)
                    res.wer = wer(t.question, res.heard)
                    res.clean_wer = clean[s_i, t_i]
                if t_i == 0:                 # the canceller's first reply: it converges there
                    res.mic_e = res.out_e = 0.0
                results.append(res)
                ratio_of.append(s.ratio_db)
                where.append((s.room.name, s.ratio_db))
            frames, seconds = frames + front.frames, seconds + front.seconds
        summary = summarise(results, ratio_of)
        summary["ms_per_frame"] = round(1000 * seconds / frames, 2) if frames else 0.0
        summary["rooms"] = {}
        for name in dict.fromkeys(w[0] for w in where):
            idx = [i for i, w in enumerate(where) if w[0] == name]
            summary["rooms"][name] = summarise([results[i] for i in idx], [ratio_of[i] for i in idx])
        summary["ratios"] = {}
        for ratio in dict.fromkeys(ratio_of):
            idx = [i for i, r in enumerate(ratio_of) if r == ratio]
            summary["ratios"][f"{ratio:+g} dB"] = summarise([results[i] for i in idx], [ratio] * len(idx))
        trials = [t for s in sessions for t in s.trials]
        summary["trials"] = [
            {"room": w[0], "ratio_db": w[1], "talked_over": r.talked_over, "false_barge_in": r.false_kind or False,
             "detect_ms": None if r.detect_ms is None else round(r.detect_ms), "question": t.question,
             "heard": r.heard, "wer": r.wer, "clean_wer": r.clean_wer}
            for r, t, w in zip(results, trials, where)]
        out[b] = summary
    return out


def print_table(report: dict) -> None:
    cols = ("false_barge_ins", "barge_ins_detected", "detected_within_500ms", "median_detect_ms",
            "user_wer_over_clean_pts", "user_wer_over_clean_pts_at_0db", "erle_db")
    head = ("false", "detected", "<=500ms", "median ms", "WER-clean", "@0dB", "ERLE dB")
    print(f"{'backend / room':<22}" + "".join(f"{h:>11}" for h in head))
    for b, s in report["backends"].items():
        rows = [(b, s)] + [(f"  {n}", r) for n, r in s["rooms"].items()] + [(f"  {n}", r) for n, r in s["ratios"].items()]
        for name, r in rows:
            cells = []
            for c in cols:
                v = r[c]
                if c in ("false_barge_ins",):
                    v = f"{v}/{r['replies']}"
                elif c in ("barge_ins_detected", "detected_within_500ms"):
                    v = f"{v}/{r['barge_ins']}"
                cells.append(f"{'-' if v is None else v:>11}")
            print(f"{name:<22}" + "".join(cells))
    print("cost per 30 ms frame (canceller + gate): "
          + ", ".join(f"{b} {s['ms_per_frame']} ms" for b, s in report["backends"].items() if s["ms_per_frame"]))
    print(f"default (audio.echo_cancel = auto): {report['default']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rooms", default=",".join(r.name for r in rooms.ROOMS))
    ap.add_argument("--ratios", default="-10,0,10", help="user-to-echo ratios, dB (speech levels at the mic)")
    ap.add_argument("--per-session", type=int, default=4, help="replies per room and ratio (every second one talked over)")
    ap.add_argument("--backends", default="nlms,webrtc,off")
    ap.add_argument("--json", type=Path, help="write the report here")
    ap.add_argument("--short", action="store_true", help="one room at 0 dB, two replies: a quick check")
    ap.add_argument("--cache", type=Path, help="where spoken replies and questions are kept")
    ap.add_argument("--seed", type=int, default=0, help="other moments for the users to start talking")
    args = ap.parse_args()

    from answer_voices import Speakers
    from bench_answers import tqdm_bar

    from assistant.asr import Transcriber
    from assistant.config import load
    from assistant import tflite
    from assistant.echo import auto_backend
    from models.store import default_root, default_store

    if args.short:
        args.rooms, args.ratios, args.per_session = "kitchen", "0", 2
    try:
        room_list = [rooms.room_named(n.strip()) for n in args.rooms.split(",") if n.strip()]
    except ValueError as e:
        print(f"bench echo: {e}", file=sys.stderr)
        return 2
    ratios = [float(x) for x in args.ratios.split(",") if x.strip()]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = [b for b in backends if b not in BACKENDS]
    if unknown:
        print(f"bench echo: unknown backend {unknown[0]!r}; backends: {', '.join(BACKENDS)}", file=sys.stderr)
        return 2
    if "webrtc" in backends and not _has_webrtc():
        print("bench echo: pywebrtc-audio is not installed: the webrtc backend is skipped", file=sys.stderr)
        backends.remove("webrtc")
    if "dtln" in backends and not tflite.available():
        print("bench echo: pyopen-wakeword (whose TFLite library runs DTLN-aec) is not installed: "
              "the dtln backend is skipped", file=sys.stderr)
        backends.remove("dtln")
    try:
        import jiwer  # noqa: F401
        import pyroomacoustics  # noqa: F401
    except ImportError as e:
        print(f"bench echo needs {e.name} (the test extra: pip install -e '.[test]'; pyroomacoustics has no "
              "wheel for Linux on ARM, where pip builds it from source with a C++ compiler)", file=sys.stderr)
        return 2

    t0 = time.perf_counter()
    cfg = load()
    store = default_store()
    speakers = Speakers.for_bench(cfg, store, args.cache or default_root().parent / "bench-echo")
    spoken = speakers.audio
    sessions = plan(room_list, ratios, args.per_session, spoken, speakers.usable(USER_VOICES), args.seed)
    asr = Transcriber(store.dir(cfg.models.asr), cfg.asr)
    print(f"{len(sessions)} sessions ({len(room_list)} rooms x {len(ratios)} ratios), "
          f"{sum(len(s.trials) for s in sessions)} replies; scenes ready in {time.perf_counter() - t0:.0f} s",
          file=sys.stderr)
    report = {
        "simulation": "rooms simulated with pyroomacoustics (scripts/rooms.py); far end and users are TTS",
        "rooms": {s.room.name: {"rt60_s": s.room.rt60_s, "rt60_measured_s": round(rooms.rt60_of(s.echo_ir), 2),
                                "speaker_mic_m": s.room.speaker_mic_m, "user_mic_m": s.room.user_mic_m,
                                "drive": s.room.drive, "drift_ppm": s.room.drift_ppm,
                                "latency_ms": s.room.latency_ms} for s in sessions},
        "ratios_db": ratios,
        "seed": args.seed,
        "default": auto_backend(),
        "backends": bench(sessions, backends, cfg, asr.transcribe, tqdm_bar,
                          store.dir(cfg.models.echo) if "dtln" in backends else None),
        "seconds": 0.0,
    }
    report["seconds"] = round(time.perf_counter() - t0, 1)
    print_table(report)
    print(f"{report['seconds']:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


def _has_webrtc() -> bool:
    try:
        import pywebrtc_audio  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
