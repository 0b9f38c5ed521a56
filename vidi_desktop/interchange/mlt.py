"""MLT XML (``.mlt``): the native project of Shotcut and the engine under Kdenlive; written here.

OTIO files whose media carry a start timecode open one hour off in Kdenlive ≤ 24 and in
Pitivi/GES (their OTIO readers count media ranges from zero), and the deprecated
``otio-kdenlive-adapter`` writes the same offset (its ``in``/``out`` are the OTIO source
times) into a fixed 1080p profile. MLT counts a producer's frames from the file's first
frame, which is exactly how :class:`~.model.Clip` counts, so this writer needs no timecode:

* a ``<profile>`` at the sequence's rate (``frame_rate_num/den`` exact, NTSC included),
  size and square pixels (the sequence size is the upright, square-pixel display size);
* one ``avformat`` producer per file (``length`` = its frames on the sequence's grid);
* a ``V1`` playlist of entries ``in``/``out`` (inclusive, as MLT counts) on that grid,
  clips at another rate conformed like the FCP7 writer does; the file's first audio stream
  plays with its picture;
* every further audio stream on its own audio track (``audio_index`` = the stream,
  video hidden) mixed in with a ``mix`` transition, as Shotcut does;
* markers as Shotcut's ``shotcut:markers`` (frame numbers on the sequence, a colour);
* the sequence name as the tractor's title.

Left out: disabled clips (MLT has no disabled clip; like the EDL) and crop paths (MLT's
affine filter could carry them, untested here). VFR files play at the sequence's rate: MLT
shows the picture on screen at each frame's time, as an NLE reading the file does.
"""

from __future__ import annotations

from math import gcd

from vidi_desktop.core.rate import FrameRate
from vidi_desktop.interchange.errors import ExportError
from vidi_desktop.interchange.formats import Written
from vidi_desktop.interchange.model import Clip, Timeline, convert_frames
from vidi_desktop.interchange.sources import SourceMedia
from vidi_desktop.interchange.xmlout import XmlWriter

_HEADER = '<?xml version="1.0" encoding="utf-8"?>\n'
# Shotcut's marker colours are #rrggbb; these match the OTIO colour names the timeline uses.
_HEX = {
    "RED": "#ff0000", "GREEN": "#00ff00", "BLUE": "#0000ff", "CYAN": "#00ffff",
    "MAGENTA": "#ff00ff", "YELLOW": "#ffff00", "ORANGE": "#ff8000", "PURPLE": "#8000ff",
    "BLACK": "#000000", "WHITE": "#ffffff",
}


def write_mlt(timeline: Timeline, *, markers: bool = True) -> str:
    """The MLT XML text of ``timeline``'s enabled clips (UTF-8)."""
    clips = [c for c in timeline.clips if c.enabled]
    if not clips:
        raise ExportError("nothing to export: the timeline has no enabled clips")
    rate = timeline.rate
    x = XmlWriter()
    x.open("mlt", LC_NUMERIC="C", version="7.0.0", title=timeline.name, producer="main_bin")
    _profile(x, timeline)
    producers: dict[str, str] = {}
    extra: dict[tuple[str, int], str] = {}  # (asset, stream number ≥ 2) → producer id
    for src in dict.fromkeys(c.source for c in clips):
        producers[src.asset_id] = f"producer{len(producers) + len(extra)}"
        _producer(x, producers[src.asset_id], src, rate)
        for k, index in enumerate(src.audio_stream_indices[1:], 2):
            extra[(src.asset_id, k)] = f"producer{len(producers) + len(extra)}"
            _producer(x, extra[(src.asset_id, k)], src, rate, audio_index=index)
    x.open("playlist", id="main_bin")
    x.leaf("property", "1", name="xml_retain")
    x.close()
    x.open("playlist", id="V1")
    x.leaf("property", "1", name="shotcut:video")
    x.leaf("property", "V1", name="shotcut:name")
    for clip in clips:
        _entry(x, producers[clip.source.asset_id], clip, rate)
    x.close()
    streams = max(len(c.source.audio_stream_indices) for c in clips)
    for k in range(2, streams + 1):
        # Stream k of every clip on its own track, silence where a clip has no stream k.
        x.open("playlist", id=f"A{k}")
        x.leaf("property", "1", name="shotcut:audio")
        x.leaf("property", f"A{k}", name="shotcut:name")
        for clip in clips:
            pid = extra.get((clip.source.asset_id, k))
            if pid is None:
                x.leaf("blank", length=clip.record_count)
            else:
                _entry(x, pid, clip, rate)
        x.close()
    record = sum(c.record_count for c in clips)
    x.open("tractor", id="tractor0", title=timeline.name, **{"in": 0, "out": record - 1})
    x.leaf("property", "1", name="shotcut")
    if markers:
        _markers(x, clips)
    x.leaf("track", producer="V1")
    for k in range(2, streams + 1):
        x.leaf("track", producer=f"A{k}", hide="video")
    for k in range(2, streams + 1):
        x.open("transition", id=f"mix{k}")
        x.leaf("property", 0, name="a_track")
        x.leaf("property", k - 1, name="b_track")
        x.leaf("property", "mix", name="mlt_service")
        x.leaf("property", 1, name="always_active")
        x.leaf("property", 1, name="sum")
        x.close()
    x.close()  # tractor
    x.close()  # mlt
    return x.text(_HEADER)


