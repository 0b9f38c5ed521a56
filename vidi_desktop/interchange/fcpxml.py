"""FCPXML for Final Cut Pro (versions 1.3–1.14, 1.10 by default); written here.

OTIO's ``fcpx_xml`` adapter is unusable at NTSC rates: it writes ``frameDuration=""`` for
30000/1001 (its table is keyed by truncated integer rates), its reader truncates 29.97 to 29
and counts frames with ``int(float)``, and it runs ``ffprobe`` when the media exists. Here:

* times are exact rationals (``1001/30000s``) on frame boundaries, from whole frame counts;
* one ``<format>`` per (rate, size, pixel aspect: ``paspH``/``paspV``); the sequence's
  format is the timeline's (the crop's standard size when reframed);
* assets ``start`` = the file's start timecode, ``duration`` = its frames, with
  ``<media-rep>`` and ``videoSources`` from 1.9 on and the ``src`` attribute before;
* what each version's DTD allows (every advertised version validates against Apple's
  DTD): 1.3 is ``project`` → ``resources`` + ``sequence``; from 1.4 library → event →
  project → sequence (``tcStart`` = record start, ``tcFormat`` DF/NDF); the spine holds
  ``clip`` elements (a ``video`` and an anchored ``audio`` per stream) up to 1.5 and
  ``asset-clip`` from 1.6; ``enabled="0"`` when disabled;
* every audio stream: ``audioSources`` streams on the asset, and in the clip one
  ``audio`` (``srcID``) per stream up to 1.5, one ``audio-channel-source`` per stream
  (channels numbered across streams, subroles ``dialogue.dialogue-N``) from 1.6;
* markers (chapters as ``chapter-marker``) in the clip's source time, the note kept;
* a crop path as ``adjust-transform`` ``position``/``scale`` keyframes: FCP fits the source
  into the frame by default (spatial conform "fit"), so scale is relative to that; position
  is in percent of the frame height, y up (Apple's documented units).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from fractions import Fraction

from vidi_desktop.core.rate import FrameRate
from vidi_desktop.interchange.errors import ExportError
from vidi_desktop.interchange.fcpxml_versions import DEFAULT_VERSION, FCPXML_VERSIONS
from vidi_desktop.interchange.model import Clip, Timeline
from vidi_desktop.interchange.names import plain_file_url, xml_text
from vidi_desktop.interchange.sources import SourceMedia

_RATE_NAMES = {
    Fraction(24000, 1001): "2398",
    Fraction(24): "24",
    Fraction(25): "25",
    Fraction(30000, 1001): "2997",
    Fraction(30): "30",
    Fraction(50): "50",
    Fraction(60000, 1001): "5994",
    Fraction(60): "60",
}
# The sequence audio rates the DTD allows.
_AUDIO_RATES = {32000: "32k", 44100: "44.1k", 48000: "48k", 88200: "88.2k", 96000: "96k",
                176400: "176.4k", 192000: "192k"}
_SIZE_NAMES = {(1920, 1080): "1080", (1280, 720): "720", (3840, 2160): "3840x2160"}


def write_fcpxml(
    timeline: Timeline, *, version: str = DEFAULT_VERSION, markers: bool = True
) -> str:
    """The FCPXML text of ``timeline`` at ``version`` (one of :data:`FCPXML_VERSIONS`)."""
    if version not in FCPXML_VERSIONS:
        raise ExportError(
            f"FCPXML version {version!r} is not supported (choose {', '.join(FCPXML_VERSIONS)})"
        )
    minor = int(version.split(".")[1])
    root = ET.Element("fcpxml", version=version)
    if minor == 3:
        # 1.3: (import-options?, project), the resources inside the project.
        project = ET.SubElement(root, "project", name=xml_text(timeline.name))
        resources = ET.SubElement(project, "resources")
    else:
        resources = ET.SubElement(root, "resources")
    formats: dict[tuple[Fraction, int, int, Fraction], str] = {}
    ids = iter(f"r{n}" for n in range(1, 1_000_000))

    def format_id(rate: FrameRate, width: int, height: int, pasp: Fraction = Fraction(1)) -> str:
        key = (rate.value, width, height, pasp)
        if key not in formats:
            formats[key] = next(ids)
            attrs = {
                "id": formats[key],
                "frameDuration": _time(Fraction(1), rate),
                "width": str(width),
                "height": str(height),
            }
            name = _format_name(rate, width, height) if pasp == 1 else None
            if name:
                attrs["name"] = name
            if pasp != 1:
                attrs["paspH"] = str(pasp.numerator)
                attrs["paspV"] = str(pasp.denominator)
            ET.SubElement(resources, "format", attrs)
        return formats[key]

    seq_format = format_id(timeline.rate, timeline.width, timeline.height)
    assets: dict[str, str] = {}
    for src in timeline.sources:
        fmt = format_id(src.rate, *_stored_size(src)) if src.has_video else seq_format
        asset_id = assets[src.asset_id] = next(ids)
        streams = _streams(src)
        attrs = {
            "id": asset_id,
            "name": src.name,
            "start": _time(Fraction(src.tc_start), src.rate),
            "duration": _time(Fraction(src.frames), src.rate),
            "hasVideo": "1" if src.has_video else "0",
            "format": fmt,
            "hasAudio": "1" if streams else "0",
        }
        if src.has_video and minor >= 9:
            attrs["videoSources"] = "1"  # the attribute exists from 1.9 on
        if streams:
            attrs["audioSources"] = str(len(streams))
            attrs["audioChannels"] = str(sum(streams))
            attrs["audioRate"] = str(src.audio_rate)
        if minor < 9:
            attrs["src"] = plain_file_url(src.path)
        asset = ET.SubElement(resources, "asset", attrs)
        if minor >= 9:
            ET.SubElement(
                asset, "media-rep", kind="original-media", src=plain_file_url(src.path)
            )
    if minor > 3:
        library = ET.SubElement(root, "library")
        event = ET.SubElement(library, "event", name="vidi-desktop")
        project = ET.SubElement(event, "project", name=xml_text(timeline.name))
    seq_attrs = {
        "format": seq_format,
        "duration": _time(Fraction(timeline.duration), timeline.rate),
        "tcStart": _time(Fraction(timeline.start), timeline.rate),
        "tcFormat": "DF" if timeline.drop_frame else "NDF",
    }
    if timeline.audio_channels:
        seq_attrs["audioLayout"] = "stereo" if timeline.audio_channels >= 2 else "mono"
        seq_attrs["audioRate"] = _AUDIO_RATES.get(timeline.audio_rate, "48k")
    sequence = ET.SubElement(project, "sequence", seq_attrs)
    spine = ET.SubElement(sequence, "spine")
    for clip in timeline.clips:
        asset_ref = assets[clip.source.asset_id]
        if minor >= 6:
            spine.append(_asset_clip(timeline, clip, asset_ref, markers, minor))
        else:
            spine.append(_clip(timeline, clip, asset_ref, markers, minor))
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n' + body + "\n"


def _stored_size(src: SourceMedia) -> tuple[int, int, Fraction]:
    """Width, height and pixel aspect of the stored picture, turned upright when the file
    says so (FCP reads the rotation itself; a quarter turn swaps the pixel aspect too)."""
    if src.rotation in (90, 270):
        return src.height, src.width, 1 / src.sar
    return src.width, src.height, src.sar


def _streams(src: SourceMedia) -> tuple[int, ...]:
    """Channels per audio stream (projects from before streams were kept: the first)."""
    return src.audio_streams or ((src.audio_channels,) if src.audio_channels else ())


def _time(frames: Fraction, rate: FrameRate) -> str:
    """``frames`` frames at ``rate`` as an FCPXML time (``"1001/30000s"``, ``"0s"``)."""
    seconds = frames / rate.value
    if seconds == 0:
        return "0s"
    if seconds.denominator == 1:
        return f"{seconds.numerator}s"
    return f"{seconds.numerator}/{seconds.denominator}s"


def _format_name(rate: FrameRate, width: int, height: int) -> str | None:
    size = _SIZE_NAMES.get((width, height))
    suffix = _RATE_NAMES.get(rate.value)
    if size is None or suffix is None:
        return None  # a custom format: FCP reads frameDuration, width and height
    return f"FFVideoFormat{size}p{suffix}"


def _asset_clip(
    timeline: Timeline, clip: Clip, asset_id: str, markers: bool, minor: int
) -> ET.Element:
    """An ``asset-clip`` (1.6 on): the file's video and every audio stream as one clip."""
    src = clip.source
    attrs = _timing(timeline, clip)
    attrs = {"ref": asset_id, **attrs}
    streams = _streams(src)
    if streams:
        attrs["audioRole"] = "dialogue"
    element = ET.Element("asset-clip", attrs)
    if clip.reframe is not None and src.has_video:
        _adjust_transform(element, timeline, clip, minor)
    if markers:
        _markers(element, clip)
    if len(streams) > 1:
        # One component per stream, channels numbered across the file's streams.
        first = 1
        for k, channels in enumerate(streams, 1):
            ET.SubElement(
                element, "audio-channel-source",
                srcCh=", ".join(str(first + c) for c in range(channels)),
                role=f"dialogue.dialogue-{k}",
            )
            first += channels
    return element


