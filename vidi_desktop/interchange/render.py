"""Rendering a timeline to a video file with PyAV: exact (re-encode) or fast (stream copy).

**Exact** decodes every frame of every clip with the frame-exact reader (the frame table,
never ``n / fps``), turns it upright with square pixels (rotation, SAR), crops it along the
crop path when the clip is reframed, draws burnt-in subtitles if asked, and encodes H.264;
audio is cut at the same instants (sample-exact, from ``read_audio``), resampled to 48 kHz
stereo and encoded AAC, so a sound at frame *n* of a clip plays at the same output frame.
Output frame *k* of a clip is the source frame on screen at the middle of the *k*-th output
frame period, so variable-rate sources and clips at another rate land on the right frames.

**Fast** copies whole GOPs: packets from the keyframe at or before each clip's first frame to
the keyframe at or after its end (so every copied frame has its reference frames). No
quality loss and very quick, but a clip may start and end up to a GOP beyond its in/out
points (the report counts the extra frames) and nothing can be cropped or drawn: not
frame-exact unless the cuts fall on keyframes, and the report says which.

Both write through the atomic writer (:func:`vidi_desktop.core.atomic.write_via`: a
temporary file beside the target, renamed at the end): a cancelled or failed render leaves
nothing under the target name, and the file gets ordinary permissions. Progress and
cancellation go through a :class:`~vidi_desktop.core.progress.JobContext`-like object
(``progress``, ``check_cancelled``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from vidi_desktop.core.atomic import write_via
from vidi_desktop.core.errors import VidiError
from vidi_desktop.interchange import picture
from vidi_desktop.interchange.errors import ExportError, check_writable_target
from vidi_desktop.interchange.model import Clip, Timeline
from vidi_desktop.interchange.part_files import clean_stale_parts, hold, release

if TYPE_CHECKING:
    import av
    import numpy as np

    from vidi_desktop.interchange.subtitles import Cue

RenderMode = Literal["exact", "fast"]
AUDIO_RATE = 48000
_CONTAINERS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska"}


class Progress(Protocol):
    """What the render reports to (``JobContext`` fits)."""

    def progress(self, fraction: float | None, message: str = "", *, force: bool = False) -> None:
        ...

    def check_cancelled(self) -> None: ...


class _Silent:
    def progress(self, fraction: float | None, message: str = "", *, force: bool = False) -> None:
        return None

    def check_cancelled(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """How to render. ``size`` defaults to the timeline's size (the crop's standard size
    when reframed, else the first source's display size)."""

    mode: RenderMode = "exact"
    size: tuple[int, int] | None = None
    crf: int = 18
    preset: str = "veryfast"
    audio: bool = True
    audio_bitrate: int = 192_000
    subtitles: tuple[Cue, ...] = ()  # burnt in when given (on the edit's clock)
    threads: int = 0


@dataclass
class RenderReport:
    """What was written: frames, duration, whether each frame is exactly the one asked."""

    path: Path
    mode: RenderMode
    frames: int
    duration: Fraction
    frame_exact: bool
    notes: list[str] = field(default_factory=list)


