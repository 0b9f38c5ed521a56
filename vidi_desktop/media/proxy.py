"""All-intra low-resolution scrub proxies, built where the editor looks first.

Exact seeking in a long-GOP file decodes from the previous keyframe: up to ~2 s for a frame
late in a 250-frame GOP of 1080p H.264 on these machines. Scrubbing cannot wait that long. A
proxy holds every frame of the original as an independent MJPEG picture (every frame a
keyframe) at most ``PROXY_SIDE`` pixels on its longer side, so any frame is one seek and one
small decode away (a few milliseconds). The player shows the proxy's frame at once and
replaces it with the exact full-resolution frame when that is decoded; it also plays from
the proxy when shuttling and playing backwards.

A proxy is a folder of *chunks*: each covers a range of frames ``[a, b)`` that starts on a
keyframe of the original (so building it decodes nothing twice) and is about
``CHUNK_FRAMES`` long. Chunks are built in the order the editor needs them — those in view
first, then outwards from the playhead (:func:`build_order`, asked again before every
chunk, so a seek elsewhere mid-build moves the work there) — and each is usable as soon as
it is written: :class:`ProxyReader` serves the frames of the chunks present. A cancelled
build keeps its finished chunks; the next build continues from them.

Proxy frame ``n`` *is* original frame ``n``: chunk pictures are written in display order,
one per entry of the original's frame table (a frame that fails to decode repeats the
previous picture so numbering never shifts), and a chunk whose frame count differs is
refused. Pictures are stored upright and square-pixel (rotation and SAR applied).

Proxies are cached per file identity in the media cache (``proxy/<key>/``); every chunk is
written through the atomic writer (a temporary name, renamed), so a cancelled or crashed
build never leaves a half file, and a side file marks the whole proxy finished.
"""

from __future__ import annotations

import bisect
import json
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from vidi_desktop.core.atomic import write_via
from vidi_desktop.core.errors import VidiError
from vidi_desktop.media.container import check_file
from vidi_desktop.media.identity import FileIdentity, entry_dir, write_json

if TYPE_CHECKING:
    import av

    from vidi_desktop.media.reader import VideoReader

PROXY_SIDE = 640  # longer side of proxy pictures: 640×360 for 16:9
PROXY_FORMAT = 2  # bump when what a proxy holds changes meaning (2: chunks)
CHUNK_FRAMES = 240  # frames per chunk, about: 8–10 s of footage, a few seconds to build
MAX_CHUNKS = 400  # longer files get longer chunks
# Rate control aims at ~20 KB a picture (the stream is stamped 25 fps): about 2 GB for an
# hour of 30 fps footage, sharp enough to find a moment, never to judge focus.
_BITRATE = 20_000 * 8 * 25
_CHUNK_NAME = re.compile(r"^(\d{9})-(\d{9})\.mov$")
_OPEN_CHUNKS = 4  # chunk readers kept open by a ProxyReader

Chunk = tuple[int, int]  # frames [a, b)
Focus = tuple[int, int, int]  # frames in view [first, last], and the playhead's frame


def proxy_dir(identity: FileIdentity, side: int = PROXY_SIDE) -> Path:
    """The folder of the proxy of this file version (it may not exist)."""
    return entry_dir(identity, "proxy") / f"proxy{side}_v{PROXY_FORMAT}"


def chunk_file(folder: Path, chunk: Chunk) -> Path:
    """Where the chunk of frames ``[a, b)`` lives in a proxy folder."""
    return folder / f"{chunk[0]:09d}-{chunk[1]:09d}.mov"


def find_proxy(path: str | os.PathLike[str], side: int = PROXY_SIDE) -> Path | None:
    """The finished proxy (folder) of ``path``, or None when none was built for this file
    version (a partial one may exist: see :func:`partial_proxy`)."""
    identity = FileIdentity.of(check_file(path))
    folder = proxy_dir(identity, side)
    return folder if _read_meta(folder) is not None else None


def partial_proxy(path: str | os.PathLike[str], side: int = PROXY_SIDE) -> Path | None:
    """The proxy folder of ``path`` when at least one chunk of it is built, else None."""
    folder = proxy_dir(FileIdentity.of(check_file(path)), side)
    return folder if built_chunks(folder) else None


def wants_proxy(display_width: int, display_height: int, side: int = PROXY_SIDE) -> bool:
    """True when frames are big enough that a proxy makes scrubbing faster."""
    return max(display_width, display_height) > side * 1.2


