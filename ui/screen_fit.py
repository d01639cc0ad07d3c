"""Windows and dialogs that fit the screen they open on (issue 12: a refurbished 1366×768 laptop
at 125–150 % is the normal counter PC — 911×512 logical pixels at 150 %).

- `fit_dialog(dialog)`: call it at the end of a dialog's `__init__`. When the content is larger
  than the screen, it scrolls, while the buttons at the bottom (a QDialogButtonBox or a row of
  buttons) stay outside the scroll area, always visible; the size is capped to the screen and
  the dialog is centred on it.
- `ScrollingTabs`: the main window's tab widget; every tab's view sits in a scroll area, so a
  view that needs more room than the screen has scrolls instead of making the window larger
  than the screen. `widget(i)`, `currentWidget()`, `indexOf()` and `setCurrentWidget()` see the
  views themselves, as with a plain QTabWidget.
- `fit_window(window, settings_file)`: restore the window's size and place (kept in an ini file
  in the data folder, never in the user's home: tests write under tmp), capped to the screen.
- `ElidedLabel`: a label that may shrink: it shows "…" and the whole text as its tooltip.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSettings, QSize, Qt
from PySide6.QtGui import QGuiApplication, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QBoxLayout,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QLayoutItem,
    QMainWindow,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

# Room the window manager's frame takes (title bar, borders), in logical pixels: a dialog is
# sized so that its frame, not only its client area, stays on the screen.
FRAME_W = 12
FRAME_H = 40


def available_geometry(widget: QWidget | None = None) -> QRect:
    """The usable part (without task bars) of the screen `widget` is on, or the primary one."""
    screen = None
    if widget is not None:
        parent = widget.parentWidget()
        screen = (parent.window() if parent is not None else widget).screen()
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def room_on_screen(widget: QWidget | None = None) -> QSize:
    available = available_geometry(widget)
    return QSize(max(200, available.width() - FRAME_W), max(150, available.height() - FRAME_H))


# -- dialogs ---------------------------------------------------------------------------------


def _is_button_row(item: QLayoutItem) -> bool:
    widget = item.widget()
    if widget is not None:
        return isinstance(widget, QDialogButtonBox | QAbstractButton)
    layout = item.layout()
    if layout is None:
        return False
    widgets = [layout.itemAt(i).widget() for i in range(layout.count())]
    shown = [w for w in widgets if w is not None]
    return bool(shown) and all(isinstance(w, QAbstractButton | QDialogButtonBox) for w in shown)


def _scroll_content(dialog: QDialog) -> QScrollArea | None:
    """Move everything above the buttons into a scroll area (only for a box layout)."""
    outer = dialog.layout()
    if not isinstance(outer, QBoxLayout) or outer.count() == 0:
        return None
    items = [(outer.itemAt(i), outer.stretch(i)) for i in range(outer.count())]
    split = len(items)
    while split > 0 and _is_button_row(items[split - 1][0]):
        split -= 1
    if split == 0:
        return None
    content = QWidget()
    inner = QVBoxLayout(content)
    inner.setContentsMargins(0, 0, 0, 0)
    inner.setSpacing(outer.spacing())
    for index in range(split):
        item = outer.takeAt(0)
        stretch = items[index][1]
        widget, layout = item.widget(), item.layout()
        if widget is not None:
            inner.addWidget(widget, stretch)  # reparents it to the content
        elif layout is not None:
            inner.addLayout(layout, stretch)  # reparents the layout's widgets
        else:
            inner.addItem(item)  # a spacer or stretch
    area = QScrollArea(dialog)
    area.setObjectName("fit_scroll")
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    area.setWidget(content)
    outer.insertWidget(0, area, 1)
    return area


def fit_dialog(dialog: QDialog, *, scroll: bool = True) -> None:
    """Make `dialog` fit its screen: content scrolls when too large (buttons stay visible),
    size capped to the screen, centred on it. Call at the end of the dialog's `__init__`."""
    room = room_on_screen(dialog)
    minimum = dialog.minimumSizeHint()
    natural = dialog.sizeHint()
    if scroll and (minimum.height() > room.height() or minimum.width() > room.width()):
        area = _scroll_content(dialog)
        if area is not None:
            # As wide as the content plus the vertical scroll bar (no sideways scrolling when
            # the screen has the width), as short as the screen needs.
            content = area.widget().minimumSizeHint()
            bar = area.verticalScrollBar().sizeHint().width()
            area.setMinimumWidth(min(content.width() + bar + 2, room.width() - 24))
            natural = QSize(max(natural.width(), content.width() + bar + 24), natural.height())
    # A minimum larger than the screen (e.g. setMinimumWidth) would push the frame off it.
    if dialog.minimumWidth() > room.width():
        dialog.setMinimumWidth(room.width())
    if dialog.minimumHeight() > room.height():
        dialog.setMinimumHeight(room.height())
    wanted = dialog.size() if dialog.testAttribute(Qt.WidgetAttribute.WA_Resized) else natural
    size = wanted.expandedTo(dialog.minimumSizeHint()).boundedTo(room)
    dialog.resize(size)
    centre_on_screen(dialog, size)


