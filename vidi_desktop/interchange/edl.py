"""CMX 3600 EDL, written here rather than through OTIO's ``cmx_3600`` adapter.

The adapter writes drop-frame ``;`` timecode but no ``FCM: DROP FRAME`` line, forces DF at
29.97 even for NDF sources, starts the record side at 00:00:00:00 whatever the timeline's
start, keeps spaces in reel names and writes one video track only. Here:

* ``FCM: DROP FRAME`` / ``FCM: NON-DROP FRAME`` from the sequence; an event whose source
  counts the other way gets its own ``FCM`` line before it (and the mode is restored);
* source in/out = the file's embedded start timecode + frame index, DF stays DF;
* record in/out from the sequence start (01:00:00:00 by default);
* reels ≤ 8 letters/digits, unique, with ``* FROM CLIP NAME:`` and the file's path;
* 7-bit ASCII throughout: names with accents folded and the rest percent-encoded, paths
  that are not plain ASCII as ``file://`` URLs (:func:`~.names.edl_name`, ``edl_path``);
* audio as CMX allows: ``AA/V`` for two or more channels (all streams counted in file
  order), ``B`` for one, and an ``AUD 3 4`` line for channels 3–4; channels past 4 are
  left out and the export says so (Resolve reads only the video anyway);
* markers as Avid ``* LOC:`` lines at source timecode (what OTIO's reader expects);
* at most 999 events per file (the event number has three digits): a longer edit is
  written as several EDLs, the record timecode running on from one to the next.

An EDL holds one frame rate: a timeline mixing rates is refused (FCP7 XML or FCPXML carry
them). Disabled clips have no place in an EDL and are left out.
"""

from __future__ import annotations

from vidi_desktop.core.timecode import frames_to_timecode
from vidi_desktop.interchange.errors import ExportError
from vidi_desktop.interchange.formats import Written
from vidi_desktop.interchange.model import Clip, Timeline
from vidi_desktop.interchange.names import edl_name, edl_path
from vidi_desktop.interchange.sources import SourceMedia

_LOC_COLORS = {"RED", "GREEN", "BLUE", "CYAN", "MAGENTA", "YELLOW", "BLACK", "WHITE"}
MAX_EVENTS = 999
"""CMX 3600 event numbers have three digits."""
MAX_CHANNELS = 4
"""Audio channels an EDL event can name: A, A2 (``AA``) and ``AUD 3 4``."""


def write_edl(timeline: Timeline, *, audio: bool = True, markers: bool = True) -> str:
    """The CMX 3600 text of ``timeline`` (7-bit ASCII, ``\\n`` endings).

    :class:`ExportError` past :data:`MAX_EVENTS` events: :func:`write_edls` splits those.
    """
    parts = write_edls(timeline, audio=audio, markers=markers)
    if len(parts) > 1:
        raise ExportError(
            f"{_events(timeline)} events do not fit one EDL ({MAX_EVENTS} at most)"
        )
    return parts[0]


def write_edls(timeline: Timeline, *, audio: bool = True, markers: bool = True) -> list[str]:
    """The EDL text(s) of ``timeline``: one per :data:`MAX_EVENTS` events, the record
    timecode continuing from one file to the next."""
    clips = [c for c in timeline.clips if c.enabled]
    _check_one_rate(timeline, clips)
    reels = timeline.reels()
    title = edl_name(timeline.name)[:70] or "vidi-desktop"
    chunks = [clips[i : i + MAX_EVENTS] for i in range(0, len(clips), MAX_EVENTS)] or [[]]
    texts = []
    for part, chunk in enumerate(chunks, 1):
        head = title if len(chunks) == 1 else f"{title[:60]} (part {part})"
        lines = [f"TITLE: {head}", _fcm(timeline.drop_frame), ""]
        for number, clip in enumerate(chunk, 1):
            lines.extend(_event(timeline, clip, number, reels, audio, markers))
        texts.append("\n".join(lines))
    return texts


