"""The query bar: one search field (typing searches after a pause, Enter searches now, Esc clears), the
query image or "more like this" file as a removable chip inside it, buttons for image and voice queries,
the kind, folder and date filters, the sort order and the list/grid switch."""

from __future__ import annotations

import os

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QFocusEvent,
    QFont,
    QFontMetrics,
    QIcon,
    QKeyEvent,
    QKeySequence,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QStyle,
    QStyleOptionToolButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.types import Kind
from desktop import theme
from desktop.filters import DateFilter, FolderFilter
from desktop.ordering import SortOrder
from desktop.widgets import ElidedLabel

DEBOUNCE_MS = 250
KINDS_GAP = 6  # more room after the kinds than between the other filters


class SearchField(QLineEdit):
    """A line edit that hands image pastes, arrow-down and Esc to the bar instead of handling them."""

    paste_requested = Signal()  # Ctrl+V: the bar decides whether the clipboard holds an image
    escape_pressed = Signal()
    down_pressed = Signal()
    focus_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SearchField")
        self.setAcceptDrops(False)  # file drops go to the window (image queries), not into the text

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste_requested.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.escape_pressed.emit()
            return
        if event.key() == Qt.Key.Key_Down:
            self.down_pressed.emit()
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.focus_changed.emit(True)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.focus_changed.emit(False)


class QueryChip(QFrame):
    """"[thumbnail] name.jpg ×": the image (or file) the query is about."""

    removed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Chip")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.setSpacing(5)
        self.thumb = QLabel()
        self.thumb.setFixedSize(20, 20)
        self.thumb.setScaledContents(False)
        self.label = QLabel()
        self.close_button = QToolButton()
        self.close_button.setIcon(theme.icon("close", theme.MUTED, 12))
        self.close_button.setIconSize(theme.ICON_SIZE * 0.7)
        self.close_button.setToolTip("Remove from the query")
        self.close_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.close_button.clicked.connect(self.removed)
        lay.addWidget(self.thumb)
        lay.addWidget(self.label)
        lay.addWidget(self.close_button)
        self.path: str | None = None

    def show_for(self, path: str, prefix: str, pixmap: QPixmap | None) -> None:
        self.path = path
        name = os.path.basename(path)
        fm = self.label.fontMetrics()
        self.label.setText(fm.elidedText(f"{prefix}{name}", Qt.TextElideMode.ElideMiddle, 180))
        self.setToolTip(path)
        self.set_pixmap(pixmap)
        self.show()

    def set_pixmap(self, pixmap: QPixmap | None) -> None:
        if pixmap is None or pixmap.isNull():
            self.thumb.setPixmap(theme.pixmap("photo", theme.ACCENT, 16))
        else:
            side = min(pixmap.width(), pixmap.height())
            square = pixmap.copy((pixmap.width() - side) // 2, (pixmap.height() - side) // 2, side, side)
            self.thumb.setPixmap(square.scaled(20, 20, Qt.AspectRatioMode.IgnoreAspectRatio,
                                               Qt.TransformationMode.SmoothTransformation))

    def clear(self) -> None:
        self.path = None
        self.hide()


class KindFilter(QWidget):
    """All · Photos · Notes · Documents · Recordings, as a segmented control (Alt+1..5). Where the filters
    row has no room for the words (a narrow window, a large font), the kinds show their icons instead,
    their names in the tooltips: a button is never squeezed to "Docu…"."""

    changed = Signal()

    CHOICES: tuple[tuple[str, Kind | None], ...] = (
        ("All", None), ("Photos", Kind.PHOTO), ("Notes", Kind.NOTE), ("Documents", Kind.DOCUMENT),
        ("Recordings", Kind.RECORDING))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("KindFilter")
        lay = self._row = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[Kind | None, QToolButton] = {}
        self._compact = False
        for i, (label, kind) in enumerate(self.CHOICES):
            b = QToolButton()
            b.setText(label)
            b.setCheckable(True)
            b.setCursor(Qt.CursorShape.PointingHandCursor)
            b.setToolTip(f"Show {label.lower() if kind else 'every kind'} (Alt+{i + 1})")
            b.setAccessibleName(label)
            b.setShortcut(QKeySequence(f"Alt+{i + 1}"))
            b.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)  # never squeezed to "…"
            if kind is not None:
                b.setIcon(_kind_icon(kind))
                b.setIconSize(theme.ICON_SIZE * 0.9)
                b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            self.group.addButton(b, i)
            lay.addWidget(b)
            self.buttons[kind] = b
        self.buttons[None].setChecked(True)
        self.group.idClicked.connect(lambda _id: self.changed.emit())

    def kind(self) -> Kind | None:
        return self.CHOICES[max(0, self.group.checkedId())][1]

    def set_kind(self, kind: Kind | None) -> None:
        if self.kind() != kind:
            self.buttons[kind].setChecked(True)
            self.changed.emit()

    @property
    def compact(self) -> bool:
        return self._compact

    def set_compact(self, compact: bool) -> None:
        """Icons (True) or names (False) on the kinds' buttons; "All" always says "All"."""
        if compact == self._compact:
            return
        self._compact = compact
        style = Qt.ToolButtonStyle.ToolButtonIconOnly if compact else Qt.ToolButtonStyle.ToolButtonTextOnly
        for kind, b in self.buttons.items():
            if kind is not None:
                b.setToolButtonStyle(style)

    def full_width(self) -> int:
        """The width the buttons take with their names (whichever way they show now), whichever is chosen
        (the chosen one is bold)."""
        plain = [_text_width(b, bold=False) for b in self.buttons.values()]
        bold = [_text_width(b, bold=True) for b in self.buttons.values()]
        extra = max(b - p for p, b in zip(plain, bold, strict=True))
        return sum(plain) + extra + self._row.spacing() * (len(self.buttons) - 1)