def _clip(
    timeline: Timeline, clip: Clip, asset_id: str, markers: bool, minor: int
) -> ET.Element:
    """A ``clip`` (1.3–1.5, before ``asset-clip``): its ``video`` and one ``audio`` per
    stream anchored below it, all on the file's own time (so markers and keyframes are
    in source time, as in an ``asset-clip``)."""
    src = clip.source
    element = ET.Element("clip", _timing(timeline, clip))
    if clip.reframe is not None and src.has_video:
        _adjust_transform(element, timeline, clip, minor)
    inner = {
        "offset": _time(Fraction(src.tc_start + clip.first), src.rate),
        "start": _time(Fraction(src.tc_start + clip.first), src.rate),
        "duration": _time(Fraction(clip.record_count), timeline.rate),
    }
    if src.has_video:
        ET.SubElement(element, "video", {"ref": asset_id, **inner})
    for k, _ in enumerate(_streams(src), 1):
        attrs = {"ref": asset_id, **inner, "role": "dialogue"}
        if src.has_video or k > 1:
            attrs = {"lane": str(-k + (0 if src.has_video else 1)), **attrs}
        if k > 1:
            attrs["srcID"] = str(k)
        ET.SubElement(element, "audio", attrs)
    if markers:
        _markers(element, clip)
    return element


