"""Signature capture with mouse, pen (tablet) or finger (touch screen) → PNG bytes.

Strokes are kept as point lists (in widget coordinates) and painted smoothly;
`to_png()` renders them black on a transparent background, cropped to the
ink with a small margin, so the PDF shows just the signature.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QTabletEvent,
)
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.i18n import _

log = logging.getLogger(__name__)

Stroke = list[QPointF]


class SignatureCanvas(QFrame):
    """The drawing surface. Emits `changed()` after every stroke and after clearing."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signatureCanvas")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents, True)
        self.setMinimumSize(QSize(360, 140))
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAccessibleName(_("Handtekeningvak"))
        self._strokes: list[Stroke] = []
        self._drawing = False

    # -- input -----------------------------------------------------------------------------

    def begin_stroke(self, point: QPointF) -> None:
        self._strokes.append([QPointF(point)])
        self._drawing = True
        self.update()

    def extend_stroke(self, point: QPointF) -> None:
        if self._drawing and self._strokes:
            self._strokes[-1].append(QPointF(point))
            self.update()

    def end_stroke(self) -> None:
        if self._drawing:
            self._drawing = False
            self.changed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.begin_stroke(event.position())
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self.extend_stroke(event.position())
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.end_stroke()
        event.accept()

    def tabletEvent(self, event: QTabletEvent) -> None:
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self.begin_stroke(event.position())
        elif kind == QEvent.Type.TabletMove:
            self.extend_stroke(event.position())
        elif kind == QEvent.Type.TabletRelease:
            self.end_stroke()
        event.accept()  # no synthesised mouse event: the pen is drawn once

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd):
            points = event.points()  # type: ignore[attr-defined]
            if points:
                position = points[0].position()
                if kind == QEvent.Type.TouchBegin:
                    self.begin_stroke(position)
                elif kind == QEvent.Type.TouchUpdate:
                    self.extend_stroke(position)
                else:
                    self.extend_stroke(position)
                    self.end_stroke()
            event.accept()
            return True
        return super().event(event)

    # -- state -----------------------------------------------------------------------------

    def clear(self) -> None:
        self._strokes.clear()
        self._drawing = False
        self.update()
        self.changed.emit()

    def is_empty(self) -> bool:
        return not any(len(stroke) > 1 for stroke in self._strokes)

    def _path(self) -> QPainterPath:
        path = QPainterPath()
        for stroke in self._strokes:
            path.moveTo(stroke[0])
            if len(stroke) == 1:
                path.lineTo(stroke[0] + QPointF(0.5, 0.5))
            for point in stroke[1:]:
                path.lineTo(point)
        return path

    @staticmethod
    def _pen(width: float) -> QPen:
        pen = QPen(QColor("black"), width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        return pen

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.contentsRect(), QColor("white"))
        baseline = self.height() * 0.75
        painter.setPen(QPen(QColor(180, 180, 180), 1, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(12, baseline), QPointF(self.width() - 12, baseline))
        painter.setPen(self._pen(2.5))
        painter.drawPath(self._path())
        painter.end()

    def to_png(self, scale: float = 2.0) -> bytes:
        """The signature as PNG (transparent background, cropped); b'' when nothing was drawn."""
        if self.is_empty():
            return b""
        path = self._path()
        margin = 8.0
        box = path.boundingRect().adjusted(-margin, -margin, margin, margin)
        image = QImage(
            max(1, round(box.width() * scale)),
            max(1, round(box.height() * scale)),
            QImage.Format.Format_ARGB32,
        )
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.scale(scale, scale)
        painter.translate(-box.topLeft())
        painter.setPen(self._pen(2.5))
        painter.drawPath(path)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        return bytes(data.data())

    def ink_rect(self) -> QRectF:
        return self._path().boundingRect()


class SignaturePad(QWidget):
    """Canvas with a hint and a 'Wissen' (clear) button. `changed()` when the signature changes."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = SignatureCanvas(self)
        self.hint = QLabel(_("Teken hier uw handtekening (muis, pen of vinger)."), self)
        self.clear_button = QPushButton(_("&Wissen"), self)
        self.clear_button.setObjectName("clearSignature")
        self.clear_button.clicked.connect(self.canvas.clear)
        self.canvas.changed.connect(self.changed)
        row = QHBoxLayout()
        row.addWidget(self.hint, 1)
        row.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(row)

    def is_empty(self) -> bool:
        return self.canvas.is_empty()

    def clear(self) -> None:
        self.canvas.clear()

    def to_png(self) -> bytes:
        return self.canvas.to_png()