def _kind_icon(kind: Kind) -> QIcon:
    """The kind's glyph: muted, in its colour when chosen."""
    ic = QIcon()
    ic.addPixmap(theme.pixmap(theme.KIND_ICON[kind], theme.MUTED, 16), QIcon.Mode.Normal, QIcon.State.Off)
    ic.addPixmap(theme.pixmap(theme.KIND_ICON[kind], theme.KIND_COLOR[kind], 16), QIcon.Mode.Normal, QIcon.State.On)
    return ic


def _text_width(b: QToolButton, bold: bool) -> int:
    """``b``'s width showing its text (in bold or not), computed as QToolButton.sizeHint does, whatever it
    shows now."""
    b.ensurePolished()
    font = QFont(b.font())
    font.setWeight(QFont.Weight.DemiBold if bold else QFont.Weight.Normal)
    fm = QFontMetrics(font)
    text = fm.size(Qt.TextFlag.TextShowMnemonic, b.text())
    w, h = text.width() + 2 * fm.horizontalAdvance(" "), text.height()
    opt = QStyleOptionToolButton()
    b.initStyleOption(opt)
    opt.toolButtonStyle = Qt.ToolButtonStyle.ToolButtonTextOnly
    opt.rect.setSize(QSize(w, h))
    return b.style().sizeFromContents(QStyle.ContentsType.CT_ToolButton, opt, QSize(w, h), b).width()


class SortChoice(QComboBox):
    """Relevance · Newest first · Oldest first."""

    order_changed = Signal(object)  # SortOrder

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SortOrder")
        self.setToolTip("Order of the results: by how well they match, or by date (matches stay first)")
        self.setAccessibleName("Sort results")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        for order in SortOrder:
            self.addItem(order.label, order.value)  # Qt keeps the plain string
        self.currentIndexChanged.connect(lambda _i: self.order_changed.emit(self.order()))

    def order(self) -> SortOrder:
        value = self.currentData()
        return SortOrder(value) if value in set(SortOrder) else SortOrder.RELEVANCE

    def set_order(self, order: SortOrder) -> None:
        self.setCurrentIndex(self.findData(order.value))


