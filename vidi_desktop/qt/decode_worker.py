"""The decode worker thread behind :class:`~vidi_desktop.qt.player.Player`.

One :class:`DecodeThread` per open file opens it (the frame-table scan can take a while on long
files), then serves seeks and playback until stopped, emitting each picture as an upright,
square-pixel ``QImage`` (SAR and display rotation applied; a QImage, unlike a QPixmap, may be
made off the GUI thread). It never touches a widget: everything leaves through queued signals.

Seeks are coalesced: only the *latest* pending seek is kept, so a storm of seeks from a
scrubbed timeline costs one decode, not a hundred. A seek whose exact frame is expensive (deep
inside a long GOP: up to ~2 s for 1080p GOP-250 H.264 here) is answered twice: first a quick
preview — the same frame from the all-intra scrub proxy when the proxy holds it
(``media.proxy``: chunks, usable while the rest is built), else the keyframe before it — then
the exact frame; the exact decode runs in short chunks and is abandoned as soon as a newer
request arrives. The keyframe comes from a decoder of its own (``media.keyframes``: one
packet decoded, no frame-thread delay), its picture is kept (a few dozen MB at most), and
while paused and idle the worker makes the pictures of the keyframes around the frame on
screen ahead of time, so a seek nearby shows its preview at once.

Playback follows a clock (media position = anchor + speed × elapsed wall time, re-anchored on
the audio when audio plays) and shows the frame on screen at that position, dropping frames
when decoding or the GUI falls behind. Reverse playback and step-back use a small cache of
decoded frames (raw ``av.VideoFrame``s, ~160 MB at most): a GOP is decoded forward once and
its last frames are then shown backwards from memory.
"""

from __future__ import annotations

import bisect
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QThread, Signal
from PySide6.QtGui import QImage

from vidi_desktop.core.errors import VidiError
from vidi_desktop.core.frame_index import FrameIndex
from vidi_desktop.core.rate import FrameRate
from vidi_desktop.core.time import Time

if TYPE_CHECKING:
    import av

    from vidi_desktop.media.keyframes import KeyframeDecoder
    from vidi_desktop.media.proxy import ProxyReader
    from vidi_desktop.media.reader import VideoReader

log = logging.getLogger(__name__)

_CHEAP_FRAMES = 4  # an exact seek decoding at most this many frames needs no preview
_CHUNK = 12  # frames decoded between checks for a newer request (~80 ms at 1080p here)
_CACHE_BYTES = 160 * 2**20  # decoded frames kept for step-back and reverse playback
_CACHE_MAX_FRAMES = 120
# Frames before a sought frame kept for step-back. Each one kept is decoded on its own, where
# the reader would skip the unreferenced ones (B-frames) on its way: keeping few keeps exact
# seeks fast; reverse playback keeps as many as the cache holds.
_SEEK_KEEP = 12
_MAX_IN_FLIGHT = 2  # frames emitted but not yet taken by the GUI: more means it lags
_PREVIEW_BYTES = 48 * 2**20  # keyframe pictures kept for previews
# Idle work waits this long after the last seek: one keyframe decode cannot be interrupted,
# and a click right after another should not wait for it.
_PREFETCH_AFTER = 0.25


@dataclass(frozen=True, slots=True)
class MediaFacts:
    """What the player knows about the open file once it is open."""

    path: Path
    frames: FrameIndex
    end_pts: int  # exclusive end of the last frame
    width: int  # decoded picture size
    height: int
    sar: Fraction
    rotation: int  # degrees clockwise applied for display
    rate: FrameRate | None  # None when variable
    has_audio: bool

    @property
    def frame_count(self) -> int:
        return len(self.frames)

    @property
    def display_size(self) -> tuple[int, int]:
        """Width and height as shown: SAR applied to the width, then the rotation."""
        w = max(1, round(self.width * self.sar))
        return (self.height, w) if self.rotation in (90, 270) else (w, self.height)

    def seconds_of(self, n: int) -> Fraction:
        """Exact presentation time of frame ``n`` in seconds."""
        return self.frames.time_of(n).seconds

    def frame_at(self, seconds: Fraction) -> int:
        """The frame on screen at ``seconds`` (clamped to the clip)."""
        return self.frames.frame_at(Time.exact(Fraction(seconds)))

    @property
    def start_seconds(self) -> Fraction:
        return self.frames.start.seconds

    @property
    def end_seconds(self) -> Fraction:
        """Exclusive end of the last frame."""
        return self.end_pts * self.frames.time_base


