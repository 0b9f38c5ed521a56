"""The timeline as OpenTimelineIO: the ``.otio`` JSON document, and the OTIO object.

OTIO keeps everything vidi knows: source ranges in each file's own rate counted from its
start timecode, the sequence start as ``global_start_time``, one video track and one audio
track per source channel (up to two), disabled clips, markers with the whole suggestion in
``metadata["vidi"]`` (tube boxes, the request), and crop paths as
``metadata["vidi"]["reframe"]`` (OTIO has no standard transform effect). OTIO's rates are
floats; every value here is a whole frame count, so nothing is lost.

The document is built as plain JSON in OTIO's schema (``Timeline.1``, ``Track.1``,
``Clip.2``, ``Marker.2``…) rather than through OTIO's Python objects: converting metadata
into OTIO's ``AnyDictionary`` costs ~0.2 ms a clip, too slow for thousands of events.
:func:`to_otio` reads the document back with OTIO, which also proves it is valid.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from vidi_desktop.core.timecode import frames_to_timecode
from vidi_desktop.interchange.model import Clip, Timeline
from vidi_desktop.interchange.names import plain_file_url

if TYPE_CHECKING:
    import opentimelineio as otio


def to_otio(timeline: Timeline) -> otio.schema.Timeline:
    """An OTIO timeline equal, frame for frame, to ``timeline``."""
    import opentimelineio as otio

    return otio.adapters.read_from_string(write_otio(timeline), "otio_json")


def write_otio(timeline: Timeline) -> str:
    """The ``.otio`` (JSON) text of ``timeline``."""
    # Compact: with ``indent`` Python's json falls back to its slow pure-Python encoder.
    return json.dumps(otio_document(timeline), ensure_ascii=False, separators=(",", ":"))


def otio_document(timeline: Timeline) -> dict[str, Any]:
    """The OTIO JSON document of ``timeline`` as plain Python values."""
    rate = float(timeline.rate.value)
    reels = timeline.reels()
    refs: dict[str, dict[str, Any]] = {}
    video: list[dict[str, Any]] = []
    n_audio = min(2, timeline.audio_channels)
    audio: list[list[dict[str, Any]]] = [[] for _ in range(n_audio)]
    for clip in timeline.clips:
        base = _clip(clip, reels[clip.source.asset_id], refs)
        for track in audio:
            if clip.source.audio_channels:
                track.append(base)
            else:
                track.append(_gap(clip))
        video.append({**base, "markers": [_marker(clip, m) for m in clip.markers]})
    tracks = [_track("V1", "Video", video)]
    tracks += [_track(f"A{i + 1}", "Audio", items) for i, items in enumerate(audio)]
    return {
        "OTIO_SCHEMA": "Timeline.1",
        "metadata": {
            "vidi": {
                "rate": str(timeline.rate),
                "drop_frame": timeline.drop_frame,
                "record_start": frames_to_timecode(
                    timeline.start, timeline.rate, timeline.drop_frame
                ),
                "width": timeline.width,
                "height": timeline.height,
                "warnings": list(timeline.warnings),
            }
        },
        "name": timeline.name,
        "global_start_time": _rt(timeline.start, rate),
        "tracks": {
            "OTIO_SCHEMA": "Stack.1",
            "metadata": {},
            "name": "tracks",
            "source_range": None,
            "effects": [],
            "markers": [],
            "enabled": True,
            "color": None,
            "children": tracks,
        },
    }


def _rt(value: int, rate: float) -> dict[str, Any]:
    return {"OTIO_SCHEMA": "RationalTime.1", "rate": rate, "value": float(value)}


def _range(start: int, duration: int, rate: float) -> dict[str, Any]:
    return {
        "OTIO_SCHEMA": "TimeRange.1",
        "duration": _rt(duration, rate),
        "start_time": _rt(start, rate),
    }


def _track(name: str, kind: str, children: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "OTIO_SCHEMA": "Track.1",
        "metadata": {},
        "name": name,
        "source_range": None,
        "effects": [],
        "markers": [],
        "enabled": True,
        "color": None,
        "children": children,
        "kind": kind,
    }


def _gap(clip: Clip) -> dict[str, Any]:
    return {
        "OTIO_SCHEMA": "Gap.1",
        "metadata": {},
        "name": "",
        "source_range": _range(0, clip.count, float(clip.source.rate.value)),
        "effects": [],
        "markers": [],
        "enabled": True,
        "color": None,
    }


def _clip(clip: Clip, reel: str, refs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The clip without markers; ``refs`` holds one media reference per source."""
    src = clip.source
    r = float(src.rate.value)
    ref = refs.get(src.asset_id)
    if ref is None:
        ref = refs[src.asset_id] = {
            "OTIO_SCHEMA": "ExternalReference.1",
            "metadata": {},
            "name": src.name,
            "available_range": _range(src.tc_start, src.frames, r),
            "available_image_bounds": None,
            "target_url": plain_file_url(src.path),
        }
    meta: dict[str, Any] = {
        "asset_id": src.asset_id,
        "path": src.path,
        "first_frame": clip.first,
        "frames": clip.count,
        "drop_frame": src.drop_frame,
        "kind": clip.kind,
        "state": clip.state,
    }
    if clip.suggestion_id:
        meta["suggestion_id"] = clip.suggestion_id
    if clip.reframe is not None:
        meta["reframe"] = {
            "aspect": f"{clip.reframe.aspect.numerator}:{clip.reframe.aspect.denominator}",
            "suggestion_id": clip.reframe.suggestion_id,
            "keys": [[k.offset, k.x0, k.y0, k.x1, k.y1] for k in clip.reframe.keys],
        }
    return {
        "OTIO_SCHEMA": "Clip.2",
        "metadata": {"vidi": meta, "cmx_3600": {"reel": reel}},
        "name": clip.name,
        "source_range": _range(src.tc_start + clip.first, clip.count, r),
        "effects": [],
        "markers": [],
        "enabled": clip.enabled,
        "color": None,
        "media_references": {"DEFAULT_MEDIA": ref},
        "active_media_reference_key": "DEFAULT_MEDIA",
    }


def _marker(clip: Clip, m: Any) -> dict[str, Any]:
    src = clip.source
    return {
        "OTIO_SCHEMA": "Marker.2",
        "metadata": {"vidi": dict(m.metadata)},
        "name": m.name,
        "color": m.color,
        "marked_range": _range(src.tc_start + clip.first + m.offset, m.duration,
                               float(src.rate.value)),
        "comment": m.note,
    }