def export_mlt(timeline: Timeline, *, markers: bool = True) -> Written:
    """The MLT export of ``timeline`` (the format table's writer), with :func:`mlt_notes`."""
    return Written((write_mlt(timeline, markers=markers),), tuple(mlt_notes(timeline)))


def mlt_notes(timeline: Timeline) -> list[str]:
    """What an MLT export cannot carry, one line each (for the export summary)."""
    notes = []
    disabled = sum(1 for c in timeline.clips if not c.enabled)
    if disabled:
        notes.append(f"MLT has no disabled clips: {disabled} disabled clip(s) left out")
    for src in dict.fromkeys(c.source for c in timeline.clips if c.source.vfr):
        notes.append(
            f"{src.name}: variable frame rate: melt (Shotcut, Kdenlive) may show a picture "
            "up to two frames early in such files; convert it to a constant rate first "
            "(Shotcut offers to) for a frame-exact edit"
        )
    return notes


def _profile(x: XmlWriter, timeline: Timeline) -> None:
    w, h = timeline.width, timeline.height
    g = gcd(w, h) or 1
    rate = timeline.rate.value
    x.leaf(
        "profile",
        description=f"vidi-desktop {w}x{h} {float(rate):.3f} fps",
        width=w,
        height=h,
        progressive=1,
        sample_aspect_num=1,
        sample_aspect_den=1,
        display_aspect_num=w // g,
        display_aspect_den=h // g,
        frame_rate_num=rate.numerator,
        frame_rate_den=rate.denominator,
        colorspace=709,
    )


def _producer(
    x: XmlWriter, pid: str, src: SourceMedia, rate: FrameRate, audio_index: int | None = None
) -> None:
    length = max(1, convert_frames(src.frames, src.rate, rate))
    x.open("producer", id=pid, **{"in": 0, "out": length - 1})
    x.leaf("property", length, name="length")
    x.leaf("property", "pause", name="eof")
    x.leaf("property", src.path, name="resource")
    x.leaf("property", "avformat", name="mlt_service")
    x.leaf("property", 1, name="seekable")
    if audio_index is not None:
        # Only this audio stream, no picture: the extra stream's track.
        x.leaf("property", audio_index, name="audio_index")
        x.leaf("property", -1, name="video_index")
    x.leaf("property", src.name, name="shotcut:caption")
    x.close()


def _entry(x: XmlWriter, pid: str, clip: Clip, rate: FrameRate) -> None:
    first = convert_frames(clip.first, clip.source.rate, rate)
    # MLT's out is the last frame shown (inclusive).
    x.leaf("entry", producer=pid, **{"in": first, "out": first + clip.record_count - 1})


def _markers(x: XmlWriter, clips: list[Clip]) -> None:
    """Shotcut's markers: start/end are sequence frames (MLT parses a bare number as frames)."""
    found = []
    for clip in clips:
        for m in clip.markers:
            if 0 <= m.offset < clip.count:
                start = clip.record_offset(m.offset)
                end = clip.record_offset(m.offset + m.duration) - 1 if m.duration else start
                found.append((start, max(start, end), m))
    if not found:
        return
    x.open("properties", name="shotcut:markers")
    for n, (start, end, m) in enumerate(sorted(found, key=lambda item: item[:2])):
        x.open("properties", name=str(n))
        x.leaf("property", m.name, name="text")
        x.leaf("property", start, name="start")
        x.leaf("property", end, name="end")
        # A colour Shotcut has no name for: red, the colour of a kind that names none.
        x.leaf("property", _HEX.get(m.color, _HEX["RED"]), name="color")
        x.close()
    x.close()
