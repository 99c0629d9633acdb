"""Colours, icons and the style sheet: one place for how the app looks."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

import resources
from core.types import Kind

ICONS = resources.icons_dir()
SAMPLE_LIBRARY = resources.sample_library()

ACCENT = "#2f6fde"
TEXT = "#1f2328"
MUTED = "#656d76"
FAINT = "#8c959f"
BORDER = "#d0d7de"
SURFACE = "#ffffff"
WINDOW = "#f6f8fa"
DISABLED = "#c4cbd3"  # the ink of a disabled button's icon: clearly dimmer than MUTED on SURFACE (1.7:1 vs 5.4:1)
ERROR = "#cf222e"
WARNING = "#9a6700"
HIGHLIGHT = "#fff4c2"  # a matched passage, or a segment of the matched window
HIGHLIGHT_SENTENCE = "#ffe680"  # its best sentence or segment
HIGHLIGHT_STRONG = "#ffc933"  # a word of the query inside it

KIND_COLOR = {Kind.PHOTO: "#2f80ed", Kind.NOTE: "#d98a00", Kind.DOCUMENT: "#1a7f5a", Kind.RECORDING: "#8a4fd8"}
KIND_TINT = {Kind.PHOTO: "#e8f1fd", Kind.NOTE: "#fdf3e0", Kind.DOCUMENT: "#e3f4ec", Kind.RECORDING: "#f2eafc"}
KIND_LABEL = {Kind.PHOTO: "Photo", Kind.NOTE: "Note", Kind.DOCUMENT: "Document", Kind.RECORDING: "Recording"}
KIND_ICON = {Kind.PHOTO: "photo", Kind.NOTE: "note", Kind.DOCUMENT: "document", Kind.RECORDING: "recording"}
TEXT_BOX = "#ffc933"  # the outline around a line of text read in a photo that holds a query word

_SVG_INK = "#1f2328"  # the stroke colour the SVG files are drawn with; replaced to tint them


@cache
def pixmap(name: str, color: str = TEXT, size: int = 20, ratio: float = 2.0) -> QPixmap:
    svg = (ICONS / f"{name}.svg").read_text(encoding="utf-8").replace(_SVG_INK, color)
    renderer = QSvgRenderer(QByteArray(svg.encode()))
    edge = round(size * ratio)
    pm = QPixmap(edge, edge)
    pm.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pm)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, edge, edge))
    painter.end()
    pm.setDevicePixelRatio(ratio)
    return pm


@cache
def icon(name: str, color: str = TEXT, size: int = 20) -> QIcon:
    ic = QIcon()
    ic.addPixmap(pixmap(name, color, size), QIcon.Mode.Normal)
    ic.addPixmap(pixmap(name, DISABLED, size), QIcon.Mode.Disabled)
    return ic


def app_icon() -> QIcon:
    ic = QIcon()
    for edge in (16, 32, 64, 128, 256):
        ic.addPixmap(pixmap("trove", "#000000", edge, 1.0))
    return ic


ICON_SIZE = QSize(18, 18)

CHEVRON = (ICONS / "chevron-down.svg").as_posix()

STYLE = f"""
QMainWindow, #SearchPage {{ background: {SURFACE}; }}
#TopBar {{ background: {WINDOW}; border-bottom: 1px solid {BORDER}; }}
#SearchBox {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 10px; }}
#SearchBox[focused="true"] {{ border: 2px solid {ACCENT}; }}
#SearchField {{ border: none; background: transparent; font-size: 16px; padding: 6px 2px;
               selection-background-color: {ACCENT}; }}
#SearchBox QToolButton {{ border: none; border-radius: 6px; padding: 4px; }}
#SearchBox QToolButton:hover {{ background: #eef1f4; }}
#SearchBox QToolButton:disabled {{ background: transparent; border: 1px dashed {BORDER}; padding: 3px; }}
#Chip {{ background: #e8f0fe; border: 1px solid #c6d7f9; border-radius: 12px; }}
#Chip QLabel {{ color: {TEXT}; }}
#Chip QToolButton {{ border: none; padding: 1px; border-radius: 8px; }}
#Chip QToolButton:hover {{ background: #c6d7f9; }}
#KindFilter QToolButton {{ border: 1px solid transparent; border-radius: 12px; padding: 3px 7px;
                          color: {MUTED}; }}
#KindFilter QToolButton:hover {{ background: #eaeef2; }}
#KindFilter QToolButton:checked {{ background: {SURFACE}; border: 1px solid {BORDER}; color: {TEXT};
                                  font-weight: 600; }}
#FolderFilter, #DateFilter, #SortOrder {{ border: 1px solid {BORDER}; border-radius: 12px; padding: 2px 8px 2px 12px;
                              background: {SURFACE}; color: {TEXT}; }}