def render(
    timeline: Timeline,
    output: str | os.PathLike[str],
    options: RenderOptions | None = None,
    ctx: Progress | None = None,
) -> RenderReport:
    """Render the enabled clips of ``timeline`` to ``output`` (``.mp4``, ``.mov``, ``.mkv``)."""
    options = options or RenderOptions()
    ctx = ctx or _Silent()
    target = Path(output)
    container_format = _check_target(target)
    _check_size(options.size)
    clips = [c for c in timeline.clips if c.enabled]
    if not clips:
        raise ExportError("nothing to render: the timeline has no enabled clips")
    _check_sources(clips)
    folder = target.parent if str(target.parent) else Path(".")
    clean_stale_parts(folder)  # what renders killed earlier left behind

    def write(tmp: Path) -> RenderReport:
        holding = hold(tmp)  # so that a render starting meanwhile leaves our part alone
        try:
            return _render_into(timeline, clips, target, tmp, container_format, options, ctx)
        finally:
            release(holding)

    try:
        report = write_via(target, write, suffix=".part")
    except VidiError:
        raise
    except PermissionError as exc:
        if exc.filename == str(target):  # the temporary file could not be made there
            folder = target.parent if str(target.parent) else Path(".")
            raise ExportError(f"{folder}: no permission to write in this folder") from None
        raise ExportError(f"{target}: cannot be written ({exc.strerror or exc})") from None
    except OSError as exc:  # PyAV's errors are OSErrors too
        raise ExportError(f"{target}: cannot be written ({exc.strerror or exc})") from None
    except Exception as exc:
        if not _is_ffmpeg_error(exc):
            raise
        raise ExportError(f"{target}: the render failed ({_ffmpeg_reason(exc)})") from None
    report.path = target
    ctx.progress(1.0, "done", force=True)
    return report


# -- checks ----------------------------------------------------------------------------------


class _CannotCopy(Exception):
    """Stream copy is impossible here (codec not allowed in the container, muxer refusal)."""


def _is_ffmpeg_error(exc: BaseException) -> bool:
    """An error PyAV raised for FFmpeg (its base class, or a codec/format refusal)."""
    import av

    if isinstance(exc, av.error.FFmpegError):
        return True
    return isinstance(exc, ValueError) and type(exc).__module__.startswith("av.")


def _ffmpeg_reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(text).splitlines()[0][:200]


def _render_into(
    timeline: Timeline,
    clips: Sequence[Clip],
    target: Path,
    tmp: Path,
    container_format: str,
    options: RenderOptions,
    ctx: Progress,
) -> RenderReport:
    """Render the clips into the temporary file ``tmp`` (renamed to ``target`` by the caller)."""
    if options.mode == "fast":
        try:
            report = _render_fast(timeline, clips, tmp, container_format, ctx)
        except _CannotCopy as exc:
            # ProRes into .mp4, VP8 into .mov, a stream without the headers MP4 needs…
            report = _render_exact(timeline, clips, tmp, container_format, options, ctx)
            report.notes.insert(0, f"fast mode cannot copy this footage into "
                                   f"{target.suffix} ({exc}): rendered in exact mode")
    elif options.mode == "exact":
        report = _render_exact(timeline, clips, tmp, container_format, options, ctx)
    else:
        raise ExportError(f"render mode must be 'exact' or 'fast', got {options.mode!r}")
    ctx.check_cancelled()
    return report


def _check_target(target: Path) -> str:
    fmt = _CONTAINERS.get(target.suffix.lower())
    if fmt is None:
        raise ExportError(f"{target}: render to .mp4, .mov or .mkv")
    check_writable_target(target)
    return fmt


MAX_OUTPUT_SIDE = 16384  # libx264's limit; a bigger frame is a typo, not a delivery format


def _check_size(size: tuple[int, int] | None) -> None:
    if size is not None and max(size) > MAX_OUTPUT_SIDE:
        raise ExportError(
            f"--size {size[0]}x{size[1]} is too large: at most {MAX_OUTPUT_SIDE} pixels a side"
        )


def _check_sources(clips: Sequence[Clip]) -> None:
    """Every source must still be where the project says, unchanged in size."""
    seen: set[str] = set()
    for c in clips:
        src = c.source
        if src.asset_id in seen:
            continue
        seen.add(src.asset_id)
        p = Path(src.path)
        try:
            present = p.is_file()
        except OSError as exc:  # ENAMETOOLONG: a hand-edited 5000-character path
            raise ExportError(
                f"{src.name}: its path cannot be opened ({exc.strerror or exc}); relink it"
            ) from None
        if not present:
            raise ExportError(f"{src.name}: the file moved or was deleted ({p}); relink it")
        if not src.has_video:
            raise ExportError(f"{src.name}: has no video to render")


# -- exact -------------------------------------------------------------------------------------


