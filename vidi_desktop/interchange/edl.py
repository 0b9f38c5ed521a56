"""CMX 3600 EDL, written here rather than through OTIO's ``cmx_3600`` adapter.

The adapter writes drop-frame ``;`` timecode but no ``FCM: DROP FRAME`` line, forces DF at
29.97 even for NDF sources, starts the record side at 00:00:00:00 whatever the timeline's
start, keeps spaces in reel names and writes one video track only. Here:

* ``FCM: DROP FRAME`` / ``FCM: NON-DROP FRAME`` from the sequence; an event whose source
  counts the other way gets its own ``FCM`` line before it (and the mode is restored);
* source in/out = the file's embedded start timecode + frame index, DF stays DF;
* record in/out from the sequence start (01:00:00:00 by default);
* reels ≤ 8 letters/digits, unique, with ``* FROM CLIP NAME:`` and the file's path;
* ``AA/V`` events for stereo sources, ``B`` for mono (Resolve reads only the video);
* markers as Avid ``* LOC:`` lines at source timecode (what OTIO's reader expects).

An EDL holds one frame rate: a timeline mixing rates is refused (FCP7 XML or FCPXML carry
them). Disabled clips have no place in an EDL and are left out.
"""

from __future__ import annotations

from vidi_desktop.core.timecode import frames_to_timecode
from vidi_desktop.interchange.errors import ExportError
from vidi_desktop.interchange.model import Clip, Timeline
from vidi_desktop.interchange.names import ascii_fold, edl_text

_LOC_COLORS = {"RED", "GREEN", "BLUE", "CYAN", "MAGENTA", "YELLOW", "BLACK", "WHITE"}


def write_edl(timeline: Timeline, *, audio: bool = True, markers: bool = True) -> str:
    """The CMX 3600 text of ``timeline`` (ASCII header, UTF-8 comments, ``\\n`` endings)."""
    clips = [c for c in timeline.clips if c.enabled]
    _check_one_rate(timeline, clips)
    reels = timeline.reels()
    title = edl_text(ascii_fold(timeline.name))[:70] or "vidi-desktop"
    lines = [f"TITLE: {title}", _fcm(timeline.drop_frame), ""]
    width = max(3, len(str(len(clips))))
    for number, clip in enumerate(clips, 1):
        switch = clip.source.drop_frame != timeline.drop_frame
        if switch:
            lines.append(_fcm(clip.source.drop_frame))
        lines.append(_event_line(timeline, clip, number, width, reels, audio))
        if switch:
            lines.append(_fcm(timeline.drop_frame))
        lines.append(f"* FROM CLIP NAME:  {edl_text(clip.name)}")
        # SOURCE FILE is what Premiere and pycmx read; OTIO's reader links FROM FILE.
        lines.append(f"* SOURCE FILE: {edl_text(clip.source.path)}")
        lines.append(f"* FROM FILE: {edl_text(clip.source.path)}")
        if markers:
            lines.extend(_locators(clip))
        lines.append("")
    return "\n".join(lines)


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
    timeline: Timeline, clip: Clip, number: int, width: int, reels: dict[str, str], audio: bool
) -> str:
    src = clip.source
    channels = "V"
    if audio and src.audio_channels >= 2:
        channels = "AA/V" if src.has_video else "AA"
    elif audio and src.audio_channels == 1:
        channels = "B" if src.has_video else "A"
    rec_in = timeline.record_timecode(clip.record_in)
    rec_out = timeline.record_timecode(clip.record_out)
    return (
        f"{number:0{width}d}  {reels[src.asset_id]:<8} {channels:<5} C        "
        f"{src.timecode(clip.first)} {src.timecode(clip.end)} {rec_in} {rec_out}"
    )


def _locators(clip: Clip) -> list[str]:
    out = []
    src = clip.source
    for m in clip.markers:
        tc = frames_to_timecode(src.tc_start + clip.first + m.offset, src.rate, src.drop_frame)
        color = m.color if m.color in _LOC_COLORS else "RED"
        text = edl_text(m.name)
        out.append(f"* LOC: {tc} {color:<7} {text}")
    return out
