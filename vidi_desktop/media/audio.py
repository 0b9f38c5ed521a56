"""Audio samples resampled to the rate and layout an analyser wants (16 kHz mono for speech).

Samples are placed on the media timeline exactly: ``AudioClip.start`` is the time of the first
sample, so sample ``i`` plays at ``start + i / rate``.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vidi_desktop.core.errors import CancelledError, CorruptMediaError
from vidi_desktop.core.time import Time
from vidi_desktop.media.container import audio_stream, open_media

if TYPE_CHECKING:
    import numpy as np

_MAX_BAD_PACKETS = 50
_PREROLL = Fraction(1, 5)  # seconds decoded before a requested start, then dropped


@dataclass(frozen=True, slots=True)
class AudioClip:
    """``samples`` is float32 ``(channels, n)`` in [-1, 1]; sample 0 plays at ``start``."""

    samples: np.ndarray
    rate: int
    start: Time

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration(self) -> Fraction:
        return Fraction(self.samples.shape[1], self.rate)

    def mono(self) -> np.ndarray:
        """A 1-D mono mix (the mean of the channels)."""
        return self.samples.mean(axis=0) if self.channels > 1 else self.samples[0]


def read_audio(
    path: str | os.PathLike[str],
    *,
    rate: int = 16000,
    layout: str = "mono",
    start: Time | None = None,
    duration: Time | None = None,
    stream_index: int | None = None,
    cancel: threading.Event | None = None,
    on_chunk: Callable[[np.ndarray], None] | None = None,
    keep: bool = True,
) -> AudioClip:
    """Decode the first (or ``stream_index``) audio stream, resampled to ``rate``/``layout``.

    With ``start``/``duration`` only that span is returned, trimmed to the exact sample.
    ``on_chunk`` sees each ``(channels, n)`` block of samples as it is decoded (before any
    trimming; read-only), so a consumer can work while the rest is decoded; with ``keep``
    False the samples are only handed to it, not kept: the clip returned then has the
    stream's start but no samples, and memory stays flat however long the stream.
    """
    import av
    import numpy as np

    p = Path(path).resolve()
    with contextlib.ExitStack() as opened:
        container = opened.enter_context(open_media(p))
        if stream_index is None:
            stream = audio_stream(container, p)
        else:
            matches = [s for s in container.streams.audio if s.index == stream_index]
            if not matches:
                return _missing(p, stream_index)
            stream = matches[0]
        # Whole-second output frames: the same samples as frame by frame, but a hundredth of
        # the Python round trips (a 10-minute AAC track is 28,000 packets).
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate, frame_size=rate)
        tick = Fraction(1, rate)
        want_from = _ticks(start, rate) if start is not None else None
        want_to = (
            want_from + _ticks(duration, rate)
            if (want_from is not None and duration is not None)
            else (_ticks(duration, rate) if duration is not None else None)
        )
        if start is not None and start.seconds > _PREROLL and stream.time_base:
            # Codecs with overlapping transforms (AAC, MP3) and the resampler's filter need a
            # little audio before the start to settle: seek earlier and trim afterwards.
            seek_to = int((start.seconds - _PREROLL) / Fraction(stream.time_base))
            try:
                container.seek(max(0, seek_to), stream=stream, backward=True)
            except av.error.FFmpegError:
                # A stream that cannot seek (raw ones): a second opening is at its start,
                # and the samples before ``start`` are trimmed below.
                container = opened.enter_context(open_media(p))
                stream = container.streams[stream.index]
        chunks: list[np.ndarray] = []
        first_tick: int | None = None
        got = 0
        bad = 0
        done = False
        for packet in _packets(container, stream):
            if cancel is not None and cancel.is_set():
                raise CancelledError("audio decoding cancelled")
            try:
                frames = packet.decode() if packet.size else [None]
                bad = 0
            except av.error.FFmpegError as exc:
                bad += 1
                if bad > _MAX_BAD_PACKETS:
                    raise CorruptMediaError(
                        f"{p}: audio cannot be decoded ({exc.strerror})"
                    ) from None
                continue
            for frame in frames:
                try:
                    outs = resampler.resample(frame)
                except ValueError:
                    # The stream changed its rate or channels mid-way (a damaged header,
                    # joined recordings): a new resampler takes the new input, same output.
                    flushed = [o.to_ndarray().reshape(o.layout.nb_channels, -1)
                               for o in resampler.resample(None)]
                    chunks.extend(flushed)
                    got += sum(a.shape[1] for a in flushed)
                    resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
                    outs = resampler.resample(frame)
                for out in outs:
                    arr = out.to_ndarray().reshape(out.layout.nb_channels, -1)
                    if first_tick is None:
                        if out.pts is not None and out.time_base is not None:
                            first_tick = round(out.pts * Fraction(out.time_base) / tick)
                        else:
                            first_tick = 0
                    if keep:
                        chunks.append(arr)
                    if on_chunk is not None:
                        on_chunk(arr)
                    got += arr.shape[1]
                    if want_to is not None and first_tick + got >= want_to:
                        done = True
            if done:
                break
        if not done:
            for out in resampler.resample(None):
                arr = out.to_ndarray().reshape(out.layout.nb_channels, -1)
                if keep:
                    chunks.append(arr)
                if on_chunk is not None:
                    on_chunk(arr)
        channels = av.AudioLayout(layout).nb_channels
        samples = np.concatenate(chunks, axis=1) if chunks else np.zeros((channels, 0), np.float32)
        first_tick = first_tick or 0
        lo = 0
        if want_from is not None and want_from > first_tick:
            lo = want_from - first_tick
        hi = samples.shape[1]
        if want_to is not None:
            hi = min(hi, want_to - first_tick)
        samples = np.ascontiguousarray(samples[:, lo:max(lo, hi)], dtype=np.float32)
        return AudioClip(samples, rate, Time(first_tick + lo, tick))


def _packets(container: Any, stream: Any) -> Iterator[Any]:
    """The stream's packets until the end, or until the file cannot be read further (a
    damaged tail: the audio before it stands, as for video)."""
    import av

    demux = container.demux(stream)
    while True:
        try:
            packet = next(demux)
        except (StopIteration, av.error.FFmpegError):
            return
        yield packet


def _ticks(t: Time, rate: int) -> int:
    return round(t.seconds * rate)


def _missing(p: Path, index: int) -> AudioClip:
    from vidi_desktop.core.errors import MissingStreamError

    raise MissingStreamError(f"{p}: has no audio stream #{index}")
