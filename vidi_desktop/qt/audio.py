"""Sound for the player: PyAV-decoded audio pushed into a QtMultimedia ``QAudioSink``.

A feeder thread decodes the file's first audio stream in short chunks from the playhead on
(``media.audio.read_audio``, exact to the sample) and queues them as interleaved PCM; a timer
in the GUI thread moves queued bytes into the sink as it has room (a ``QAudioSink`` belongs
to the thread it was made in). While sound plays, ``clock`` reports the media time being
heard (start + what the sink has processed) and the player lets the video follow it.

Machines without sound are normal (CI, remote sessions, servers): when QtMultimedia cannot
load (Debian needs ``libpulse0``) or there is no output device
(``QMediaDevices.defaultAudioOutput().isNull()``), playback stays silent, the video keeps its
own clock from the frame times, and ``audio_unavailable`` is emitted once, with a reason an
editor can act on. Nothing here may raise into the GUI.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from vidi_desktop.core.errors import VidiError
from vidi_desktop.core.time import Time

log = logging.getLogger(__name__)

CHUNK_SECONDS = Fraction(1, 4)  # decoded per step: small enough to start fast after a seek
_multimedia_loaded = False


def load_multimedia() -> None:
    """Load Qt Multimedia and its backend plugin now, on the GUI thread, once.

    The plugin logs through Qt's message handler (Python's, here) while the dynamic loader's
    lock is held. A Python worker busy in numpy at that moment holds the GIL and asks for
    that same lock (numpy looks up its callers' symbols), and the two wait for each other
    for ever. Loaded at start, before any worker runs — not at the first play — it cannot
    meet one. A machine without sound loses nothing: playback says so later, as before.
    """
    global _multimedia_loaded
    if _multimedia_loaded:
        return
    _multimedia_loaded = True
    from PySide6.QtCore import qInstallMessageHandler

    # Its chatter ("Couldn't load pipewire-0.3 library"…) would reach stderr at every start,
    # scripted runs' one-line errors included; a missing device is said when playing.
    said: list[str] = []
    previous = qInstallMessageHandler(lambda mode, context, message: said.append(message))
    try:
        from PySide6.QtMultimedia import QMediaDevices

        QMediaDevices.defaultAudioOutput()
    except Exception as exc:  # ImportError (libpulse missing…), no devices: said at play
        log.info("Qt Multimedia not loaded at start: %s", exc)
    finally:
        qInstallMessageHandler(previous)
    for message in said:
        log.debug("Qt Multimedia at start: %s", message)


_QUEUE_CHUNKS = 8  # ~2 s decoded ahead
_PUMP_MS = 10
_CLOCK_EVERY = 10  # pump ticks between clock reports (~100 ms)


def to_pcm(samples: Any, sample_format: str = "int16") -> bytes:
    """Interleaved PCM bytes of ``(channels, n)`` float samples in [-1, 1].

    ``sample_format`` is ``"int16"`` (signed 16-bit, what every device takes) or
    ``"float"`` (32-bit float).
    """
    import numpy as np

    inter = np.ascontiguousarray(np.asarray(samples, dtype=np.float32).T)
    if sample_format == "float":
        return inter.astype("<f4").tobytes()
    return (np.clip(inter, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()


def pcm_chunks(
    path: str | Path,
    start: Fraction,
    *,
    rate: int,
    channels: int,
    sample_format: str = "int16",
    chunk: Fraction = CHUNK_SECONDS,
    cancel: threading.Event | None = None,
) -> Iterator[bytes]:
    """PCM of ``path``'s first audio stream from ``start`` seconds to the end, chunk by chunk.

    Chunks are contiguous and exact to the sample (each is decoded on its own, with the
    pre-roll :func:`media.audio.read_audio` takes before a start).
    """
    from vidi_desktop.media.audio import read_audio

    layout = "stereo" if channels >= 2 else "mono"
    tick = Fraction(1, rate)
    sample = round(max(Fraction(0), Fraction(start)) * rate)
    per_chunk = max(1, round(chunk * rate))
    while cancel is None or not cancel.is_set():
        clip = read_audio(
            path,
            rate=rate,
            layout=layout,
            start=Time(sample, tick),
            duration=Time(per_chunk, tick),
            cancel=cancel,
        )
        n = clip.samples.shape[1]
        if n == 0:
            return
        yield to_pcm(clip.samples, sample_format)
        sample += n
        if n < per_chunk:
            return


PcmSource = Callable[[int, int, str, threading.Event], Iterator[bytes]]
"""``source(rate, channels, sample_format, cancel)``: PCM chunks to play, in order."""


class _Feeder:
    """Decodes chunks on a plain thread into a bounded queue (None marks the end)."""

    def __init__(
        self, source: PcmSource, rate: int, channels: int, fmt: str, name: str
    ) -> None:
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=_QUEUE_CHUNKS)
        self._cancel = threading.Event()
        self._args = (source, rate, channels, fmt)
        self._name = name
        self._thread = threading.Thread(target=self._run, name="vidi-audio", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        source, rate, channels, fmt = self._args
        path = self._name
        try:
            for data in source(rate, channels, fmt, self._cancel):
                while not self._cancel.is_set():
                    try:
                        self.queue.put(data, timeout=0.05)
                        break
                    except queue.Full:
                        continue
        except VidiError as exc:
            log.warning("audio of %s stops: %s", path, exc)
        except Exception:  # sound is never worth a crash
            log.exception("audio decoding of %s failed", path)
        finally:
            if not self._cancel.is_set():
                self.queue.put(None)

    def stop(self) -> None:
        self._cancel.set()
        while True:  # unblock a put() waiting for room
            try:
                self.queue.get_nowait()
            except queue.Empty:
                break
        self._thread.join()


class AudioOutput(QObject):
    """Plays a file's sound from a position; silent (and says so once) without a device."""

    audio_unavailable = Signal(str)  # why there is no sound (emitted once per output)
    clock = Signal(object)  # Fraction: media seconds being heard now

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._checked = False
        self._reason = ""
        self._notified = False
        self._device: Any = None
        self._format: Any = None
        self._sample_format = "int16"
        self._sink: Any = None
        self._io: Any = None
        self._feeder: _Feeder | None = None
        self._pending = b""
        self._ended = False
        self._start = Fraction(0)
        self._ticks = 0
        self._timer = QTimer(self)
        self._timer.setInterval(_PUMP_MS)
        self._timer.timeout.connect(self._pump)

    # -- availability ----------------------------------------------------------------------------
    @property
    def available(self) -> bool:
        """True when sound can play here (checks once)."""
        self._check()
        return not self._reason

    @property
    def unavailable_reason(self) -> str:
        """Why sound is off ("" when it is available or not checked yet)."""
        return self._reason

    @property
    def playing(self) -> bool:
        return self._sink is not None

    def _check(self) -> None:
        if self._checked:
            return
        self._checked = True
        try:
            from PySide6.QtMultimedia import QAudioFormat, QMediaDevices
        except ImportError as exc:  # e.g. libpulse0 missing on Debian
            self._reason = f"Sound is off: Qt Multimedia cannot load ({exc})."
            return
        try:
            device = QMediaDevices.defaultAudioOutput()
        except Exception as exc:
            self._reason = f"Sound is off: audio devices cannot be listed ({exc})."
            return
        if device.isNull():
            self._reason = "Sound is off: this computer has no audio output device."
            return
        preferred = device.preferredFormat()
        fmt = QAudioFormat()
        fmt.setSampleRate(preferred.sampleRate() or 48000)
        fmt.setChannelCount(max(1, min(2, preferred.channelCount() or 2)))
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        if not device.isFormatSupported(fmt):
            fmt.setSampleFormat(QAudioFormat.SampleFormat.Float)
            self._sample_format = "float"
            if not device.isFormatSupported(fmt):
                self._reason = "Sound is off: the audio device takes no format we can write."
                return
        self._device, self._format = device, fmt

    def _notify_unavailable(self) -> None:
        if self._notified:
            return
        self._notified = True
        log.warning("%s Video plays silently.", self._reason)
        self.audio_unavailable.emit(self._reason)

    # -- playing ---------------------------------------------------------------------------------
    def start(self, path: str | Path, seconds: Fraction) -> bool:
        """Play ``path``'s sound from ``seconds``; False (silently) when there is no sound."""
        start = Fraction(seconds)

        def source(rate: int, channels: int, fmt: str, cancel: threading.Event
                   ) -> Iterator[bytes]:
            return pcm_chunks(Path(path), start, rate=rate, channels=channels,
                              sample_format=fmt, cancel=cancel)

        return self.start_source(source, start, str(path))

    def start_source(self, source: PcmSource, seconds: Fraction, name: str = "") -> bool:
        """Play the PCM ``source`` yields, its first sample being media time ``seconds``
        (what ``clock`` then counts from); False (silently) when there is no sound."""
        self.stop()
        self._check()
        if self._reason:
            self._notify_unavailable()
            return False
        try:
            from PySide6.QtMultimedia import QAudioSink

            sink = QAudioSink(self._device, self._format, self)
            io = sink.start()
        except Exception as exc:
            self._reason = f"Sound is off: the audio device cannot be opened ({exc})."
            self._notify_unavailable()
            return False
        if io is None:
            self._reason = "Sound is off: the audio device refused to start."
            self._notify_unavailable()
            sink.deleteLater()
            return False
        self._sink, self._io = sink, io
        self._start = Fraction(seconds)
        self._pending = b""
        self._ended = False
        self._ticks = 0
        self._feeder = _Feeder(
            source, self._format.sampleRate(), self._format.channelCount(),
            self._sample_format, name,
        )
        self._timer.start()
        return True

    @Slot()
    def stop(self) -> None:
        """Stop the sound and the decoding thread (safe to call any time)."""
        self._timer.stop()
        if self._feeder is not None:
            self._feeder.stop()
            self._feeder = None
        if self._sink is not None:
            self._sink.stop()
            self._sink.deleteLater()
        self._sink = self._io = None
        self._pending = b""

    def heard_seconds(self) -> Fraction | None:
        """Media time being heard now (None when not playing)."""
        if self._sink is None:
            return None
        return self._start + Fraction(int(self._sink.processedUSecs()), 1_000_000)

    @Slot()
    def _pump(self) -> None:
        sink, io, feeder = self._sink, self._io, self._feeder
        if sink is None or io is None or feeder is None:
            return
        free = sink.bytesFree()
        while free > 0:
            if not self._pending:
                if self._ended:
                    break
                try:
                    data = feeder.queue.get_nowait()
                except queue.Empty:
                    break
                if data is None:
                    self._ended = True
                    break
                self._pending = data
            written = io.write(self._pending[:free])
            if written <= 0:
                break
            self._pending = self._pending[written:]
            free -= written
        self._ticks += 1
        if self._ticks % _CLOCK_EVERY == 0:
            heard = self.heard_seconds()
            if heard is not None:
                self.clock.emit(heard)