def export_edl(timeline: Timeline, *, audio: bool = True, markers: bool = True) -> Written:
    """The EDL export of ``timeline`` (the format table's writer): one file per
    :data:`MAX_EVENTS` events, and notes on the split and on audio left out."""
    parts = write_edls(timeline, audio=audio, markers=markers)
    notes = []
    if len(parts) > 1:
        notes.append(
            f"{_events(timeline)} events: written as {len(parts)} EDLs of at most {MAX_EVENTS} "
            "events (\"-2\", \"-3\"… added to the file name), the record timecode running on "
            "from one file to the next"
        )
    if audio:
        notes.extend(audio_left_out(timeline))
    return Written(tuple(parts), tuple(notes))


def audio_left_out(timeline: Timeline) -> list[str]:
    """One line per source whose audio channels past :data:`MAX_CHANNELS` an EDL drops."""
    out = []
    for src in timeline.sources:
        total = sum(src.audio_streams)
        if total > MAX_CHANNELS:
            rest = (f"channel {total} is" if total == MAX_CHANNELS + 1
                    else f"channels {MAX_CHANNELS + 1}–{total} are")
            out.append(
                f"{src.name}: the EDL carries audio channels 1–{MAX_CHANNELS} of {total} "
                f"({len(src.audio_streams)} streams); {rest} left out (FCP7 XML and FCPXML "
                "carry them all)"
            )
    return out


def _events(timeline: Timeline) -> int:
    return sum(1 for c in timeline.clips if c.enabled)


def _event(
    timeline: Timeline, clip: Clip, number: int, reels: dict[str, str], audio: bool,
    markers: bool,
) -> list[str]:
    lines = []
    switch = clip.source.drop_frame != timeline.drop_frame
    if switch:
        lines.append(_fcm(clip.source.drop_frame))
    lines.append(_event_line(timeline, clip, number, reels, audio))
    total = _channels(clip.source) if audio else 0
    if total >= 3:
        # Channels 3 and 4 ride on the line right after the event (Avid's extension).
        lines.append("AUD  3" if total == 3 else "AUD  3    4")
    if switch:
        lines.append(_fcm(timeline.drop_frame))
    lines.append(f"* FROM CLIP NAME:  {edl_name(clip.name)}")
    # SOURCE FILE is what Premiere and pycmx read; OTIO's reader links FROM FILE.
    lines.append(f"* SOURCE FILE: {edl_path(clip.source.path)}")
    lines.append(f"* FROM FILE: {edl_path(clip.source.path)}")
    if markers:
        lines.extend(_locators(clip))
    lines.append("")
    return lines


def _channels(src: SourceMedia) -> int:
    """Audio channels of every stream, counted in file order."""
    return sum(src.audio_streams) or src.audio_channels


def _fcm(drop_frame: bool) -> str:
    return "FCM: DROP FRAME" if drop_frame else "FCM: NON-DROP FRAME"


def _check_one_rate(timeline: Timeline, clips: list[Clip]) -> None:
    for c in clips:
        if c.source.rate.value != timeline.rate.value:
            raise ExportError(
                f"an EDL holds one frame rate: {c.source.name} is {_fps(c.source.rate.value)} "
                f"fps, the sequence {_fps(timeline.rate.value)} fps; export fcp7 or fcpxml"
            )


def _fps(value: object) -> str:
    return f"{float(value):.3f}".rstrip("0").rstrip(".")  # type: ignore[arg-type]


def _event_line(
    timeline: Timeline, clip: Clip, number: int, reels: dict[str, str], audio: bool
) -> str:
    src = clip.source
    total = _channels(src) if audio else 0
    channels = "V"
    if total >= 2:
        channels = "AA/V" if src.has_video else "AA"
    elif total == 1:
        channels = "B" if src.has_video else "A"
    rec_in = timeline.record_timecode(clip.record_in)
    rec_out = timeline.record_timecode(clip.record_out)
    return (
        f"{number:03d}  {reels[src.asset_id]:<8} {channels:<5} C        "
        f"{src.timecode(clip.first)} {src.timecode(clip.end)} {rec_in} {rec_out}"
    )


def _locators(clip: Clip) -> list[str]:
    out = []
    src = clip.source
    for m in clip.markers:
        tc = frames_to_timecode(src.tc_start + clip.first + m.offset, src.rate, src.drop_frame)
        color = m.color if m.color in _LOC_COLORS else "RED"
        text = edl_name(m.name)
        out.append(f"* LOC: {tc} {color:<7} {text}")
    return out
