"""The Edit mode's player: the accepted edit played as one clip, across cuts and files.

:class:`ProgramPlayer` is a :class:`~.player.Player` whose "file" is a
:class:`~vidi_desktop.interchange.program.Program` — the accepted edit built from the same
timeline the exporters write — so seeking, J/K/L, frame steps, Home/End, the coalesced
seeks, previews and the playback clock of :mod:`.decode_worker` all work on sequence frames.
Its decode thread reads through a :class:`SequenceReader`: sequence frame ``N`` is the
source frame the EDL puts there (``Program.pick``), decoded exactly from its file.

Joins: while playing forwards, the next clip's first frame is decoded ahead on a helper
thread with a reader of its own, so crossing a cut costs no seek at the moment it is due;
that reader then goes on playing the next clip. When the join comes before that decode is
done (a join deep in a long GOP, a slow machine), the scrub proxy's picture of each frame is
shown on time until it is, instead of a stall. Scrub proxies (``media.proxy``) of every
file in the edit serve previews and shuttling, as for a single file. The sound plays the
edit too: one PCM stream made of each clip's source audio, cut to the clip's length on the
sequence clock (:func:`program_pcm`), so the audio follows the joins sample for sample.
"""

from __future__ import annotations

import bisect
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QImage

from vidi_desktop.core.errors import SeekError, VidiError
from vidi_desktop.core.frame_index import FrameIndex
from vidi_desktop.interchange.program import Program
from vidi_desktop.qt.decode_worker import DecodeThread, MediaFacts
from vidi_desktop.qt.player import Player, _ProxyBuilder

if TYPE_CHECKING:
    import av

    from vidi_desktop.media.reader import VideoReader

log = logging.getLogger(__name__)

_IDLE_PER_FILE = 2  # open readers kept per file for clips to come


@dataclass(frozen=True, slots=True)
class _Index:
    """The part of ``media.index.StreamIndex`` the decode thread reads."""

    frames: FrameIndex
    end_pts: int


