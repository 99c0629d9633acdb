"""The status bar's indexing part: what is being indexed, done/total, files/s, time left, the device in use
(with a warning when a GPU exists but the CPU is used), and pause/resume."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from core.types import IndexSummary, Progress
from desktop import theme
from desktop.formatting import clock, count_text
from desktop.indexing import IndexingController
from desktop.widgets import ElidedLabel


def progress_text(p: Progress, paused: bool = False) -> str:
    if paused:
        done = "read" if p.phase == "reading" else "indexed"
        return f"Paused · {p.done:,} of {p.total:,} {done}" if p.total else "Paused"
    if p.phase == "scanning":
        return "Looking for new and changed files…" + (f" {p.done:,} found" if p.done else "")
    if p.phase == "saving":
        return "Saving the index…"
    if p.phase == "preparing":
        return "Preparing fast search (once per model)…"
    if p.phase == "done":
        return "Up to date"
    if p.phase == "reading":  # the second, slower pass: text in photos and scanned pages (OCR)
        bits = [f"Reading text in photos {p.done:,} of {p.total:,}"]
        if p.rate_per_s > 0:
            bits.append(f"{p.rate_per_s:.1f}/s")
        if p.eta_s is not None and p.done < p.total:
            bits.append(f"{clock(p.eta_s)} left")
        return " · ".join(bits)
    bits = [f"Indexing {p.done:,} of {p.total:,}"]
    if p.rate_per_s > 0:
        bits.append(f"{p.rate_per_s:.1f} files/s")
    if p.eta_s is not None and p.done < p.total:
        bits.append(f"{clock(p.eta_s)} left")
    if p.current:
        bits.append(os.path.basename(p.current))
    elif p.done == 0:
        bits.append("starting (loading the models)")
    return " · ".join(bits)


def summary_text(summary: IndexSummary) -> str:
    """What the last run did, in a few words ("Indexed 400 new, 3 failed in 1:05, text found in 12 photos");
    "" when it found nothing to do."""
    parts = [f"{n:,} {what}" for n, what in ((summary.added, "new"), (summary.updated, "changed"),
                                             (summary.moved, "moved"), (summary.removed, "removed"),
                                             (summary.failed, "failed")) if n]
    text = f"text found in {count_text(summary.with_text, 'photo')}" if summary.with_text else ""
    if not parts and not text:
        return ""
    took = f"in {clock(summary.seconds)}"
    if not parts:  # only the reading pass had work: photos indexed before, read now
        return f"{'Stopped reading: ' + text if summary.cancelled else text.capitalize()} {took}"
    head = "Stopped after" if summary.cancelled else "Indexed"
    return f"{head} {', '.join(parts)} {took}" + (f", {text}" if text else "")


COUNTED = ("photo", "note", "document", "recording")  # the kinds' order in the tabs
SHOWN_WHEN_NONE = frozenset({"photo", "note", "recording"})  # documents are counted once there are some


def counts_text(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    if not total:
        return "The library is empty"
    parts = [count_text(counts.get(kind, 0), kind) for kind in COUNTED if counts.get(kind, 0) or kind in SHOWN_WHEN_NONE]
    return "Up to date · " + " · ".join(parts)


class IndexingStatus(QWidget):
    failures_requested = Signal()

    def __init__(self, controller: IndexingController, device: str, gpu_unused: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 2, 6, 2)
        lay.setSpacing(10)
        self.message = ElidedLabel("", Qt.TextElideMode.ElideRight)
        self.bar = QProgressBar()
        self.bar.setFixedWidth(140)
        self.bar.setFixedHeight(8)
        self.bar.setTextVisible(False)
        self.bar.hide()
        self.pause_button = QToolButton()
        self.pause_button.setAutoRaise(True)
        self.pause_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.pause_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.pause_button.hide()
        self.failures_button = QToolButton()
        self.failures_button.setObjectName("FailuresButton")
        self.failures_button.setAutoRaise(True)
        self.failures_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.failures_button.setIcon(theme.icon("warning", "#9a6700", 14))
        self.failures_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.failures_button.setToolTip("See which files could not be indexed, and why")
        self.failures_button.hide()
        self.failures_button.clicked.connect(self.failures_requested)
        self.models = QLabel("Loading search models…")
        self.models.setObjectName("ModelsState")
        self.models.setToolTip("Searches typed now run as soon as the models are in memory")
        self.models.hide()
        self.device = QLabel(device)
        self.device.setToolTip("The device that runs the models")
        self.warning = QLabel()
        self.warning.setObjectName("DeviceWarning")
        if gpu_unused:
            self.warning.setText("⚠ A GPU is present but the CPU is in use")
            self.warning.setToolTip("Indexing is slower on the CPU. Check the GPU driver or the device setting.")
        self.warning.setVisible(gpu_unused)
        lay.addWidget(self.message, 1)
        lay.addWidget(self.bar)
        lay.addWidget(self.pause_button)
        lay.addWidget(self.failures_button)
        lay.addWidget(self.warning)
        lay.addWidget(self.models)
        lay.addWidget(self.device)
        self.pause_button.clicked.connect(lambda: controller.set_paused(not controller.paused))
        controller.progress.connect(self.show_progress)
        controller.running_changed.connect(self._running)
        controller.paused_changed.connect(self._paused)
        controller.counts_changed.connect(self.show_counts)
        controller.finished.connect(self._finished)
        self._counts: dict[str, int] | None = None
        self._summary = ""  # what the last run did, shown beside the counts until the next run starts
        controller.failures_changed.connect(self.show_failures)
        controller.failed.connect(lambda exc: self.message.setText(f"Indexing stopped: {exc}"))
        self._paused(controller.paused)

    def set_models_loading(self, loading: bool, error: str | None = None) -> None:
        """Say while the search models load (in the background, at start), or that they could not."""
        if error:
            self.models.setText("Search models failed to load")
            self.models.setToolTip(error)
        self.models.setVisible(loading or bool(error))

    def show_progress(self, p: Progress) -> None:
        self.message.setText(progress_text(p, self.controller.paused))
        self.message.setToolTip(p.current)
        if p.phase in ("indexing", "reading") and p.total:
            self.bar.setRange(0, p.total)
            self.bar.setValue(p.done)
        elif p.phase in ("scanning", "saving", "preparing"):
            self.bar.setRange(0, 0)  # busy
        self.bar.setVisible(p.phase != "done")

    def show_counts(self, counts: dict[str, int]) -> None:
        if not self.controller.running:
            self._counts = counts
            self.message.setText(" · ".join(x for x in (self._summary, counts_text(counts)) if x))
            self.message.setToolTip("")

    def _finished(self, summary: IndexSummary) -> None:
        self._summary = summary_text(summary)
        if self._counts is not None:
            self.show_counts(self._counts)

    def show_failures(self, n: int) -> None:
        self.failures_button.setText(f"{n:,} file{'s' if n != 1 else ''} failed")
        self.failures_button.setVisible(n > 0)

    def _running(self, running: bool) -> None:
        if running:
            self._summary = ""
        self.pause_button.setVisible(running or self.controller.paused)
        self.bar.setVisible(running)
        if running and not self.message.full_text().startswith(("Indexing", "Looking", "Reading")):
            self.message.setText("Looking for new and changed files…")
            self.bar.setRange(0, 0)

    def _paused(self, paused: bool) -> None:
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_button.setIcon(theme.icon("play" if paused else "pause", theme.MUTED, 14))
        self.pause_button.setToolTip("Resume indexing" if paused else "Pause indexing (searching still works)")
        self.pause_button.setVisible(self.controller.running or paused)
        if self.controller.last_progress is not None and self.controller.running:
            self.message.setText(progress_text(self.controller.last_progress, paused))
