"""Transcription speed of the bundled Whisper (faster-whisper ``tiny.en``) on about 45 s of espeak-ng
speech: the real-time factor, processing seconds / audio seconds (lower is better; 0.1 means a minute
of audio takes six seconds). ``WhisperTranscriber.transcribe`` is timed whole, audio decoding included.
The word error rate against the spoken script is reported so a fast but broken model cannot pass."""

from __future__ import annotations

import re
import statistics
import time
from typing import Any

from bench.common import device, rnd, say, temp_dir
from bench.media import SPEECH_TEXT, speech_wav, wav_seconds


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = _words(reference), _words(hypothesis)
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1] / max(1, len(ref))


def run(quick: bool = False) -> dict[str, Any]:
    from core.encoders.speech import WhisperTranscriber

    runs = 1 if quick else 3
    with temp_dir("speech") as tmp:
        wav = speech_wav(tmp / "memo.wav")
        warm = speech_wav(tmp / "warm.wav", "This is a short sentence to warm up the model.")
        audio_s = wav_seconds(wav)
        name = device().split(" ")[0]
        say("transcription: loading Whisper on %s; %.1f s of speech", name, audio_s)
        t0 = time.perf_counter()
        model = WhisperTranscriber(device=name)
        load_s = time.perf_counter() - t0
        model.transcribe(str(warm))
        times, text = [], ""
        for i in range(runs):
            t0 = time.perf_counter()
            segments = model.transcribe(str(wav))
            times.append(time.perf_counter() - t0)
            text = " ".join(s.text for s in segments)
            say("transcription run %d/%d: %.2f s", i + 1, runs, times[-1])
    proc_s = statistics.median(times)
    return {
        "transcription_model": model.model_id,
        "audio_s": rnd(audio_s, 2),
        "transcription_s": rnd(proc_s, 3),
        "transcription_runs_s": [rnd(t) for t in times],
        "transcription_rtf": rnd(proc_s / audio_s, 4),
        "transcription_wer": rnd(word_error_rate(SPEECH_TEXT, text), 4),
        "transcription_model_load_s": rnd(load_s, 2),
    }