def _timing(timeline: Timeline, clip: Clip) -> dict[str, str]:
    """Where a clip sits on the sequence and which part of its file it shows."""
    src = clip.source
    attrs = {
        "offset": _time(Fraction(timeline.start + clip.record_in), timeline.rate),
        "name": xml_text(clip.name),
        "start": _time(Fraction(src.tc_start + clip.first), src.rate),
        "duration": _time(Fraction(clip.record_count), timeline.rate),
        "tcFormat": "DF" if src.drop_frame else "NDF",
    }
    if not clip.enabled:
        attrs["enabled"] = "0"
    return attrs


def _markers(element: ET.Element, clip: Clip) -> None:
    src = clip.source
    for m in clip.markers:
        tag = "chapter-marker" if m.kind == "chapter" else "marker"
        m_attrs = {
            "start": _time(Fraction(src.tc_start + clip.first + m.offset), src.rate),
            "duration": _time(Fraction(max(1, m.duration)), src.rate),
            "value": xml_text(m.name),
        }
        if tag == "chapter-marker":
            m_attrs["posterOffset"] = "0s"
        elif m.note:
            m_attrs["note"] = xml_text(m.note)
        ET.SubElement(element, tag, m_attrs)


def transform_at(timeline: Timeline, clip: Clip, offset: int) -> tuple[float, float, float]:
    """``(scale, position x %, position y %)`` showing the crop window at ``offset``."""
    assert clip.reframe is not None
    x0, y0, x1, y1 = clip.reframe.window_at(offset)
    disp_w, disp_h = clip.source.display_size
    # Pixels of the source per pixel of the frame once the crop fills it …
    want = timeline.height / max(1e-9, (y1 - y0) * disp_h)
    # … relative to FCP's default "fit" conform.
    fit = min(timeline.width / disp_w, timeline.height / disp_h)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    pos_x = -(cx - 0.5) * disp_w * want / timeline.height * 100
    pos_y = (cy - 0.5) * disp_h * want / timeline.height * 100
    return want / fit, pos_x, pos_y


def _adjust_transform(element: ET.Element, timeline: Timeline, clip: Clip, minor: int) -> None:
    assert clip.reframe is not None
    src = clip.source
    values = [(k.offset, transform_at(timeline, clip, k.offset)) for k in clip.reframe.keys]
    scale0, x0, y0 = values[0][1]
    adjust = ET.SubElement(
        element, "adjust-transform", position=f"{_num(x0)} {_num(y0)}",
        scale=f"{_num(scale0)} {_num(scale0)}",
    )
    if len(values) < 2:
        return
    if minor == 3:
        # 1.3 has no keyframeAnimation: keyed values are ';'-separated lists on the param.
        times = ";".join(
            _time(Fraction(src.tc_start + clip.first + o), src.rate) for o, _ in values
        )
        ET.SubElement(adjust, "param", name="position", keyTimes=times,
                      keyValues=";".join(f"{_num(px)} {_num(py)}" for _, (_, px, py) in values))
        ET.SubElement(adjust, "param", name="scale", keyTimes=times,
                      keyValues=";".join(f"{_num(sc)} {_num(sc)}" for _, (sc, _, _) in values))
        return
    pos = ET.SubElement(ET.SubElement(adjust, "param", name="position"), "keyframeAnimation")
    scl = ET.SubElement(ET.SubElement(adjust, "param", name="scale"), "keyframeAnimation")
    for offset, (scale, px, py) in values:
        t = _time(Fraction(src.tc_start + clip.first + offset), src.rate)
        ET.SubElement(pos, "keyframe", time=t, value=f"{_num(px)} {_num(py)}")
        ET.SubElement(scl, "keyframe", time=t, value=f"{_num(scale)} {_num(scale)}")


def _num(x: float) -> str:
    return f"{x:.6f}".rstrip("0").rstrip(".") or "0"