class _Prefetch:
    """The first frame of a clip decoded ahead, on its own thread, with its own reader."""

    def __init__(self, reader_source: SequenceReader, clip: int, path: str, idx: int,
                 reader: VideoReader | None) -> None:
        self.clip, self.path, self.idx = clip, path, idx
        self.reader = reader
        self.frame: av.VideoFrame | None = None
        self._open = reader_source._open_preroll_reader
        self.thread = threading.Thread(target=self._run, name="vidi-edit-preroll", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            if self.reader is None:
                self.reader = self._open(self.path)
            self.frame = self.reader.frame(self.idx)
        except Exception as exc:  # the decode thread reads it again and reports properly
            log.debug("pre-roll of %s frame %d failed: %s", self.path, self.idx, exc)
            self.frame = None


class SequenceReader:
    """Reads a :class:`Program` like ``media.reader.VideoReader`` reads one file.

    ``frame(n)`` is sequence frame ``n``. Each clip near the playhead has a reader of its own
    (two clips of one file never fight over one decoder's position); readers of clips left
    behind go back to a small pool per file.
    """

    sar = Fraction(1)

    def __init__(self, program: Program, name: Path) -> None:
        if not program.clips:
            raise VidiError("the edit holds no frames")
        self.program = program
        self.path = name
        self._lock = threading.Lock()
        self._tables: dict[str, FrameIndex] = {}
        self._keys: dict[str, tuple[int, ...]] = {}
        self._idle: dict[str, list[VideoReader]] = {}
        self._assigned: dict[int, VideoReader] = {}
        self._jobs: dict[int, _Prefetch] = {}
        self._held: dict[tuple[int, int], av.VideoFrame] = {}
        self._pos: dict[int, int] = {}  # clip → file frame its reader decoded last
        try:
            for clip in program.clips:
                path = clip.source.path
                if path not in self._tables:
                    reader = self._open_reader(path)
                    self._tables[path] = reader.index.frames
                    self._keys[path] = reader.index.frames.keyframes
                    self._idle.setdefault(path, []).append(reader)
        except BaseException:
            self.close()
            raise
        n = program.duration
        self.frames = FrameIndex(tuple(range(n)), program.frame_duration, self._keyframes())
        self.index = _Index(self.frames, n)

    # -- facts --------------------------------------------------------------------------------
    @property
    def frame_count(self) -> int:
        return len(self.frames)

    def locate(self, n: int) -> tuple[int, str, int]:
        """``(clip index, file, frame index in the file)`` of sequence frame ``n``."""
        pick = self.program.pick(n)
        path = self.program.clips[pick.clip].source.path
        table = self._tables[path]
        return pick.clip, path, pick.resolve(table.frame_at, len(table))

    def _keyframes(self) -> tuple[int, ...]:
        """Sequence frames where decoding (re)starts: clip starts and the sources' keyframes
        inside clips, so an exact seek decodes from the nearest one, as in a single file."""
        keys: set[int] = set()
        for i, clip in enumerate(self.program.clips):
            keys.add(clip.record_in)
            src_keys = self._keys[clip.source.path]
            if not src_keys:
                continue
            last = self.locate(clip.record_out - 1)[2]
            first = self.locate(clip.record_in)[2]
            lo = bisect.bisect_right(src_keys, first)
            hi = bisect.bisect_right(src_keys, last)
            for key in src_keys[lo:hi]:
                # The first sequence frame of this clip showing the keyframe or a later frame.
                offset = self._record_offset(i, key)
                if offset is not None:
                    keys.add(clip.record_in + offset)
        return tuple(sorted(k for k in keys if 0 <= k < self.program.duration))

    def _record_offset(self, i: int, src_frame: int) -> int | None:
        clip = self.program.clips[i]
        pick = self.program.pick(clip.record_in)
        if pick.frame is not None:  # one to one
            k = src_frame - clip.first
            return k if 0 <= k < clip.record_count else None
        table = self._tables[clip.source.path]
        t = table.time_of(src_frame).seconds - clip.source_range.start.seconds
        k = int(t / self.program.frame_duration)  # floor: the period that shows it first
        return min(max(k, 0), clip.record_count - 1)

    # -- reading ------------------------------------------------------------------------------
    def frame(self, n: int) -> av.VideoFrame:
        """Sequence frame ``n``, decoded exactly from its file."""
        if not 0 <= n < self.frame_count:
            raise SeekError(f"the edit: frame {n} is outside 0..{self.frame_count - 1}")
        clip, path, idx = self.locate(n)
        reader = self._reader_for(clip, path)
        held = self._held.pop((clip, idx), None)
        if held is not None:
            return held
        frame = reader.frame(idx)
        self._pos[clip] = idx
        return frame

    def catch_up(self, n: int, budget_s: float) -> bool:
        """Decode towards sequence frame ``n`` with its clip's reader for about ``budget_s``
        seconds at most; True when frame ``n`` is then at most one decode away.

        After a pre-roll that finished late (the proxy showed the first frames of the clip),
        the exact reader is behind the clock: it catches up a few frames per frame shown
        instead of all at once, which would be a stall of its own.
        """
        clip, path, idx = self.locate(n)
        reader = self._reader_for(clip, path)
        pos = self._pos.get(clip)
        if pos is None or pos >= idx or idx - pos <= 1:
            return True
        if idx - pos > 300:
            return True  # far behind (a seek): an exact seek is cheaper than decoding on
        began = time.monotonic()
        k = pos
        while k < idx - 1 and (k == pos or time.monotonic() - began < budget_s):
            k += 1
            reader.frame(k)
            self._pos[clip] = k
        return k >= idx - 1

    def prefetch_after(self, n: int) -> None:
        """Playing forwards at frame ``n``: decode the next clip's first frame ahead."""
        i = self.program.clip_index(n) + 1
        if i >= len(self.program.clips):
            return
        with self._lock:
            if i in self._assigned or i in self._jobs:
                return
            clip, path, idx = self.locate(self.program.clips[i].record_in)
            idle = self._idle.get(path)
            reader = idle.pop() if idle else None
            self._jobs[i] = _Prefetch(self, clip, path, idx, reader)

    def preroll_pending(self, n: int) -> bool:
        """True while the clip holding sequence frame ``n`` is still being decoded ahead:
        reading it now would wait for that decode."""
        with self._lock:
            job = self._jobs.get(self.program.clip_index(n))
        return job is not None and job.thread.is_alive()

    def _reader_for(self, clip: int, path: str) -> VideoReader:
        with self._lock:
            reader = self._assigned.get(clip)
            job = self._jobs.pop(clip, None)
        if job is not None:
            job.thread.join()
            if job.reader is not None:
                if job.frame is not None:
                    self._held[(clip, job.idx)] = job.frame
                    self._pos[clip] = job.idx
                if reader is None:
                    reader = job.reader
                else:
                    self._give_back(path, job.reader)
        if reader is None:
            with self._lock:
                idle = self._idle.get(path)
                reader = idle.pop() if idle else None
            if reader is None:
                reader = self._open_reader(path)
        with self._lock:
            self._assigned[clip] = reader
            far = [c for c in self._assigned if abs(c - clip) > 1]
        for c in far:
            with self._lock:
                r = self._assigned.pop(c)
            self._give_back(self.program.clips[c].source.path, r)
            for key in [k for k in self._held if k[0] == c]:
                del self._held[key]
            self._pos.pop(c, None)
        return reader

    def _give_back(self, path: str, reader: VideoReader) -> None:
        with self._lock:
            idle = self._idle.setdefault(path, [])
            if len(idle) < _IDLE_PER_FILE:
                idle.append(reader)
                return
        _close(reader)

    def _open_reader(self, path: str) -> VideoReader:
        from vidi_desktop.media.reader import VideoReader

        return VideoReader(path)

    def _open_preroll_reader(self, path: str) -> VideoReader:
        """A reader for decoding ahead: one decoding thread, so it runs beside playback
        without starving it (the proxy builder does the same); it then plays its clip."""
        from vidi_desktop.media.reader import VideoReader

        return VideoReader(path, threads="NONE")

    def close(self) -> None:
        """Stop the pre-rolls and close every reader."""
        with self._lock:
            jobs = list(self._jobs.values())
            self._jobs.clear()
        for job in jobs:
            job.thread.join()
            if job.reader is not None:
                _close(job.reader)
        with self._lock:
            readers = list(self._assigned.values()) + [
                r for idle in self._idle.values() for r in idle
            ]
            self._assigned.clear()
            self._idle.clear()
            self._held.clear()
        for r in readers:
            _close(r)


class ProxySequence:
    """The scrub proxies of every file in a program, read like a :class:`SequenceReader`."""

    def __init__(self, sequence: SequenceReader, proxies: dict[str, Path]) -> None:
        from vidi_desktop.media.proxy import ProxyReader

        self._sequence = sequence
        self._readers: dict[str, ProxyReader] = {}
        for path, table in sequence._tables.items():
            if path not in proxies:
                self.close()
                raise VidiError(f"{path}: no scrub proxy")
            if not Path(proxies[path]).is_dir():
                self.close()
                raise VidiError(f"{proxies[path]}: not a scrub proxy folder")
            # A proxy still being built serves the chunks written so far; a frame no chunk
            # holds raises VidiError and the exact reader shows it instead.
            self._readers[path] = ProxyReader(proxies[path], len(table))

    @property
    def frame_count(self) -> int:
        return self._sequence.frame_count

    @property
    def complete(self) -> bool:
        """Every frame of every file of the edit has a proxy picture."""
        return all(r.complete for r in self._readers.values())

    def has(self, n: int) -> bool:
        """Sequence frame ``n`` has a proxy picture written."""
        _, path, idx = self._sequence.locate(n)
        return self._readers[path].has(idx)

    def refresh(self) -> None:
        """Take in the chunks written since the last look."""
        for reader in self._readers.values():
            reader.refresh()

    def frame(self, n: int) -> av.VideoFrame:
        """Proxy picture of sequence frame ``n``; VidiError when no chunk holds it yet."""
        _, path, idx = self._sequence.locate(n)
        reader = self._readers[path]
        if not reader.has(idx):
            reader.refresh()  # chunks written since the last look
        return reader.frame(idx)

    def close(self) -> None:
        for r in self._readers.values():
            _close(r)
        self._readers.clear()


def _close(reader: Any) -> None:
    try:
        reader.close()
    except Exception:  # closing a damaged file must not raise at shutdown
        log.debug("closing reader failed", exc_info=True)


class ProgramDecodeThread(DecodeThread):
    """A :class:`DecodeThread` over a :class:`SequenceReader` instead of one file."""

    def __init__(self, program: Program, name: Path) -> None:
        super().__init__(name, anchor_seek=None)
        self.program = program
        self._proxy_map: dict[str, Path] = {}
        self._emit_clip = 0
        self._emit_upright = False

    def set_proxies(self, proxies: dict[str, Path]) -> None:
        """Use these scrub proxies (source file → proxy) for previews and shuttling."""
        with self._cond:
            self._proxy_map = dict(proxies)
        self.set_proxy(self.path)

    def _open(self) -> None:
        seq = SequenceReader(self.program, self.path)
        self._reader = seq  # type: ignore[assignment]
        first = seq.frame(0)
        self._last_n = 0
        timeline = self.program.timeline
        self._facts = MediaFacts(
            path=self.path,
            frames=seq.frames,
            end_pts=seq.index.end_pts,
            width=timeline.width,
            height=timeline.height,
            sar=Fraction(1),
            rotation=0,
            rate=self.program.rate,
            has_audio=any(c.source.audio_channels for c in self.program.clips),
        )
        frame_bytes = max(1, first.width * first.height * 3 // 2)
        self._cache_limit = max(8, min(120, 160 * 2**20 // frame_bytes))
        self._remember(0, first)
        self.opened.emit(self._facts)

    def _open_proxy(self, path: Path) -> None:
        seq = self._reader
        if not isinstance(seq, SequenceReader):
            return
        with self._cond:
            proxies = dict(self._proxy_map)
        try:
            proxy = ProxySequence(seq, proxies)
        except VidiError as exc:
            log.warning("scrub proxies of the edit unusable: %s", exc)
            return
        if self._proxy is not None:
            self._proxy.close()
        self._proxy = proxy  # type: ignore[assignment]

    def _fetch_for_play(
        self, n: int, speed: float, pos: Fraction
    ) -> tuple[av.VideoFrame | None, str, int]:
        seq = self._reader
        if speed > 0 and isinstance(seq, SequenceReader):
            seq.prefetch_after(n)
            if self._proxy is not None and n not in self._cache and speed == 1:
                # The join came before its exact frame was decoded ahead: show the proxy's
                # picture of it on time rather than stall; the exact reader then catches up
                # a few frames per frame shown, and exact frames resume once it has.
                budget = 0.6 * float(self.program.frame_duration)  # leave time to show it
                if seq.preroll_pending(n) or not seq.catch_up(n, budget):
                    try:
                        return self._proxy.frame(n), "proxy", n
                    except VidiError:
                        log.warning("scrub proxy of the edit failed at frame %d", n)
        return super()._fetch_for_play(n, speed, pos)

    def _emit(
        self,
        index: int,
        frame: av.VideoFrame,
        source: str,
        target: int,
        requested_at: float,
        *,
        upright: bool = False,
        playback: bool = False,
    ) -> None:
        # Each clip has its own pixel aspect and rotation: _to_qimage reads them from here.
        self._emit_clip = self.program.clip_index(index)
        self._emit_upright = upright
        super()._emit(index, frame, source, target, requested_at, upright=upright,
                      playback=playback)

    def _to_qimage(self, frame: av.VideoFrame, sar: Fraction, rotation: int) -> QImage:
        if not self._emit_upright:
            src = self.program.clips[self._emit_clip].source
            sar, rotation = src.sar, src.rotation
        return super()._to_qimage(frame, sar, rotation)


class ProgramPlayer(Player):
    """Plays a :class:`Program` (the accepted edit) with the :class:`Player` transport."""

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        proxy: str = "auto",
        proxy_side: int | None = None,
        audio: bool = True,
    ) -> None:
        super().__init__(parent, proxy=proxy, proxy_side=proxy_side, audio=audio)
        self._program: Program | None = None
        self._proxy_todo: list[str] = []
        self._proxy_done: dict[str, Path] = {}

    @property
    def program(self) -> Program | None:
        """The program open now (None before :meth:`open_program`)."""
        return self._program

    def open_program(self, program: Program, frame: int = 0) -> None:
        """Start playing ``program`` from sequence frame ``frame`` (``opened`` follows)."""
        self._program = program
        self.open(Path("the edit"))
        self._pending_frame = max(0, int(frame))

    def _make_thread(self, path: Path) -> DecodeThread:
        assert self._program is not None
        return ProgramDecodeThread(self._program, path)

    def source_at(self, n: int) -> tuple[str, str, Fraction]:
        """``(asset id, file, source seconds)`` shown at sequence frame ``n``."""
        assert self._program is not None
        asset_id, seconds = self._program.source_seconds(n)
        clip = self._program.clips[self._program.clip_index(n)]
        return asset_id, clip.source.path, seconds

    # -- proxies: one per file of the edit ------------------------------------------------------
    def _wants_proxy(self, facts: MediaFacts) -> bool:
        if self._proxy_mode == "never" or self._program is None:
            return False
        if self._proxy_mode == "always":
            return True
        from vidi_desktop.media.proxy import wants_proxy

        return any(
            wants_proxy(*c.source.display_size, side=self._proxy_side)
            for c in self._program.clips
        )

    def _start_proxy(self, facts: MediaFacts) -> None:
        from vidi_desktop.media.proxy import find_proxy

        assert self._program is not None
        self._proxy_todo, self._proxy_done = [], {}
        for path in dict.fromkeys(c.source.path for c in self._program.clips):
            try:
                ready = find_proxy(path, self._proxy_side)
            except VidiError:
                ready = None
            if ready is None:
                self._proxy_todo.append(path)
            else:
                self._proxy_done[path] = ready
        self._next_proxy()

    def _next_proxy(self) -> None:
        if not self._proxy_todo:
            thread = self._thread
            if isinstance(thread, ProgramDecodeThread):
                thread.set_proxies(self._proxy_done)
                self.proxy_ready.emit(str(thread.path))
            return
        path = self._proxy_todo[0]
        builder = _ProxyBuilder(Path(path), self._proxy_side, self)
        builder.done.connect(self._on_program_proxy)
        builder.failed.connect(self._on_proxy_failed)
        self._builder = builder
        builder.start()

    @Slot(str)
    def _on_program_proxy(self, proxy: str) -> None:
        if self._builder is None or self.sender() is not self._builder or not self._proxy_todo:
            return
        self._builder.deleteLater()
        self._builder = None
        self._proxy_done[self._proxy_todo.pop(0)] = Path(proxy)
        self._next_proxy()

    # -- sound ----------------------------------------------------------------------------------
    def _start_audio(self, seconds: Fraction) -> None:
        program = self._program
        if program is None or self._audio is None:
            return
        start = Fraction(seconds)

        def source(rate: int, channels: int, fmt: str, cancel: threading.Event
                   ) -> Iterator[bytes]:
            return program_pcm(program, start, rate=rate, channels=channels,
                               sample_format=fmt, cancel=cancel)

        self._audio.start_source(source, start, "the edit")


def program_pcm(
    program: Program,
    start: Fraction,
    *,
    rate: int,
    channels: int,
    sample_format: str = "int16",
    cancel: threading.Event | None = None,
) -> Iterator[bytes]:
    """The edit's sound from sequence second ``start``: each clip's source audio, cut to
    the clip's length on the sequence clock (silence where a file has no sound).

    Clip ``i`` covers samples ``round(record_in × frame × rate)`` to
    ``round(record_out × frame × rate)`` of the stream, so lengths never drift from the
    picture however many joins there are.
    """
    from vidi_desktop.qt.audio import pcm_chunks

    width = channels * (2 if sample_format == "int16" else 4)
    fd = program.frame_duration

    def sample_at(record_frame: int) -> int:
        return round(record_frame * fd * rate)

    pos = round(Fraction(start) * rate)
    for clip in program.clips:
        a, b = sample_at(clip.record_in), sample_at(clip.record_out)
        if b <= pos:
            continue
        skip = max(0, pos - a)
        need = b - a - skip
        produced = 0
        if clip.source.audio_channels:
            begin = clip.source_range.start.seconds + Fraction(skip, rate)
            try:
                for data in pcm_chunks(clip.source.path, begin, rate=rate, channels=channels,
                                       sample_format=sample_format, cancel=cancel):
                    take = min(len(data) // width, need - produced)
                    if take > 0:
                        yield data[: take * width]
                        produced += take
                    if produced >= need:
                        break
            except VidiError as exc:
                log.warning("sound of %s in the edit: %s", clip.source.name, exc)
        if cancel is not None and cancel.is_set():
            return
        while produced < need:  # the file's sound ended early, or it has none
            take = min(need - produced, rate // 4)
            yield bytes(take * width)
            produced += take
        pos = b


__all__ = ["ProgramDecodeThread", "ProgramPlayer", "ProxySequence", "SequenceReader",
           "program_pcm"]
