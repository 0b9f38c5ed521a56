"""The timeline's Edit strip: what the accepted edit keeps of the current asset.

A thin lane under the picture and sound strips: each clip of the accepted edit that comes
from the asset on the timeline is a block over its source range, labelled with the
sequence timecode where it starts (the record in of the exports); what the edit leaves out
(accepted cuts, the rest of a file around its keeps) is the gap between blocks. The clips
are those of :class:`~vidi_desktop.interchange.program.Program`, the same the Edit mode
plays and the exporters write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPen

from vidi_desktop.core.errors import VidiError
from vidi_desktop.core.project import Project
from vidi_desktop.interchange.program import Program

EDIT_H = 18
EDIT_COLOR = QColor("#c9a227")  # the edit's own colour, apart from every suggestion kind
_TEXT = QColor("#101010")


@dataclass(frozen=True, slots=True)
class EditPiece:
    """One clip of the edit over the current asset's clock."""

    start: float  # source seconds
    end: float
    record_in: int  # sequence frame where it starts
    timecode: str  # its sequence timecode
    number: int  # 1-based position in the edit


def edit_pieces(project: Project, asset_id: str) -> tuple[list[EditPiece], str]:
    """The edit's clips of ``asset_id``, and "" or why there is no edit to show."""
    if not asset_id:
        return [], ""
    try:
        program = Program.of(project)
    except VidiError as exc:
        return [], str(exc)
    pieces = []
    for number, clip in enumerate(program.clips, 1):
        if clip.source.asset_id != asset_id:
            continue
        r = clip.source_range
        pieces.append(
            EditPiece(
                float(r.start.seconds),
                float(r.end_exclusive.seconds),
                clip.record_in,
                program.timecode(clip.record_in),
                number,
            )
        )
    return pieces, ""


def paint_edit_strip(
    p: QPainter,
    area: QRectF,
    pieces: list[EditPiece],
    x_of: Callable[[float], float],
    metrics: QFontMetrics,
) -> None:
    """Draw ``pieces`` into ``area`` (the strip's row, right of the header)."""
    p.save()
    p.setClipRect(area)
    fill = QColor(EDIT_COLOR)
    edge = QPen(QColor(EDIT_COLOR).darker(160), 1)
    for piece in pieces:
        x0, x1 = x_of(piece.start), x_of(piece.end)
        if x1 < area.left() or x0 > area.right():
            continue
        box = QRectF(x0, area.top() + 2, max(1.0, x1 - x0), area.height() - 4)
        p.fillRect(box, fill)
        p.setPen(edge)
        p.drawLine(box.topLeft(), box.bottomLeft())  # the join
        # The record timecode, shortened to what fits: "01:00:07:06", "07:06", the clip's
        # number in the edit.
        room = box.width() - 8
        for label in (piece.timecode, piece.timecode[-5:], str(piece.number)):
            if metrics.horizontalAdvance(label) <= room:
                p.setPen(_TEXT)
                text_box = box.adjusted(4, 0, -2, 0)
                text_box.setLeft(max(text_box.left(), area.left() + 4))
                p.drawText(text_box, int(Qt.AlignmentFlag.AlignVCenter), label)
                break
    p.restore()


def piece_at(pieces: list[EditPiece], seconds: float) -> EditPiece | None:
    """The piece over ``seconds`` (None in a gap)."""
    return next((q for q in pieces if q.start <= seconds < q.end), None)