class ViewSwitch(QWidget):
    """Two buttons: results as a list, or as a grid of thumbnails."""

    grid_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ViewSwitch")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.list_button = self._button("list", "Show results as a list (Ctrl+G switches)")
        self.grid_button = self._button("grid", "Show photos as a grid (Ctrl+G switches)")
        self.list_button.setChecked(True)
        lay.addWidget(self.list_button)
        lay.addWidget(self.grid_button)
        self.group.buttonClicked.connect(lambda _b: self.grid_changed.emit(self.is_grid()))

    def _button(self, icon_name: str, tip: str) -> QToolButton:
        b = QToolButton()
        b.setIcon(theme.icon(icon_name, theme.MUTED, 16))
        b.setIconSize(theme.ICON_SIZE * 0.9)
        b.setCheckable(True)
        b.setToolTip(tip)
        b.setAccessibleName(tip.split(" (")[0])
        b.setCursor(Qt.CursorShape.PointingHandCursor)
        b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.group.addButton(b)
        return b

    def is_grid(self) -> bool:
        return self.grid_button.isChecked()

    def set_grid(self, grid: bool) -> None:
        """Show the state without announcing it (the window calls this when it switches)."""
        (self.grid_button if grid else self.list_button).setChecked(True)


class QueryBar(QWidget):
    search_requested = Signal()  # the query changed (debounced) or Enter was pressed
    cleared = Signal()
    paste_requested = Signal()
    pick_image_requested = Signal()
    voice_file_requested = Signal()
    record_requested = Signal()
    focus_results_requested = Signal()
    settings_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TopBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = self._outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 8)
        outer.setSpacing(8)

        self.box = QFrame()
        self.box.setObjectName("SearchBox")
        box = QHBoxLayout(self.box)
        box.setContentsMargins(10, 2, 6, 2)
        box.setSpacing(6)
        glass = QLabel()
        glass.setPixmap(theme.pixmap("search", theme.FAINT, 18))
        self.chip = QueryChip()
        self.chip.hide()
        self.field = SearchField()
        self.field.setPlaceholderText("Search photos, notes, documents and recordings")
        self.field.setClearButtonEnabled(False)
        self.field.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.image_button = self._tool("photo", "Search by image… (or drop or paste one)")
        self.voice_button = self._tool("audio-file", "Search by voice file…")
        self.mic_button = self._tool("mic", "Search by voice: record from the microphone")
        box.addWidget(glass)
        box.addWidget(self.chip)
        box.addWidget(self.field, 1)
        box.addWidget(self.image_button)
        box.addWidget(self.voice_button)
        box.addWidget(self.mic_button)
        # Sort and list/grid sit beside the search field, which gives way in a narrow window: the filter row
        # under it has no room to spare at 800 and 600 pixels.
        self.sort = SortChoice()
        self.view_switch = ViewSwitch()
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(8)
        top.addWidget(self.box, 1)
        top.addWidget(self.sort)
        top.addWidget(self.view_switch)
        outer.addLayout(top)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        self.filters_row = row
        self.kinds = KindFilter()
        self.folders = FolderFilter()
        self.dates = DateFilter()
        self.count = ElidedLabel()  # elided in a narrow window, never squeezing the filters
        self.count.setObjectName("ResultCount")
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.kinds)
        row.addSpacing(KINDS_GAP)
        row.addWidget(self.folders)
        row.addWidget(self.dates)
        row.addWidget(self.count, 1)
        self.settings_button = self._tool("settings", "Settings: folders, device, models (Ctrl+,)")
        self.settings_button.setObjectName("SettingsButton")
        self.settings_button.clicked.connect(self.settings_requested)
        row.addWidget(self.settings_button)
        outer.addLayout(row)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.search_requested)
        self.field.textEdited.connect(lambda _t: self._timer.start())
        self.field.returnPressed.connect(self.search_now)
        self.field.escape_pressed.connect(self.clear)
        self.field.down_pressed.connect(self.focus_results_requested)
        self.field.paste_requested.connect(self.paste_requested)
        self.field.focus_changed.connect(self._set_focused)
        self.chip.removed.connect(self._chip_removed)
        self.kinds.changed.connect(self.search_now)
        self.folders.changed.connect(self.search_now)
        self.dates.changed.connect(self.search_now)
        self.image_button.clicked.connect(self.pick_image_requested)
        self.voice_button.clicked.connect(self.voice_file_requested)
        self.mic_button.clicked.connect(self.record_requested)
        self._image: str | None = None
        self._like: str | None = None
        self.box.installEventFilter(self)

    def _tool(self, icon_name: str, tip: str) -> QToolButton:
        b = QToolButton()
        b.setIcon(theme.icon(icon_name, theme.MUTED, 18))
        b.setIconSize(theme.ICON_SIZE)
        b.setToolTip(tip)
        b.setAccessibleName(tip.rstrip("…"))
        b.setCursor(Qt.CursorShape.PointingHandCursor)
        b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        return b

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_kinds()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.fit_kinds()

    def fit_kinds(self) -> None:
        """Names on the kind buttons when the filters row holds them beside the folder and date filters at
        their full width; icons otherwise."""
        margins = self._outer.contentsMargins()
        room = self.width() - margins.left() - margins.right()
        row = self.filters_row
        others = (self.folders.sizeHint().width() + self.dates.sizeHint().width()
                  + self.count.minimumSizeHint().width() + self.settings_button.sizeHint().width())
        spacing = row.spacing() * (row.count() - 2) + KINDS_GAP  # the gap after the kinds is a spacer item
        self.kinds.set_compact(self.kinds.full_width() + others + spacing > room)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.box and event.type() == QEvent.Type.MouseButtonPress:
            self.field.setFocus()
        return super().eventFilter(watched, event)

    def _set_focused(self, focused: bool) -> None:
        self.box.setProperty("focused", focused)
        self.box.style().unpolish(self.box)
        self.box.style().polish(self.box)

    # -- the query's parts ----------------------------------------------------------------------------
    def text(self) -> str:
        return self.field.text().strip()

    def image_path(self) -> str | None:
        return self._image

    def like_path(self) -> str | None:
        return self._like

    def kind(self) -> Kind | None:
        return self.kinds.kind()

    def filtered(self) -> bool:
        return self.kind() is not None or self.folders.folder() is not None or self.dates.range() != (None, None)

    def is_empty(self) -> bool:
        return not self.text() and self._image is None and self._like is None

    def set_image(self, path: str, pixmap: QPixmap | None = None) -> None:
        self._image, self._like = path, None
        self.chip.show_for(path, "", pixmap)

    def set_like(self, path: str) -> None:
        self._like, self._image = path, None
        self.chip.show_for(path, "Like ", None)
        self.chip.thumb.setPixmap(theme.pixmap("search", theme.ACCENT, 16))

    def set_chip_pixmap(self, path: str, pixmap: QPixmap | None) -> None:
        if self.chip.path == path:
            self.chip.set_pixmap(pixmap)

    def set_text(self, text: str) -> None:
        """Put words in the field without starting a search (e.g. a voice query's transcript)."""
        self._timer.stop()
        self.field.setText(text)
        self.field.setCursorPosition(len(text))

    def search_now(self) -> None:
        self._timer.stop()
        self.search_requested.emit()

    def clear(self, announce: bool = True) -> None:
        self._timer.stop()
        self.field.clear()
        self._image = self._like = None
        self.chip.clear()
        if announce:
            self.cleared.emit()

    def drop_chip(self) -> None:
        """Take the image or file out of the query without searching again."""
        self._image = self._like = None
        self.chip.clear()

    def _chip_removed(self) -> None:
        self.drop_chip()
        self.field.setFocus()
        self.search_now()

    def set_result_count(self, text: str) -> None:
        self.count.setText(text)
        self.count.setToolTip(text)

    def set_mic_available(self, available: bool, why: str = "") -> None:
        """Off, the button is drawn dimmed (a pale icon in a dashed outline: theme.DISABLED and the
        ``:disabled`` rule) and its tooltip, which Qt shows on a disabled button too, says why."""
        tip = "Search by voice: record from the microphone"
        self.mic_button.setEnabled(available)
        self.mic_button.setToolTip(tip if available else (why or "Recording is not available"))
        self.mic_button.setAccessibleDescription("" if available else why)
        self.mic_button.setCursor(Qt.CursorShape.PointingHandCursor if available else Qt.CursorShape.ArrowCursor)
