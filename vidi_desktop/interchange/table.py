"""Suggestions as CSV, one row each, for spreadsheets and scripts (UTF-8, no BOM).

Times are given three ways: seconds from the file's first frame (3 decimals), the frame
range (first, end exclusive) and the source timecode, so a row can be matched in a
spreadsheet, a script or an NLE's ruler.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from vidi_desktop.core.project import Project, Suggestion
from vidi_desktop.interchange.sources import SourceMedia

COLUMNS = (
    "id", "file", "kind", "state", "source", "confidence", "label", "request",
    "start_s", "end_s", "duration_s", "first_frame", "end_frame", "start_tc", "end_tc",
    "text", "detail",
)


def write_csv(project: Project, suggestions: Sequence[Suggestion]) -> str:
    """The CSV text of ``suggestions`` (header row first)."""
    sources = {a.id: SourceMedia.from_asset(a) for a in project.assets}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for s in suggestions:
        src = sources[s.asset_id]
        r = s.extent()
        row: dict[str, object] = {
            "id": s.id,
            "file": src.name,
            "kind": s.kind,
            "state": s.state.value,
            "source": s.source,
            "confidence": "" if s.confidence is None else f"{s.confidence:.4f}",
            "label": s.label,
            "request": s.request or "",
            "text": _text(s),
            "detail": s.payload.detail(),
        }
        if r is not None:
            first, end = src.frames_of(r)
            start_s = r.start.seconds - src.start_time
            end_s = r.end_exclusive.seconds - src.start_time
            row.update(
                start_s=f"{float(start_s):.3f}",
                end_s=f"{float(end_s):.3f}",
                duration_s=f"{float(r.duration.seconds):.3f}",
                first_frame=first,
                end_frame=end,
                start_tc=src.timecode(max(0, first)),
                end_tc=src.timecode(max(0, end)),
            )
        writer.writerow([row.get(c, "") for c in COLUMNS])
    return buf.getvalue()


def _text(s: Suggestion) -> str:
    p = s.payload
    for attr in ("text", "title", "query"):
        value = getattr(p, attr, None)
        if isinstance(value, str) and value:
            return " ".join(value.split())
    return ""