@dataclass(frozen=True, slots=True)
class ShownFrame:
    """A picture handed to the GUI.

    ``source`` says what it is: ``"exact"`` (the frame asked for, full resolution),
    ``"proxy"`` (the frame asked for, from the low-resolution scrub proxy) or
    ``"keyframe"`` (the keyframe before the frame asked for, while that one decodes).
    ``index``/``seconds`` are those of the picture itself; ``target`` is the frame that was
    asked for; ``requested_at`` the ``time.monotonic()`` of that request (for latency
    measurements).
    """

    index: int
    seconds: Fraction
    image: QImage
    source: str
    target: int
    requested_at: float
    from_playback: bool = False

    @property
    def exact(self) -> bool:
        return self.source == "exact"


class DecodeThread(QThread):
    """Opens one file, then serves seeks and playback until asked to stop."""

    # Keyframes on each side of the frame on screen whose preview pictures are made while
    # idle (0: none; benchmarks set it to measure cold previews).
    prefetch_keyframes = 2

    opened = Signal(object)  # MediaFacts
    failed = Signal(str)  # the file cannot be played (one line for the editor)
    frame_ready = Signal(object)  # ShownFrame
    play_finished = Signal(int)  # playback reached an end of the clip (the frame shown)
    frame_failed = Signal(str)  # one request failed (a damaged stretch); the file stays open

    def __init__(self, path: Path, *, anchor_seek: int | None = 0) -> None:
        super().__init__()
        self.path = path
        self._cond = threading.Condition()
        self._stop = False
        self._seek: int | None = anchor_seek
        self._seek_at = time.monotonic()
        self._speed = 0.0
        self._play_serial = 0
        self._anchor_frame = 0
        self._clock_fix: Fraction | None = None
        self._proxy_path: Path | None = None
        self._max_size: tuple[int, int] | None = None
        self._in_flight = 0
        # Thread-only state.
        self._reader: VideoReader | None = None
        self._proxy: ProxyReader | None = None
        self._keyframes: KeyframeDecoder | None = None
        self._keyframes_broken = False  # the keyframe decoder cannot serve this file
        self._previews: OrderedDict[int, QImage] = OrderedDict()  # keyframe pictures
        self._previews_for: tuple[int, int] | None = None  # the picture size they fit
        self._no_preview: set[int] = set()  # keyframes the decoder failed on
        self._prefetched: set[int] = set()  # keyframes tried while idle on this frame
        self._prefetched_at = -1
        self._facts: MediaFacts | None = None
        self._last_n: int | None = None  # last frame the reader returned
        self._cache: OrderedDict[int, av.VideoFrame] = OrderedDict()
        self._cache_limit = 8
        self._reformatter: Any = None
        self._shown = -1
        self._shown_source = ""
        self._frame_seconds = 0.008  # decode time of one frame, learnt while playing
        self._seen_serial = -1
        self._anchor_t = Fraction(0)
        self._anchor_wall = 0.0
        self._cur_speed = 0.0

    # -- requests (any thread) --------------------------------------------------------------
    def request_seek(self, n: int) -> None:
        with self._cond:
            self._seek = n
            self._seek_at = time.monotonic()
            self._cond.notify()

    def set_speed(self, speed: float, anchor_frame: int) -> None:
        with self._cond:
            self._speed = float(speed)
            self._anchor_frame = anchor_frame
            self._play_serial += 1
            self._cond.notify()

    def correct_clock(self, seconds: Fraction) -> None:
        """Re-anchor playback on an outside clock (the audio's), if it drifted."""
        with self._cond:
            self._clock_fix = Fraction(seconds)

    def set_proxy(self, path: Path) -> None:
        with self._cond:
            self._proxy_path = path
            self._cond.notify()

    def set_max_size(self, size: tuple[int, int] | None) -> None:
        with self._cond:
            self._max_size = size

    def frame_taken(self) -> None:
        """The GUI took a frame (flow control: a lagging GUI makes playback drop frames)."""
        with self._cond:
            self._in_flight = max(0, self._in_flight - 1)
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()

    # -- the loop (this thread) ---------------------------------------------------------------
    def run(self) -> None:
        """The thread: open the file, then serve requests until :meth:`stop`."""
        try:
            try:
                self._open()
            except VidiError as exc:
                self.failed.emit(str(exc))
                return
            except Exception as exc:  # a broken file must never take the window down
                log.exception("opening %s failed", self.path)
                self.failed.emit(f"{self.path}: cannot be played ({exc})")
                return
            try:
                self._loop()
            except VidiError as exc:
                self.failed.emit(str(exc))
            except Exception as exc:
                log.exception("playback of %s failed", self.path)
                self.failed.emit(f"{self.path}: playback stopped ({exc})")
        finally:
            self._close_readers()

    def _open(self) -> None:
        from vidi_desktop.media.container import open_media
        from vidi_desktop.media.reader import VideoReader

        with open_media(self.path) as container:
            has_audio = bool(container.streams.audio)
        self._reader = VideoReader(self.path)
        reader = self._reader
        first = reader.frame(0)  # rotation shows only on decoded frames; proves it decodes
        self._last_n = 0
        self._facts = MediaFacts(
            path=reader.path,
            frames=reader.index.frames,
            end_pts=reader.index.end_pts,
            width=first.width,
            height=first.height,
            sar=reader.sar,
            rotation=(-round(first.rotation or 0)) % 360,
            rate=reader.index.frames.constant_rate(),
            has_audio=has_audio,
        )
        frame_bytes = max(1, first.width * first.height * 3 // 2)
        self._cache_limit = max(8, min(_CACHE_MAX_FRAMES, _CACHE_BYTES // frame_bytes))
        self._remember(0, first)
        self.opened.emit(self._facts)

    def _close_readers(self) -> None:
        self._cache.clear()
        self._previews.clear()
        for reader in (self._reader, self._proxy, self._keyframes):
            if reader is not None:
                try:
                    reader.close()
                except Exception:  # closing a damaged file must not raise at shutdown
                    log.debug("closing reader failed", exc_info=True)
        self._reader = self._proxy = self._keyframes = None

    def _loop(self) -> None:
        while True:
            idle_work: int | None = None
            with self._cond:
                while (
                    not self._stop
                    and self._seek is None
                    and self._speed == 0
                    and self._play_serial == self._seen_serial
                    and self._proxy_path is None
                ):
                    idle_work = self._prefetch_candidate()
                    if idle_work is None:
                        self._cond.wait()
                        continue
                    settle = self._seek_at + _PREFETCH_AFTER - time.monotonic()
                    if settle <= 0:
                        break
                    idle_work = None
                    self._cond.wait(settle)
                if self._stop:
                    return
                if idle_work is None:
                    seek, seek_at = self._seek, self._seek_at
                    self._seek = None
                    speed, serial, anchor = self._speed, self._play_serial, self._anchor_frame
                    proxy, self._proxy_path = self._proxy_path, None
                    fix, self._clock_fix = self._clock_fix, None
            if idle_work is not None:
                # Nothing asked for: make one keyframe's preview picture, then look again.
                self._prefetch(idle_work)
                continue
            if proxy is not None:
                self._open_proxy(proxy)
            try:
                self._serve(seek, seek_at, speed, serial, anchor, fix)
            except VidiError as exc:
                # A damaged stretch: say so and stop playing, but keep serving the frames
                # that do decode (the reader starts afresh from the next keyframe).
                log.warning("%s", exc)
                self._last_n = None
                self._stop_playing()
                self.frame_failed.emit(str(exc))

    def _serve(
        self,
        seek: int | None,
        seek_at: float,
        speed: float,
        serial: int,
        anchor: int,
        fix: Fraction | None,
    ) -> None:
        """Answer one wake-up: the pending seek, else one step of playback."""
        if serial != self._seen_serial:
            self._seen_serial = serial
            self._cur_speed = speed
            if speed != 0:
                self._anchor(anchor, speed)
            elif seek is None:
                self._refine_shown()
        if seek is not None:
            self._serve_seek(seek, seek_at, preview=speed == 0)
            if speed != 0:
                # Playback goes on from the frame sought, however long it took to decode.
                self._anchor(seek, speed)
            return
        if speed != 0:
            if fix is not None:
                self._apply_clock_fix(fix)
            self._play_tick(speed)

    # -- seeking --------------------------------------------------------------------------------
    def _interrupted(self) -> bool:
        """A newer request is waiting: the current one is not worth finishing."""
        return self._stop or self._seek is not None or self._play_serial != self._seen_serial

    def _serve_seek(self, n: int, requested_at: float, *, preview: bool) -> None:
        facts = self._facts
        assert facts is not None
        n = min(max(n, 0), facts.frame_count - 1)
        cached = self._cache.get(n)
        if cached is not None:
            self._emit(n, cached, "exact", n, requested_at)
            return
        if preview and self._cost(n) > _CHEAP_FRAMES:
            self._preview(n, requested_at)
            if self._interrupted():
                return
        frame = self._decode_to(n, keep=_SEEK_KEEP)
        if frame is not None:
            self._emit(n, frame, "exact", n, requested_at)

    def _cost(self, n: int) -> int:
        """Frames to decode before frame ``n`` is out (continuing or from its keyframe)."""
        assert self._facts is not None
        key = self._facts.frames.keyframe_at_or_before(n)
        last = self._last_n
        if last is not None and key <= last < n:
            return n - last
        return n - key + 1

    def _preview(self, n: int, requested_at: float) -> None:
        facts = self._facts
        assert facts is not None and self._reader is not None
        frame = self._proxy_frame(n)
        if frame is not None:
            self._emit(n, frame, "proxy", n, requested_at, upright=True)
            return
        key = facts.frames.keyframe_at_or_before(n)
        if key == n:
            return
        self._send(key, self._keyframe_picture(key), "keyframe", n, requested_at)

    def _proxy_frame(self, n: int) -> av.VideoFrame | None:
        """Frame ``n`` from the scrub proxy, when a chunk built so far holds it."""
        proxy = self._proxy
        if proxy is None:
            return None
        if not proxy.has(n):
            proxy.refresh()  # a chunk may have been written since the last look
            if not proxy.has(n):
                return None
        try:
            return proxy.frame(n)
        except VidiError as exc:  # that chunk is refused from now on; keyframes instead
            log.warning("scrub proxy of %s: %s", self.path, exc)
            return None

    def _keyframe_picture(self, key: int) -> QImage:
        """The preview picture of keyframe ``key``, made once and kept for the current
        picture size."""
        facts = self._facts
        assert facts is not None and self._reader is not None
        image = self._kept_preview(key)
        if image is not None:
            return image
        frame = self._cache.get(key)
        if frame is None:
            frame = self._decode_keyframe(key)
        if frame is None:  # the keyframe decoder cannot: the exact reader (slower)
            frame = self._reader.frame(key)
            self._last_n = key
            self._remember(key, frame)
        return self._keep_preview(key, self._to_qimage(frame, facts.sar, facts.rotation))

    def _kept_preview(self, key: int) -> QImage | None:
        if self._previews_for != self._max_size:  # made for another picture size
            self._previews.clear()
            self._previews_for = self._max_size
        image = self._previews.get(key)
        if image is not None:
            self._previews.move_to_end(key)
        return image

    def _keep_preview(self, key: int, image: QImage) -> QImage:
        """Keep a preview picture (least recently used ones go past the byte budget)."""
        self._previews[key] = image
        used = sum(i.sizeInBytes() for i in self._previews.values())
        while used > _PREVIEW_BYTES and len(self._previews) > 1:
            used -= self._previews.popitem(last=False)[1].sizeInBytes()
        return image

    def _decode_keyframe(self, key: int) -> av.VideoFrame | None:
        """Keyframe ``key`` decoded on its own (None when that cannot be done here)."""
        from vidi_desktop.media.keyframes import KeyframeDecoder, KeyframeUnavailable

        if key in self._no_preview or self._keyframes_broken:
            return None
        if self._keyframes is None:
            assert self._reader is not None
            try:
                self._keyframes = KeyframeDecoder(self.path, self._reader.index)
            except Exception:  # a second opening failing only costs the fast path
                log.debug("keyframe decoder for %s failed", self.path, exc_info=True)
                self._keyframes_broken = True
                return None
        try:
            return self._keyframes.frame(key)
        except KeyframeUnavailable as exc:
            log.debug("%s", exc)
        except VidiError as exc:
            log.debug("keyframe %d of %s: %s", key, self.path, exc)
        self._no_preview.add(key)
        return None

    def _prefetch_candidate(self) -> int | None:
        """A keyframe next to the frame on screen whose preview is not made yet: while
        paused on an exact frame, nearest first (this GOP's, the next, the previous…),
        each at most once per frame shown."""
        facts = self._facts
        proxy = self._proxy
        if (
            self.prefetch_keyframes <= 0 or facts is None or self._shown < 0
            or self._shown_source != "exact" or self._cur_speed != 0
            or self._keyframes_broken or (proxy is not None and proxy.complete)
        ):
            return None
        if self._prefetched_at != self._shown:
            self._prefetched_at, self._prefetched = self._shown, set()
        keys = facts.frames.keyframes
        here = bisect.bisect_right(keys, self._shown) - 1
        fresh = self._previews_for == self._max_size
        for step in range(self.prefetch_keyframes + 1):
            for i in dict.fromkeys((here + step, here - step)):
                if not 0 <= i < len(keys):
                    continue
                key = keys[i]
                if key in self._prefetched or key in self._no_preview:
                    continue
                if proxy is not None and proxy.has(key):  # the proxy previews there
                    continue
                if not (fresh and key in self._previews):
                    return key
        return None

    def _prefetch(self, key: int) -> None:
        """Make the preview picture of keyframe ``key`` (idle work; never with the exact
        reader: that would move it away from the frame on screen)."""
        self._prefetched.add(key)
        facts = self._facts
        assert facts is not None
        try:
            if self._kept_preview(key) is not None:
                return
            frame = self._decode_keyframe(key)
            if frame is not None:
                self._keep_preview(key, self._to_qimage(frame, facts.sar, facts.rotation))
        except Exception:  # idle work must never stop the worker
            log.debug("preview of keyframe %d of %s failed", key, self.path, exc_info=True)
            self._no_preview.add(key)

    def _decode_to(self, n: int, keep: int) -> av.VideoFrame | None:
        """Decode up to frame ``n``, keeping the ``keep`` frames up to it in the cache.

        Works in chunks so that a newer request stops it early (then None). Frames before the
        kept ones are decoded in chunks (the reader skips unreferenced frames there); the
        kept ones are asked for one by one, for step-back and reverse playback.
        """
        facts = self._facts
        reader = self._reader
        assert facts is not None and reader is not None
        key = facts.frames.keyframe_at_or_before(n)
        last = self._last_n
        start = last + 1 if (last is not None and key <= last < n) else key
        began = time.monotonic()
        keep_from = max(start, n - min(keep, self._cache_limit) + 1)
        k = start
        while k < keep_from:
            k = min(keep_from - 1, k + _CHUNK - 1)
            reader.frame(k)
            self._last_n = k
            k += 1
            if self._interrupted():
                return None
        frame = None
        for k in range(keep_from, n + 1):
            if k in self._cache and k != n:
                continue
            frame = reader.frame(k)
            self._last_n = k
            self._remember(k, frame)
            if k != n and (k - keep_from) % _CHUNK == _CHUNK - 1 and self._interrupted():
                return None
        self._learn_speed(time.monotonic() - began, n - start + 1)
        return frame if frame is not None else self._cache.get(n)

    def _remember(self, n: int, frame: av.VideoFrame) -> None:
        self._cache[n] = frame
        self._cache.move_to_end(n)
        while len(self._cache) > self._cache_limit:
            self._cache.popitem(last=False)

    def _open_proxy(self, path: Path) -> None:
        """Use the proxy folder ``path``; the same folder again: look for new chunks."""
        from vidi_desktop.media.proxy import ProxyReader

        assert self._facts is not None
        if self._proxy is not None and self._proxy.folder == path:
            self._proxy.refresh()
            return
        if self._proxy is not None:
            self._proxy.close()
        self._proxy = ProxyReader(path, self._facts.frame_count)

    # -- playback -------------------------------------------------------------------------------
    def _anchor(self, n: int, speed: float) -> None:
        facts = self._facts
        assert facts is not None
        n = min(max(n, 0), facts.frame_count - 1)
        if speed < 0:
            # Backwards, frame n stays on screen for one frame time, as it does forwards.
            end = facts.seconds_of(n + 1) if n + 1 < facts.frame_count else facts.end_seconds
            self._anchor_t = end - facts.frames.time_base
        else:
            self._anchor_t = facts.seconds_of(n)
        self._anchor_wall = time.monotonic()

    def _apply_clock_fix(self, seconds: Fraction) -> None:
        now = time.monotonic()
        here = self._anchor_t + Fraction(self._cur_speed) * Fraction(now - self._anchor_wall)
        if abs(float(here - seconds)) > 0.015:  # follow the audio when it drifts > 15 ms
            self._anchor_t = seconds
            self._anchor_wall = now

    def _clock(self, now: float) -> Fraction:
        elapsed = Fraction(now - self._anchor_wall)
        return self._anchor_t + Fraction(self._cur_speed) * elapsed

    def _play_tick(self, speed: float) -> None:
        facts = self._facts
        assert facts is not None
        last = facts.frame_count - 1
        if self._in_flight >= _MAX_IN_FLIGHT:
            # The GUI has not taken the last frames yet: wait; the clock runs on and the next
            # frame shown will be the right one for its time (frames are dropped, not queued).
            with self._cond:
                if not self._interrupted():
                    self._cond.wait(0.01)
            return
        now = time.monotonic()
        pos = self._clock(now)
        target = facts.frame_at(pos)
        shown = self._shown
        if speed > 0 and target <= shown:
            if shown >= last:
                if pos >= facts.end_seconds or self._shown_only_frame():
                    self._finish(shown)
                    return
                boundary = facts.end_seconds
            else:
                boundary = facts.seconds_of(shown + 1)
            self._sleep_until(float(boundary - self._anchor_t) / speed + self._anchor_wall)
            return
        if speed < 0 and target >= shown and shown >= 0:
            if shown <= 0:
                self._finish(0)
                return
            boundary = facts.seconds_of(shown) - facts.frames.time_base
            self._sleep_until(float(boundary - self._anchor_t) / speed + self._anchor_wall)
            return
        frame, source, n = self._fetch_for_play(target, speed, pos)
        if frame is not None:
            self._emit(n, frame, source, n, now, upright=source == "proxy", playback=True)

    def _shown_only_frame(self) -> bool:
        assert self._facts is not None
        return self._facts.frame_count == 1

    def _fetch_for_play(
        self, n: int, speed: float, pos: Fraction
    ) -> tuple[av.VideoFrame | None, str, int]:
        """A picture for playback at frame ``n``: ``(frame, source, its frame number)``.

        From the cache when it is there; from the all-intra proxy when shuttling or playing
        backwards (any frame costs one small decode, where the original may need a whole
        GOP); else decoded — aiming at the frame that will be due once decoding is done, so
        a slow decode does not chase a clock that keeps running away.
        """
        cached = self._cache.get(n)
        if cached is not None:
            return cached, "exact", n
        if speed != 1:
            frame = self._proxy_frame(n)
            if frame is not None:
                return frame, "proxy", n
        n = self._lookahead(n, speed, pos)
        cached = self._cache.get(n)
        if cached is not None:
            return cached, "exact", n
        if speed > 0:
            reader = self._reader
            assert reader is not None
            started, steps = time.monotonic(), self._cost(n)
            frame = reader.frame(n)
            self._learn_speed(time.monotonic() - started, steps)
            self._last_n = n
            self._remember(n, frame)
            return frame, "exact", n
        return self._decode_to(n, keep=self._cache_limit), "exact", n

    def _lookahead(self, n: int, speed: float, pos: Fraction) -> int:
        """The frame due when frame ``n``'s decode would be done (``n`` at normal speed)."""
        facts = self._facts
        assert facts is not None
        if speed == 1:
            return n  # one frame decoded per frame shown: nothing to aim ahead for
        for _ in range(2):  # the frame aimed at may lie in another GOP: refine once
            eta = self._cost(n) * self._frame_seconds
            n = facts.frame_at(pos + Fraction(speed) * Fraction(eta))
        return n

    def _learn_speed(self, seconds: float, frames: int) -> None:
        """Running estimate of the seconds one frame takes to decode."""
        if frames > 0 and seconds > 0:
            self._frame_seconds = 0.8 * self._frame_seconds + 0.2 * (seconds / frames)

    def _refine_shown(self) -> None:
        """Playback stopped on a proxy picture: replace it with the exact frame."""
        if self._shown_source == "proxy" and self._shown >= 0:
            self._serve_seek(self._shown, time.monotonic(), preview=False)

    def _sleep_until(self, wall: float) -> None:
        delay = wall - time.monotonic()
        if delay <= 0:
            return
        with self._cond:
            if not self._interrupted():
                self._cond.wait(min(delay + 0.0005, 0.1))

    def _stop_playing(self) -> None:
        """Playback stops here, unless the GUI asked for something new meanwhile."""
        with self._cond:
            if self._play_serial == self._seen_serial:
                self._speed = 0.0
                self._play_serial += 1
                self._seen_serial = self._play_serial
        self._cur_speed = 0.0

    def _finish(self, shown: int) -> None:
        self._stop_playing()
        self.play_finished.emit(shown)
        self._refine_shown()

    # -- conversion -----------------------------------------------------------------------------
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
        facts = self._facts
        assert facts is not None
        if upright:  # proxy pictures are already upright and square-pixel
            image = self._to_qimage(frame, Fraction(1), 0)
        else:
            image = self._to_qimage(frame, facts.sar, facts.rotation)
        self._send(index, image, source, target, requested_at, playback=playback)

    def _send(
        self,
        index: int,
        image: QImage,
        source: str,
        target: int,
        requested_at: float,
        *,
        playback: bool = False,
    ) -> None:
        """Hand a picture to the GUI (queued signal)."""
        facts = self._facts
        assert facts is not None
        if source != "keyframe":  # the frame asked for is on screen (maybe from the proxy)
            self._shown = index
            self._shown_source = source
        with self._cond:
            self._in_flight += 1
        self.frame_ready.emit(
            ShownFrame(
                index, facts.seconds_of(index), image, source, target, requested_at, playback
            )
        )

    def _to_qimage(self, frame: av.VideoFrame, sar: Fraction, rotation: int) -> QImage:
        import numpy as np
        from av.video.reformatter import VideoReformatter

        if self._reformatter is None:
            self._reformatter = VideoReformatter()  # reused: docs/architecture.md
        w = max(2, round(frame.width * sar))
        h = frame.height
        limit = self._max_size
        if limit is not None:
            lw, lh = (limit[1], limit[0]) if rotation in (90, 270) else limit
            scale = min(1.0, lw / w, lh / h)
            if scale < 1.0:
                w, h = max(2, round(w * scale)), max(2, round(h * scale))
        shrink = w * h < frame.width * frame.height / 2
        bgra = self._reformatter.reformat(
            frame, w, h, "bgra", interpolation="AREA" if shrink else "BILINEAR"
        ).to_ndarray()
        if rotation:
            bgra = np.rot90(bgra, k=-(rotation // 90))
        # Rows of odd widths come padded (FFmpeg aligns lines), and a rotation is a view:
        # QImage wants one contiguous block with a plain stride.
        bgra = np.ascontiguousarray(bgra)
        height, width = bgra.shape[:2]
        # BGRA bytes with alpha 255 are QImage's native 32-bit layout (fastest to paint);
        # copy() gives the image its own memory, independent of the numpy buffer.
        return QImage(bgra.data, width, height, bgra.strides[0], QImage.Format.Format_RGB32).copy()
