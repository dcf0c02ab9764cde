"""Speech to text with faster-whisper (CTranslate2)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.config import AsrConfig


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str


class Transcriber:
    def __init__(self, model_dir: Path, cfg: AsrConfig) -> None:
        from faster_whisper import WhisperModel

        self.cfg = cfg
        self.model = WhisperModel(str(model_dir), device="cpu", compute_type=cfg.compute_type,
                                  cpu_threads=cfg.threads)

    def segments(self, audio16k: np.ndarray) -> list[Segment]:
        segs, _info = self.model.transcribe(
            audio16k.astype(np.float32), language=self.cfg.language, beam_size=self.cfg.beam_size,
            vad_filter=False, condition_on_previous_text=False, without_timestamps=False)
        return [Segment(s.start, s.end, s.text.strip()) for s in segs]

    def transcribe(self, audio16k: np.ndarray) -> str:
        return " ".join(s.text for s in self.segments(audio16k) if s.text).strip()

    def warm_up(self) -> None:
        self.transcribe(np.zeros(16000, dtype=np.float32))
