"""Reading NLE files into OpenTimelineIO, with the adapters' known faults worked around.

* EDL (``cmx_3600``): read at the rate the caller gives (an EDL does not say its rate);
  a broken event line becomes one :class:`ImportFileError` naming the line.
* FCP7 XML (``fcp_xml``): read as is (frame-exact; DF shows as NDF but frames are right).
* FCPXML (``fcpx_xml``): the stock reader truncates 29.97 to 29 and counts frames with
  ``int(float)``, and ignores ``<media-rep>`` (FCPXML ≥ 1.9). :class:`_ExactFcpxXml`
  overrides its time helpers with exact rationals and reads ``media-rep``.
* OTIO JSON: read as is.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vidi_desktop.interchange.errors import ImportFileError

if TYPE_CHECKING:
    import opentimelineio as otio

_EVENT_START = re.compile(r"^\s*\d+\s")
_TC = r"\d{1,2}[:;.]\d{2}[:;.]\d{2}[:;.,]\d{2,3}"
_EVENT_LINE = re.compile(
    rf"^\s*(\d+)\s+(\S+)\s+(\S+)\s+(C|D|W\d*|K[BO]?)\s+(\d+\s+)?"
    rf"({_TC})\s+({_TC})\s+({_TC})\s+({_TC})\s*$"
)


def check_edl_text(text: str, name: str = "EDL") -> None:
    """Refuse an EDL whose event lines do not parse, naming the first bad line."""
    if not text.strip():
        raise ImportFileError(f"{name}: empty file")
    events = 0
    for number, line in enumerate(text.splitlines(), 1):
        if not _EVENT_START.match(line):
            continue
        if not _EVENT_LINE.match(line):
            shown = line.strip()[:60]
            raise ImportFileError(f"{name}: line {number} is not a CMX 3600 event: {shown!r}")
        events += 1
    if events == 0:
        raise ImportFileError(f"{name}: no events (is this an EDL?)")


def read_edl(text: str, rate: Fraction, name: str = "EDL") -> otio.schema.Timeline:
    """An EDL as an OTIO timeline at ``rate``."""
    import opentimelineio as otio

    check_edl_text(text, name)
    try:
        return otio.adapters.read_from_string(text, "cmx_3600", rate=float(rate))
    except Exception as exc:  # the adapter raises plain exceptions for bad content
        raise ImportFileError(f"{name}: cannot be read as an EDL ({_one_line(exc)})") from None


def read_fcp7(text: str, name: str = "XML") -> otio.schema.Timeline:
    """An FCP7 XML's first sequence as an OTIO timeline."""
    import opentimelineio as otio

    try:
        result = otio.adapters.read_from_string(text, "fcp_xml")
    except Exception as exc:
        raise ImportFileError(f"{name}: cannot be read as FCP7 XML ({_one_line(exc)})") from None
    return _first_timeline(result, name)


def read_fcpxml(text: str, name: str = "FCPXML") -> otio.schema.Timeline:
    """An FCPXML's first project as an OTIO timeline, exact at every rate."""
    try:
        result = _exact_reader_class()(text).to_otio()
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(f"{name}: cannot be read as FCPXML ({_one_line(exc)})") from None
    return _first_timeline(result, name)


def read_otio(text: str, name: str = "OTIO") -> otio.schema.Timeline:
    """An ``.otio`` file's timeline."""
    import opentimelineio as otio

    try:
        result = otio.adapters.read_from_string(text, "otio_json")
    except Exception as exc:
        raise ImportFileError(f"{name}: cannot be read as OTIO ({_one_line(exc)})") from None
    return _first_timeline(result, name)


def read_any(path: Path, rate: Fraction) -> otio.schema.Timeline:
    """Read ``path`` by its extension (``.edl``, ``.xml``, ``.fcpxml``, ``.otio``)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    suffix = path.suffix.lower()
    if suffix == ".edl":
        return read_edl(text, rate, str(path))
    if suffix == ".fcpxml":
        return read_fcpxml(text, str(path))
    if suffix == ".xml":
        if "<fcpxml" in text[:2000]:
            return read_fcpxml(text, str(path))
        return read_fcp7(text, str(path))
    if suffix == ".otio":
        return read_otio(text, str(path))
    raise ImportFileError(f"{path}: unknown format (expected .edl, .xml, .fcpxml or .otio)")


def _first_timeline(result: Any, name: str) -> otio.schema.Timeline:
    import opentimelineio as otio

    if isinstance(result, otio.schema.Timeline):
        return result
    if isinstance(result, otio.schema.SerializableCollection):
        for item in _walk(result):
            return item
    raise ImportFileError(f"{name}: holds no timeline")


def _walk(collection: Any) -> Any:
    import opentimelineio as otio

    for item in collection:
        if isinstance(item, otio.schema.Timeline):
            yield item
        elif isinstance(item, otio.schema.SerializableCollection):
            yield from _walk(item)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return (text[:120] + "…") if len(text) > 120 else text or type(exc).__name__


def _exact_reader_class() -> type:
    """The stock FCPXML reader with exact time helpers (built lazily: OTIO is heavy)."""
    import opentimelineio as otio
    from otio_fcpx_xml_adapter import fcpx_xml

    class _ExactFcpxXml(fcpx_xml.FcpxXml):  # type: ignore[misc]
        def _frame_duration(self, format_id: str) -> Fraction:
            fmt = self._format_by_id(format_id)
            if fmt is None or not fmt.get("frameDuration"):
                raise ImportFileError(f"format {format_id!r} has no frameDuration")
            return _seconds(fmt.get("frameDuration"))

        def _format_frame_rate(self, format_id: str) -> float:
            return float(1 / self._frame_duration(format_id))

        def _number_of_frames(self, time_value: str | None, format_id: str) -> int:
            if time_value in (None, "0s"):
                return 0
            return round(_seconds(time_value) / self._frame_duration(format_id))

        def _time_range(self, element: Any, format_id: str) -> Any:
            rate = self._format_frame_rate(format_id)
            rt = otio.opentime.RationalTime
            return otio.opentime.TimeRange(
                rt(self._number_of_frames(element.get("start", "0s"), format_id), rate),
                rt(self._number_of_frames(element.get("duration"), format_id), rate),
            )

        def _reference_from_id(self, asset_id: str, default_format: str) -> Any:
            asset = self._asset_by_id(asset_id)
            rep = asset.find("./media-rep")
            src = asset.get("src") or (rep.get("src") if rep is not None else "")
            if not src:
                return otio.schema.MissingReference()
            return otio.schema.ExternalReference(
                target_url=src,
                available_range=self._time_range(asset, asset.get("format", default_format)),
            )

    return _ExactFcpxXml


def _seconds(text: str) -> Fraction:
    """``"1001/30000s"`` → Fraction(1001, 30000)."""
    body = text.strip().removesuffix("s")
    return Fraction(body)