#FolderFilter:hover, #DateFilter:hover, #SortOrder:hover {{ background: #eaeef2; }}
#FolderFilter::drop-down, #DateFilter::drop-down, #SortOrder::drop-down {{ border: none; width: 18px; }}
#FolderFilter::down-arrow, #DateFilter::down-arrow, #SortOrder::down-arrow {{ image: url({CHEVRON}); width: 12px; height: 12px; }}
#ResultCount {{ color: {MUTED}; }}
#SettingsButton {{ border: none; border-radius: 6px; padding: 3px; }}
#SettingsButton:hover {{ background: #eaeef2; }}
#ViewSwitch QToolButton {{ border: 1px solid transparent; border-radius: 6px; padding: 3px; }}
#ViewSwitch QToolButton:hover {{ background: #eaeef2; }}
#ViewSwitch QToolButton:checked {{ background: {SURFACE}; border: 1px solid {BORDER}; }}
#ZoomView {{ background: #1f2328; border: none; }}
#Results {{ border: none; background: {SURFACE}; outline: none; }}
#EmptyState {{ color: {MUTED}; font-size: 15px; }}
#Preview {{ background: {WINDOW}; border-left: 1px solid {BORDER}; }}
#PreviewTitle {{ font-size: 16px; font-weight: 600; color: {TEXT}; }}
#PreviewFolder, #PreviewCaption {{ color: {MUTED}; }}
#DocumentInfo {{ color: {TEXT}; }}
#PreviewInfo QLabel {{ color: {TEXT}; }}
#PreviewInfo QLabel[role="key"] {{ color: {MUTED}; }}
#NoteText, #Segments, #PhotoText {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 8px;
                        padding: 6px; }}
#Banner {{ background: #fff8e1; border-bottom: 1px solid #f0d98c; }}
#Banner[error="true"] {{ background: #ffebe9; border-bottom: 1px solid #ffb8b0; }}
#Banner QLabel {{ color: {TEXT}; }}
#Welcome {{ background: {SURFACE}; }}
#WelcomeTitle {{ font-size: 24px; font-weight: 600; color: {TEXT}; }}
#WelcomeText {{ color: {MUTED}; font-size: 14px; }}
QPushButton[primary="true"] {{ background: {ACCENT}; color: white; border: 1px solid {ACCENT};
                               border-radius: 6px; padding: 6px 14px; font-weight: 600; }}
QPushButton[primary="true"]:disabled {{ background: #9db7ea; border-color: #9db7ea; }}
QPushButton[secondary="true"] {{ background: {SURFACE}; color: {TEXT}; border: 1px solid {BORDER};
                                 border-radius: 6px; padding: 6px 14px; }}
QPushButton[secondary="true"]:hover {{ background: #f3f4f6; }}
QStatusBar {{ background: {WINDOW}; border-top: 1px solid {BORDER}; color: {MUTED}; }}
QStatusBar QLabel {{ color: {MUTED}; }}
#DeviceWarning {{ color: {WARNING}; }}
#FieldError {{ color: {ERROR}; }}
#FailureDetail {{ background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 6px; padding: 6px; color: {TEXT}; }}
#FailureDetail:disabled {{ color: {MUTED}; }}
#RetryStatus {{ color: {TEXT}; }}
#RetryStatus[busy="true"] {{ color: {ACCENT}; }}
#TestWeights {{ color: {WARNING}; }}
#SettingsHint {{ color: {TEXT}; }}
#DropOverlay {{ background: rgba(47, 111, 222, 28); border: 2px dashed {ACCENT}; border-radius: 12px;
                color: {ACCENT}; font-size: 18px; font-weight: 600; }}
"""


def apply(app: QApplication) -> None:
    """Fusion with a light palette: the same look on every platform (and in screenshots)."""
    app.setStyle("Fusion")
    pal = QPalette()
    pal.setColor(QPalette.ColorRole.Window, QColor(WINDOW))
    pal.setColor(QPalette.ColorRole.WindowText, QColor(TEXT))
    pal.setColor(QPalette.ColorRole.Base, QColor(SURFACE))
    pal.setColor(QPalette.ColorRole.AlternateBase, QColor(WINDOW))
    pal.setColor(QPalette.ColorRole.Text, QColor(TEXT))
    pal.setColor(QPalette.ColorRole.Button, QColor(SURFACE))
    pal.setColor(QPalette.ColorRole.ButtonText, QColor(TEXT))
    pal.setColor(QPalette.ColorRole.Highlight, QColor(ACCENT))
    pal.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    pal.setColor(QPalette.ColorRole.ToolTipBase, QColor(SURFACE))
    pal.setColor(QPalette.ColorRole.ToolTipText, QColor(TEXT))
    pal.setColor(QPalette.ColorRole.PlaceholderText, QColor(FAINT))
    pal.setColor(QPalette.ColorRole.Link, QColor(ACCENT))
    app.setPalette(pal)
    app.setStyleSheet(STYLE)