def centre_on_screen(widget: QWidget, size: QSize | None = None) -> None:
    available = available_geometry(widget)
    size = size or widget.size()
    x = available.x() + max(0, (available.width() - size.width() - FRAME_W) // 2)
    y = available.y() + max(0, (available.height() - size.height() - FRAME_H) // 2)
    widget.move(QPoint(x, y))


# -- the main window -------------------------------------------------------------------------


class ScrollingTabs(QTabWidget):
    """A tab widget whose pages scroll when the screen is smaller than a view needs."""

    def addTab(self, widget: QWidget, title: str) -> int:  # type: ignore[override]
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidget(widget)
        return super().addTab(area, title)

    def widget(self, index: int) -> QWidget:  # type: ignore[override]
        page = super().widget(index)
        return page.widget() if isinstance(page, QScrollArea) and page.widget() is not None else page

    def currentWidget(self) -> QWidget:  # type: ignore[override]
        return self.widget(self.currentIndex())

    def indexOf(self, widget: QWidget) -> int:  # type: ignore[override]
        for index in range(self.count()):
            if self.widget(index) is widget or super().widget(index) is widget:
                return index
        return -1

    def setCurrentWidget(self, widget: QWidget) -> None:  # type: ignore[override]
        index = self.indexOf(widget)
        if index >= 0:
            self.setCurrentIndex(index)


def fit_window(window: QMainWindow, settings_file: Path | None, default: QSize) -> None:
    """Restore the size and place `window` had (from `settings_file`), else `default`; either
    way no larger than the screen, and on it. `remember_window` stores them on close."""
    room = room_on_screen(window)
    available = available_geometry(window)
    saved = _saved_rect(settings_file)
    if saved is None:
        window.resize(default.boundedTo(room))
        centre_on_screen(window, window.size())
        return
    rect, maximized = saved
    size = rect.size().boundedTo(room)  # e.g. saved on a larger screen
    window.resize(size)
    placed = QRect(rect.topLeft(), size)
    shown = available.intersected(placed)
    # Mostly on this screen (a frame may stick out a little): where it was; else centred.
    if (
        available.contains(placed.topLeft())
        and shown.width() * shown.height() >= 0.8 * size.width() * size.height()
    ):
        window.move(rect.topLeft())
    else:
        centre_on_screen(window, size)
    if maximized:
        window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)


def _saved_rect(settings_file: Path | None) -> tuple[QRect, bool] | None:
    if settings_file is None or not settings_file.exists():
        return None
    settings = QSettings(str(settings_file), QSettings.Format.IniFormat)
    try:
        x, y, w, h = (int(v) for v in str(settings.value("window/rect", "")).split(","))
    except ValueError:  # missing or damaged: the default size
        return None
    if w < 100 or h < 100:
        return None
    return QRect(x, y, w, h), str(settings.value("window/maximized", "false")).lower() == "true"


def remember_window(window: QMainWindow, settings_file: Path | None) -> None:
    """Store the window's place and size (its normal ones when maximised)."""
    if settings_file is None:
        return
    try:
        rect = window.normalGeometry() if window.isMaximized() else window.geometry()
        settings = QSettings(str(settings_file), QSettings.Format.IniFormat)
        settings.setValue("window/rect", f"{rect.x()},{rect.y()},{rect.width()},{rect.height()}")
        settings.setValue("window/maximized", "true" if window.isMaximized() else "false")
        settings.sync()
    except Exception:  # never stop a close for a window size
        log.exception("could not remember the window size")


# -- labels that may shrink -------------------------------------------------------------------


class ElidedLabel(QLabel):
    """A one-line label that can be narrower than its text: it ends in "…" and the whole text
    becomes its tooltip (unless a tooltip of its own was set). `text()` stays the whole text."""

    def __init__(self, text: str = "", parent: QWidget | None = None, min_chars: int = 3) -> None:
        super().__init__(text, parent)
        self._min_chars = min_chars
        self._own_tooltip = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def setToolTip(self, text: str) -> None:  # type: ignore[override]
        self._own_tooltip = text
        super().setToolTip(text)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        narrow = self.fontMetrics().horizontalAdvance("M" * self._min_chars)
        margins = self.contentsMargins()
        return QSize(min(hint.width(), narrow + margins.left() + margins.right()), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        rect = self.contentsRect()
        full = self.text()
        shown = self.fontMetrics().elidedText(full, Qt.TextElideMode.ElideRight, rect.width())
        if shown == full:
            super().setToolTip(self._own_tooltip)
            super().paintEvent(event)
            return
        super().setToolTip(self._own_tooltip or full)
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), shown)