def plan_chunks(
    keyframes: Sequence[int], frame_count: int, target: int = CHUNK_FRAMES
) -> list[Chunk]:
    """Ranges ``[a, b)`` covering frames ``0 … frame_count - 1``, each starting on a
    keyframe and at least ``target`` frames long where keyframes allow (a GOP longer than
    that is one chunk; the last chunk takes what is left)."""
    target = max(target, -(-frame_count // MAX_CHUNKS))
    chunks: list[Chunk] = []
    a = 0
    for k in sorted(set(keyframes)):
        if a < k < frame_count and k - a >= target:
            chunks.append((a, k))
            a = k
    if a < frame_count:
        chunks.append((a, frame_count))
    return chunks


def build_order(chunks: Sequence[Chunk], focus: Focus | None) -> list[Chunk]:
    """``chunks`` in the order to build them: those overlapping the frames in view first,
    then the rest; within each, nearest to the playhead first (ahead of it before behind
    it at the same distance: playback goes forwards). No focus: in order."""
    if focus is None:
        return list(chunks)
    first, last, playhead = focus

    def key(chunk: Chunk) -> tuple[bool, int, bool]:
        a, b = chunk
        in_view = a <= last and b > first
        distance = 0 if a <= playhead < b else (a - playhead if a > playhead
                                                 else playhead - (b - 1))
        return (not in_view, distance, a < playhead)

    return sorted(chunks, key=key)


def built_chunks(folder: Path) -> list[Chunk]:
    """The chunks present in a proxy folder, by first frame."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    found = []
    for name in names:
        m = _CHUNK_NAME.match(name)
        if m:
            found.append((int(m.group(1)), int(m.group(2))))
    return sorted(found)


def build_proxy(
    path: str | os.PathLike[str],
    *,
    side: int = PROXY_SIDE,
    cancel: threading.Event | None = None,
    progress: Callable[[float], None] | None = None,
    threads: Literal["AUTO", "FRAME", "SLICE", "NONE"] = "AUTO",
    focus: Callable[[], Focus | None] | None = None,
    on_chunk: Callable[[Chunk], None] | None = None,
    chunk_frames: int | None = None,
) -> Path:
    """Build (or find, or finish) the proxy of ``path`` and return its folder.

    Chunks (about ``chunk_frames`` long, default :data:`CHUNK_FRAMES`) are built in
    :func:`build_order` for ``focus()`` — asked before each chunk — and ``on_chunk(chunk)``
    is called as each one is written (not for chunks already there). Decodes each frame
    once (``threads="NONE"`` keeps a background build to one core, leaving the others to
    interactive playback). Raises ``core.errors.CancelledError`` when ``cancel`` is set
    (finished chunks stay) and the media errors of :func:`media.decode.iter_decoded`.
    """
    from vidi_desktop.media.container import open_media, video_stream
    from vidi_desktop.media.index import load_or_scan

    p = Path(path).resolve()
    identity = FileIdentity.of(check_file(p))
    folder = proxy_dir(identity, side)
    if _read_meta(folder) is not None:
        return folder
    with open_media(p) as container:
        index = load_or_scan(container, video_stream(container, p), identity)
    frames = index.frames
    # Where timestamps jump back or are missing, decoding starts at the file's start
    # whatever the chunk: one chunk then, or every chunk would decode all before it.
    keyframes = () if index.segments or index.untimed else frames.keyframes
    chunks = plan_chunks(keyframes, len(frames), chunk_frames or CHUNK_FRAMES)
    folder.mkdir(parents=True, exist_ok=True)
    for stray in set(built_chunks(folder)) - set(chunks):  # from a build planned otherwise
        chunk_file(folder, stray).unlink(missing_ok=True)
    todo = [c for c in chunks if not chunk_file(folder, c).is_file()]
    done = len(chunks) - len(todo)
    while todo:
        chunk = build_order(todo, focus() if focus is not None else None)[0]
        _build_chunk(p, folder, chunk, side, cancel, threads)
        todo.remove(chunk)
        done += 1
        if on_chunk is not None:
            on_chunk(chunk)
        if progress is not None:
            progress(done / len(chunks))
    # The side file marks the proxy finished: written last, read first.
    _write_meta(folder, {"format": PROXY_FORMAT, "frames": len(frames), "side": side,
                         "chunks": [list(c) for c in chunks]})
    return folder


def _build_chunk(
    path: Path, folder: Path, chunk: Chunk, side: int, cancel: threading.Event | None,
    threads: Literal["AUTO", "FRAME", "SLICE", "NONE"],
) -> None:
    """Write the chunk of frames ``[a, b)``: picture ``i`` of the file is frame ``a + i``."""
    import av
    import numpy as np

    from vidi_desktop.media.decode import PassReport, iter_decoded

    a, b = chunk

    def write(tmp: Path) -> int:
        written = 0
        with av.open(str(tmp), mode="w", format="mov") as out:
            stream = None
            last: np.ndarray | None = None
            report = PassReport()
            for frame in iter_decoded(path, start_frame=a, end_frame=b, cancel=cancel,
                                      report=report, threads=threads):
                image = frame.image("rgb24", side)
                if stream is None:
                    stream = _add_stream(out, image)
                image = image[: stream.height, : stream.width]
                # A frame the decoder dropped repeats the previous picture (or, at the
                # chunk's start, the first one decoded): numbering holds.
                while written < frame.index - a:
                    _encode(out, stream, last if last is not None else image, written)
                    written += 1
                _encode(out, stream, image, written)
                written += 1
                last = image
            if stream is not None:
                while written < b - a and last is not None:
                    _encode(out, stream, last, written)
                    written += 1
                for packet in stream.encode():
                    out.mux(packet)
        if written != b - a:
            raise ValueError(f"proxy chunk {a}-{b} has {written} pictures for {b - a} frames")
        return written

    write_via(chunk_file(folder, chunk), write, suffix=".tmp.mov", durable=False)


def _add_stream(out: object, image: object) -> object:
    stream = out.add_stream("mjpeg", rate=25)  # type: ignore[attr-defined]
    h, w = image.shape[:2]  # type: ignore[attr-defined]
    stream.width, stream.height = w - w % 2, h - h % 2
    stream.pix_fmt = "yuvj420p"
    stream.bit_rate = _BITRATE
    stream.codec_context.time_base = Fraction(1, 25)
    return stream


def _encode(out: object, stream: object, image: object, n: int) -> None:
    import av

    frame = av.VideoFrame.from_ndarray(image, format="rgb24")  # type: ignore[arg-type]
    frame.pts = n
    frame.time_base = Fraction(1, 25)
    for packet in stream.encode(frame):  # type: ignore[attr-defined]
        out.mux(packet)  # type: ignore[attr-defined]


class ProxyReader:
    """The frames of a proxy folder's chunks, finished or still being built.

    :meth:`refresh` looks for chunks written since (cheap: one folder listing). Each chunk
    is checked when first opened: one with the wrong number of pictures is refused. Not
    thread-safe: one owner thread.
    """

    def __init__(self, folder: Path, frame_count: int) -> None:
        self.folder = Path(folder)
        self.frame_count = frame_count
        self._chunks: list[Chunk] = []
        self._starts: list[int] = []
        self._refused: set[Chunk] = set()
        self._open: OrderedDict[Chunk, VideoReader] = OrderedDict()
        self.refresh()

    def refresh(self) -> None:
        """Take in the chunks present now."""
        chunks = [c for c in built_chunks(self.folder)
                  if c not in self._refused and 0 <= c[0] < c[1] <= self.frame_count]
        self._chunks = chunks
        self._starts = [a for a, _ in chunks]

    @property
    def chunks(self) -> list[Chunk]:
        return list(self._chunks)

    @property
    def complete(self) -> bool:
        """Every frame is covered."""
        return sum(b - a for a, b in self._chunks) >= self.frame_count

    def _chunk_of(self, n: int) -> Chunk | None:
        i = bisect.bisect_right(self._starts, n) - 1
        if i >= 0 and self._chunks[i][0] <= n < self._chunks[i][1]:
            return self._chunks[i]
        return None

    def has(self, n: int) -> bool:
        """Frame ``n`` is in a chunk present (it may still be refused when opened)."""
        return self._chunk_of(n) is not None

    def frame(self, n: int) -> av.VideoFrame:
        """Proxy picture of original frame ``n``. Raises VidiError when no usable chunk
        holds it."""
        from vidi_desktop.media.reader import VideoReader

        chunk = self._chunk_of(n)
        if chunk is None:
            raise VidiError(f"{self.folder}: no proxy chunk holds frame {n}")
        try:
            reader = self._open.get(chunk)
            if reader is None:
                reader = VideoReader(chunk_file(self.folder, chunk))
                if reader.frame_count != chunk[1] - chunk[0]:
                    reader.close()
                    raise VidiError(
                        f"{self.folder}: proxy chunk {chunk[0]}-{chunk[1]} has "
                        f"{reader.frame_count} pictures, not {chunk[1] - chunk[0]}"
                    )
                self._open[chunk] = reader
                while len(self._open) > _OPEN_CHUNKS:
                    self._open.popitem(last=False)[1].close()
            self._open.move_to_end(chunk)
            return reader.frame(n - chunk[0])
        except VidiError:
            # A damaged or short chunk is not asked again (the keyframes stand in).
            stale = self._open.pop(chunk, None)
            if stale is not None:
                stale.close()
            self._refused.add(chunk)
            self.refresh()
            raise

    def close(self) -> None:
        for reader in self._open.values():
            reader.close()
        self._open.clear()


def _meta_file(folder: Path) -> Path:
    return folder / "proxy.json"


def _read_meta(folder: Path) -> dict | None:
    try:
        meta = json.loads(_meta_file(folder).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("format") != PROXY_FORMAT:
        return None
    return meta


def _write_meta(folder: Path, meta: dict) -> None:
    write_json(_meta_file(folder), meta)