def _render_exact(
    timeline: Timeline,
    clips: Sequence[Clip],
    tmp: Path,
    container_format: str,
    options: RenderOptions,
    ctx: Progress,
) -> RenderReport:
    import av

    from vidi_desktop.media.reader import VideoReader

    width, height = _even(options.size or (timeline.width, timeline.height))
    rate = timeline.rate.value
    total = sum(c.record_count for c in clips)
    with_audio = options.audio and any(c.source.audio_channels for c in clips)
    cues = sorted(options.subtitles, key=lambda c: c.start)
    written = 0
    try:
        out = av.open(str(tmp), mode="w", format=container_format)
    except av.error.FFmpegError as exc:
        raise ExportError(f"cannot create the output ({exc.strerror})") from None
    with out:
        vs = out.add_stream("libx264", rate=rate)
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        vs.codec_context.time_base = 1 / rate
        vs.options = {"crf": str(options.crf), "preset": options.preset}
        if options.threads:
            vs.codec_context.thread_count = options.threads
        aud = None
        if with_audio:
            aud = out.add_stream("aac", rate=AUDIO_RATE)
            aud.layout = "stereo"
            aud.bit_rate = options.audio_bitrate
        audio_written = 0
        for i, clip in enumerate(clips):
            label = f"clip {i + 1}/{len(clips)}"
            with VideoReader(clip.source.path) as reader:
                sources = _source_frames(clip, reader, rate)
                rotation = clip.source.rotation
                sar = float(reader.sar)
                for k, n in enumerate(sources):
                    ctx.progress(written / max(1, total), label)
                    frame = reader.frame(n)
                    t_out = Fraction(written) / rate
                    caption = _caption_at(cues, t_out + Fraction(1, 2) / rate)
                    vf = _picture(frame, clip, k, rotation, sar, (width, height), caption)
                    vf.pts = written
                    vf.time_base = vs.codec_context.time_base
                    for packet in vs.encode(vf):
                        out.mux(packet)
                    written += 1
            if aud is not None:
                audio_written = _encode_audio(out, aud, clip, written, rate, audio_written, ctx)
        for packet in vs.encode():
            out.mux(packet)
        if aud is not None:
            for packet in aud.encode():
                out.mux(packet)
    return RenderReport(tmp, "exact", written, Fraction(written) / rate, frame_exact=True)


