"""Speak a query: record from the default microphone (16 kHz mono, what Whisper wants) with a level meter
and a stop button; the recording is saved as a temporary WAV and searched like a voice file."""

from __future__ import annotations

import logging
import math
import time
import wave
from array import array
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QIODevice, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtMultimedia import QAudioFormat, QAudioSource, QMediaDevices
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from desktop import theme
from desktop.formatting import clock

log = logging.getLogger(__name__)

RATE = 16000
MAX_SECONDS = 60


def level_of(pcm: bytes) -> float:
    """Loudness of 16-bit PCM as 0..1 on a log scale (-60 dBFS..0), for the meter."""
    samples = array("h", pcm[: len(pcm) - len(pcm) % 2])
    if not samples:
        return 0.0
    rms = math.sqrt(sum(s * s for s in samples) / len(samples)) / 32768.0
    if rms <= 1e-6:
        return 0.0
    return max(0.0, min(1.0, 1.0 + 20 * math.log10(rms) / 60.0))


def write_wav(path: Path, pcm: bytes, rate: int = RATE) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return path


class RecordDialog(QDialog):
    """Records until Stop (or MAX_SECONDS); ``recorded(path)`` then carries the WAV file."""

    recorded = Signal(str)

    def __init__(self, new_path: Callable[[str], Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.new_path = new_path  # where to save the recording (the window's temporary folder)
        self.setWindowTitle("Search by voice")
        self.setModal(True)
        self.setMinimumWidth(360)
        lay = QVBoxLayout(self)
        self.prompt = QLabel("Listening… say what you are looking for.")
        self.meter = QProgressBar()
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(False)
        self.meter.setFixedHeight(10)
        self.elapsed = QLabel("0:00")
        self.elapsed.setObjectName("PreviewCaption")
        row = QHBoxLayout()
        self.stop_button = QPushButton("Stop and search")
        self.stop_button.setProperty("primary", True)
        self.stop_button.setIcon(theme.icon("stop", "#ffffff", 14))
        cancel = QPushButton("Cancel")
        row.addWidget(self.elapsed)
        row.addStretch(1)
        row.addWidget(cancel)
        row.addWidget(self.stop_button)
        lay.addWidget(self.prompt)
        lay.addWidget(self.meter)
        lay.addLayout(row)
        self.stop_button.clicked.connect(self.stop)
        cancel.clicked.connect(self.reject)
        self._pcm = bytearray()
        self._source: QAudioSource | None = None
        self._io: QIODevice | None = None
        self._t0 = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self._tick)

    def start(self) -> bool:
        device = QMediaDevices.defaultAudioInput()
        if device.isNull():
            self.prompt.setText("No microphone found. Use “Search by voice file…” instead.")
            self.stop_button.setEnabled(False)
            return False
        fmt = QAudioFormat()
        fmt.setSampleRate(RATE)
        fmt.setChannelCount(1)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        if not device.isFormatSupported(fmt):
            fmt = device.preferredFormat()  # Whisper's decoder resamples whatever we get
        self._format = fmt
        self._source = QAudioSource(device, fmt, self)
        self._io = self._source.start()
        if self._io is None:
            self.prompt.setText("The microphone could not be opened.")
            return False
        self._io.readyRead.connect(self._read)
        self._t0 = time.monotonic()
        self._timer.start()
        return True

    def _read(self) -> None:
        if self._io is None:
            return
        chunk = bytes(self._io.readAll().data())
        if self._format.sampleFormat() == QAudioFormat.SampleFormat.Int16 and self._format.channelCount() == 1:
            self._pcm.extend(chunk)
            self.meter.setValue(int(level_of(chunk) * 100))

    def _tick(self) -> None:
        seconds = time.monotonic() - self._t0
        self.elapsed.setText(clock(seconds))
        if seconds >= MAX_SECONDS:
            self.stop()

    def _halt(self) -> None:
        self._timer.stop()
        if self._source is not None:
            self._source.stop()
            self._source = None
            self._io = None

    def stop(self) -> None:
        self._halt()
        if not self._pcm:
            self.prompt.setText("Nothing was recorded. Check the microphone, or use a voice file.")
            return
        path = self.new_path(".wav")
        write_wav(path, bytes(self._pcm), self._format.sampleRate())
        self.accept()
        self.recorded.emit(str(path))

    def reject(self) -> None:
        self._halt()
        super().reject()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Space or Enter stops, like a recorder's button
        if event.key() in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.stop()
            return
        super().keyPressEvent(event)
