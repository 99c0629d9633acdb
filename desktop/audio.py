"""Sound devices and playback, all optional: without an output device the player is off (and says so);
without an input device the microphone button is off. The media player is created on first use, so
machines (and tests) without audio never touch the backend beyond asking which devices exist."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer

log = logging.getLogger(__name__)


def has_audio_output() -> bool:
    return bool(QMediaDevices.audioOutputs())


def has_audio_input() -> bool:
    return bool(QMediaDevices.audioInputs())


class SegmentPlayer(QObject):
    """Plays a recording from a given second. ``available`` is False without an output device."""

    playing_changed = Signal(bool)
    position_changed = Signal(float)  # seconds

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.available = has_audio_output()
        self._player: QMediaPlayer | None = None
        self._source: str | None = None
        self._pending_s: float | None = None

    def _ensure(self) -> QMediaPlayer:
        if self._player is None:
            player = QMediaPlayer(self)
            player.setAudioOutput(QAudioOutput(player))
            player.mediaStatusChanged.connect(self._status)
            player.playbackStateChanged.connect(
                lambda state: self.playing_changed.emit(state == QMediaPlayer.PlaybackState.PlayingState))
            player.positionChanged.connect(lambda ms: self.position_changed.emit(ms / 1000.0))
            player.errorOccurred.connect(lambda _e, text: log.warning("playback failed: %s", text))
            self._player = player
        return self._player

    def play_from(self, path: str, start_s: float) -> None:
        if not self.available:
            return
        player = self._ensure()
        if path != self._source:
            self._source = path
            self._pending_s = start_s
            player.setSource(QUrl.fromLocalFile(path))
            return  # starts once loaded (see _status)
        player.setPosition(int(start_s * 1000))
        player.play()

    def toggle(self) -> None:
        if self._player is None:
            return
        if self._player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self._player.pause()
        else:
            self._player.play()

    def stop(self) -> None:
        if self._player is not None:
            self._player.stop()

    def _status(self, status: QMediaPlayer.MediaStatus) -> None:
        if self._player is None:
            return
        if status == QMediaPlayer.MediaStatus.LoadedMedia and self._pending_s is not None:
            self._player.setPosition(int(self._pending_s * 1000))
            self._pending_s = None
            self._player.play()