def _even(size: tuple[int, int]) -> tuple[int, int]:
    w, h = size
    return max(2, w // 2 * 2), max(2, h // 2 * 2)


def _source_frames(clip: Clip, reader: Any, rate: Fraction) -> list[int]:
    """Source frame for each output frame of ``clip``.

    Same constant rate: the clip's own frames, one to one. Otherwise (variable rate, or a
    clip at another rate than the sequence) the frame on screen at the middle of each
    output frame period, from the frame table.
    """
    src = clip.source
    if not src.vfr and src.rate.value == rate:
        last = reader.frame_count - 1
        return [min(last, n) for n in range(clip.first, clip.end)]
    from vidi_desktop.core.time import Time

    start = clip.source_range.start.seconds
    out = []
    for k in range(clip.record_count):
        t = start + (Fraction(k) + Fraction(1, 2)) / rate
        out.append(reader.frame_at_time(Time(t.numerator, Fraction(1, t.denominator))))
    return out


def _caption_at(cues: Sequence[Cue], t: Fraction) -> str:
    for c in cues:
        if c.start <= t < c.end:
            return c.text
        if c.start > t:
            break
    return ""


def _picture(
    frame: av.VideoFrame,
    clip: Clip,
    offset: int,
    rotation: int,
    sar: float,
    size: tuple[int, int],
    caption: str,
) -> av.VideoFrame:
    """The output picture of one source frame."""
    import av

    crop = clip.reframe is not None
    if not picture.needs_pixels(rotation, crop, bool(caption)):
        return frame  # the encoder scales (and converts) with its reused swscale context
    img: np.ndarray = picture.upright(frame, rotation)
    if clip.reframe is not None:
        window = clip.reframe.window_at(offset)
        img = picture.crop_window(img, window, float(clip.reframe.aspect), sar)
    img = picture.resize(img, size)
    if caption:
        img = img.copy()
        picture.draw_caption(img, caption)
    return av.VideoFrame.from_ndarray(img, format="rgb24")


def _encode_audio(
    out: Any, stream: Any, clip: Clip, frames_done: int, rate: Fraction, done: int,
    ctx: Progress,
) -> int:
    """Encode the clip's audio so it ends exactly where its video ends; returns samples done."""
    import av
    import numpy as np

    from vidi_desktop.core.errors import MissingStreamError
    from vidi_desktop.media.audio import read_audio

    end_sample = round(Fraction(frames_done) / rate * AUDIO_RATE)
    need = end_sample - done
    if need <= 0:
        return done
    samples = np.zeros((2, need), np.float32)
    if clip.source.audio_channels:
        r = clip.source_range
        try:
            got = read_audio(clip.source.path, rate=AUDIO_RATE, layout="stereo", start=r.start,
                             duration=r.duration).samples
        except MissingStreamError:
            got = np.zeros((2, 0), np.float32)
        n = min(need, got.shape[1])
        samples[:, :n] = got[:, :n]
    ctx.check_cancelled()
    chunk = 1024
    for start in range(0, need, chunk):
        part = np.ascontiguousarray(samples[:, start : start + chunk])
        af = av.AudioFrame.from_ndarray(part, format="fltp", layout="stereo")
        af.sample_rate = AUDIO_RATE
        af.pts = done + start
        af.time_base = Fraction(1, AUDIO_RATE)
        for packet in stream.encode(af):
            out.mux(packet)
    return end_sample


# -- fast --------------------------------------------------------------------------------------


def _render_fast(
    timeline: Timeline,
    clips: Sequence[Clip],
    tmp: Path,
    container_format: str,
    ctx: Progress,
) -> RenderReport:
    notes = ["fast mode copies whole GOPs (keyframe to keyframe): clips may start early and "
             "end late; not frame-exact"]
    if any(c.reframe is not None for c in clips):
        notes.append("crop paths are ignored in fast mode (render exact to reframe)")
    _check_same_codec(clips)
    try:
        done_frames, extra_total, offset = _copy_clips(clips, tmp, container_format, ctx)
        _check_copy_plays(tmp)
    except ValueError as exc:  # PyAV: "'mp4' format does not support 'prores' codec"
        raise _CannotCopy(_ffmpeg_reason(exc)) from None
    except Exception as exc:
        if not _is_ffmpeg_error(exc):
            raise
        raise _CannotCopy(_ffmpeg_reason(exc)) from None
    if extra_total:
        notes.append(f"{extra_total} frame(s) outside the clips' in/out points were included")
    return RenderReport(tmp, "fast", done_frames, offset, frame_exact=extra_total == 0,
                        notes=notes)


def _copy_clips(
    clips: Sequence[Clip], tmp: Path, container_format: str, ctx: Progress
) -> tuple[int, int, Fraction]:
    """Copy each clip's whole GOPs into ``tmp``: (frames written, extra frames, duration)."""
    import av

    from vidi_desktop.media.container import open_media
    from vidi_desktop.media.identity import FileIdentity
    from vidi_desktop.media.index import load_or_scan

    total = sum(c.count for c in clips)
    done_frames = 0
    extra_total = 0
    out = av.open(str(tmp), mode="w", format=container_format)
    with out:
        v_out = a_out = None
        offset = Fraction(0)  # output seconds where the next clip starts
        for i, clip in enumerate(clips):
            with open_media(clip.source.path) as inp:
                vin = inp.streams.video[0]
                ain = inp.streams.audio[0] if inp.streams.audio else None
                if v_out is None:
                    # opaque: look the codec up by id (AV1's decoder is "libdav1d", which
                    # names no encoder); the muxer then says if the container can hold it.
                    v_out = out.add_stream_from_template(vin, opaque=True)
                    if ain is not None:
                        a_out = out.add_stream_from_template(ain, opaque=True)
                index = load_or_scan(inp, vin, FileIdentity.of(Path(clip.source.path)))
                if index.segments:
                    raise _CannotCopy("its timestamps jump back")
                frames = index.frames
                # Whole GOPs: from the keyframe at or before the in point to the keyframe at
                # or after the out point, so every copied frame has its references.
                key = frames.keyframe_at_or_before(clip.first)
                end_key = _keyframe_at_or_after(frames.keyframes, clip.end, len(frames))
                extra_total += (clip.first - key) + (end_key - clip.end)
                vtb = Fraction(vin.time_base)
                key_s = frames.pts[key] * vtb
                end_s = frames.pts[end_key] * vtb if end_key < len(frames) else index.end_pts * vtb
                streams = [vin] if (ain is None or a_out is None) else [vin, ain]
                _seek_at_or_before(inp, vin, frames, key)
                budget = (end_key - key) * 8 + 4096  # packets: a bound for broken files
                video_done = False
                audio_done = ain is None or a_out is None
                for packet in inp.demux(*streams):
                    budget -= 1
                    if budget < 0 or (video_done and audio_done):
                        break
                    if packet.pts is None:
                        continue
                    tb = Fraction(packet.time_base)
                    t = packet.pts * tb
                    dts = (packet.dts if packet.dts is not None else packet.pts) * tb
                    is_video = packet.stream is vin
                    if dts >= end_s:
                        # Streams are interleaved by time: once each one is past the end,
                        # nothing later belongs to the clip.
                        video_done = video_done or is_video
                        audio_done = audio_done or not is_video
                        continue
                    if t < key_s or t >= end_s:
                        continue
                    shift = offset - key_s
                    packet.pts = round((t + shift) / tb)
                    packet.dts = round((dts + shift) / tb)
                    packet.stream = v_out if is_video else a_out
                    out.mux(packet)
                    if is_video:
                        done_frames += 1
                        ctx.progress(min(1.0, done_frames / max(1, total)),
                                     f"clip {i + 1}/{len(clips)}")
                offset += end_s - key_s
    return done_frames, extra_total, offset


def _check_copy_plays(path: Path) -> None:
    """Decode the copy's first picture: a muxer may accept a stream it cannot describe
    (raw yuv420p in .mov has no pixel format there), leaving a file nothing plays."""
    import av

    with av.open(str(path)) as check:
        for _ in check.decode(video=0):
            return
    raise _CannotCopy("the copy would hold no playable picture")


def _seek_at_or_before(inp: Any, vin: Any, frames: Any, key: int) -> None:
    """Seek so that the keyframe ``key``'s packet is still ahead: MPEG-TS/PS seek by dts
    and may land just after it, so try the keyframe before, then the start of the file."""
    tries: list[int | None] = [key]
    if key > 0:
        tries.append(frames.keyframe_at_or_before(key - 1))
    tries.append(None)
    for where in tries:
        if where is None:
            inp.seek(0)
            return
        inp.seek(frames.pts[where], stream=vin, backward=True, any_frame=False)
        first = next((p for p in inp.demux(vin) if p.pts is not None), None)
        if first is not None and first.pts <= frames.pts[key]:
            inp.seek(frames.pts[where], stream=vin, backward=True, any_frame=False)
            return


def _keyframe_at_or_after(keyframes: Sequence[int], frame: int, count: int) -> int:
    """The first keyframe at or after ``frame`` (``count`` when there is none)."""
    import bisect

    i = bisect.bisect_left(keyframes, frame)
    return keyframes[i] if i < len(keyframes) else count


def _check_same_codec(clips: Sequence[Clip]) -> None:
    """Stream copy can join clips of one file, or of files with the same codec and size."""
    shapes = {(c.source.width, c.source.height, c.source.rate.value) for c in clips}
    if len(shapes) > 1:
        raise ExportError(
            "fast mode copies streams and needs clips of one size and rate; render exact"
        )

