"""Speech segments: where someone is talking, from silero-vad run on 16 kHz mono audio.

The model is silero-vad's ONNX export (MIT, copied from the ``silero-vad`` wheel into
``resources/models``) run by ONNX Runtime, so nothing is downloaded and torch is not needed
(the package's TorchScript file is the reference it is checked against). It scores 32 ms
windows (512 samples at 16 kHz), carrying its state from window to window; the windows'
speech probabilities go through the same hysteresis silero's ``get_speech_timestamps``
applies (start above ``threshold``, end after ``min_silence_ms`` below ``threshold - 0.15``),
but streamed: memory stays constant whatever the length, and cancellation is checked as it
goes. Boundaries land exactly on the clip's sample grid (ticks of 1/16000 s).

:func:`load_and_detect_speech` decodes a file on a helper thread while the model scores
what has arrived (both cores at work, the same segments); :func:`scan_speech` does the same
without keeping the audio, for work whose memory must not grow with the footage.

Footage without audio is not an error for the analysis as a whole: :func:`load_speech_audio`
raises :class:`NoAudioError` (or returns None with ``skip_missing=True``), whose message is the
note the pipeline shows ("no audio: speech analysis skipped").
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vidi_desktop.core.errors import CancelledError, MissingStreamError, VidiError
from vidi_desktop.core.time import Time, TimeRange

if TYPE_CHECKING:
    from vidi_desktop.core.progress import JobContext
    from vidi_desktop.media.audio import AudioClip

SPEECH_RATE = 16000
NO_AUDIO_NOTE = "no audio: speech analysis skipped"

# Samples per model call at each rate silero supports.
_WINDOW = {16000: 512, 8000: 256}
# Windows scored between cancel checks and progress reports (~8 s of audio at 16 kHz).
_WINDOWS_PER_BLOCK = 256


class NoAudioError(MissingStreamError):
    """The file has no audio stream, so speech, silence and transcript analysis skip it."""


class AudioInputError(VidiError, ValueError):
    """Audio or settings an audio analyser cannot work with (wrong rate, bad threshold)."""


@dataclass(frozen=True, slots=True)
class SpeechSegment:
    """A stretch of speech and the model's mean speech probability over it (0..1)."""

    range: TimeRange
    confidence: float


def load_speech_audio(
    path: str | os.PathLike[str],
    *,
    ctx: JobContext | None = None,
    skip_missing: bool = False,
) -> AudioClip | None:
    """The file's first audio stream as 16 kHz mono, placed exactly on the media timeline.

    A file without audio raises :class:`NoAudioError` ("<file>: no audio: speech analysis
    skipped"), or returns None when ``skip_missing`` is set.
    """
    from vidi_desktop.media.audio import read_audio

    try:
        return read_audio(path, rate=SPEECH_RATE, layout="mono", cancel=ctx.cancel if ctx else None)
    except MissingStreamError:
        if skip_missing:
            return None
        raise NoAudioError(f"{Path(path)}: {NO_AUDIO_NOTE}") from None


def detect_speech(
    clip: AudioClip,
    threshold: float = 0.5,
    min_speech_ms: int = 250,
    min_silence_ms: int = 100,
    pad_ms: int = 30,
    ctx: JobContext | None = None,
) -> list[SpeechSegment]:
    """Speech segments of ``clip`` (16 or 8 kHz; several channels are mixed down).

    A segment starts at the first window scoring ≥ ``threshold`` and ends once the score has
    stayed below ``threshold - 0.15`` for ``min_silence_ms``; segments shorter than
    ``min_speech_ms`` are dropped, and each is widened by ``pad_ms`` on both sides (meeting
    halfway when two pads would overlap), as silero-vad does.
    """
    scorer = _Scorer(clip.rate, threshold, min_speech_ms, min_silence_ms, pad_ms)
    mono = clip.mono()
    n = int(mono.shape[0])
    step = _WINDOWS_PER_BLOCK * scorer.win
    for first in range(0, n, step):
        if ctx is not None:
            ctx.progress(first / n, "speech")
        scorer.feed(mono[first : first + step])
    if ctx is not None:
        ctx.progress(1.0, "speech", force=True)
    return scorer.finish(clip.start)


def load_and_detect_speech(
    path: str | os.PathLike[str],
    *,
    ctx: JobContext | None = None,
    skip_missing: bool = False,
    expected_seconds: float | None = None,
) -> tuple[AudioClip, list[SpeechSegment]] | None:
    """:func:`load_speech_audio` and :func:`detect_speech` at once: the audio is decoded on a
    helper thread while the model scores what has arrived, so the two use both cores. The
    result is the same as calling the two in turn. ``expected_seconds`` (the probed
    duration) makes progress a fraction; None without audio when ``skip_missing``.
    """
    found = _decode_and_detect(path, ctx, skip_missing, expected_seconds, keep=True)
    return None if found is None else (found[0], found[1])


def scan_speech(
    path: str | os.PathLike[str],
    *,
    ctx: JobContext | None = None,
    expected_seconds: float | None = None,
) -> tuple[list[SpeechSegment], Time, int]:
    """Speech segments of a file without keeping its audio (memory flat in its length):
    the segments, the time of the first sample and the number of 16 kHz samples. A file
    without audio raises :class:`NoAudioError`."""
    found = _decode_and_detect(path, ctx, False, expected_seconds, keep=False)
    assert found is not None
    clip, segments, samples = found
    return segments, clip.start, samples


def _decode_and_detect(
    path: str | os.PathLike[str],
    ctx: JobContext | None,
    skip_missing: bool,
    expected_seconds: float | None,
    *,
    keep: bool,
) -> tuple[AudioClip, list[SpeechSegment], int] | None:
    scorer = _Scorer(SPEECH_RATE)
    expected = (expected_seconds or 0) * SPEECH_RATE

    def feed(samples: Any) -> None:
        scorer.feed(samples)
        if ctx is not None:
            fraction = min(0.99, scorer.samples / expected) if expected > 0 else None
            ctx.progress(fraction, "speech")

    # Kept audio is held anyway, so the decoder may run ahead; otherwise at most a minute
    # waits for the model, and memory stays flat.
    clip = decode_beside(path, feed, ctx, skip_missing, keep=keep, queue_size=0 if keep else 60)
    if clip is None:
        return None
    if ctx is not None:
        ctx.progress(1.0, "speech", force=True)
    if keep and scorer.samples != clip.samples.shape[1]:
        # The decoder trimmed what it had handed over (never for a whole file): score again.
        return clip, detect_speech(clip, ctx=ctx), clip.samples.shape[1]
    return clip, scorer.finish(clip.start), scorer.samples


class _Scorer:
    """Window scores fed to silero's hysteresis as samples arrive, a block at a time (the
    same blocks whether the samples come at once or in pieces, so the same result)."""

    def __init__(
        self,
        rate: int,
        threshold: float = 0.5,
        min_speech_ms: int = 250,
        min_silence_ms: int = 100,
        pad_ms: int = 30,
    ) -> None:
        if rate not in _WINDOW:
            raise AudioInputError(f"speech detection needs 16 kHz (or 8 kHz) audio, got {rate} Hz")
        if not 0.0 < threshold < 1.0:
            raise AudioInputError(f"speech threshold must be between 0 and 1, got {threshold}")
        if min(min_speech_ms, min_silence_ms, pad_ms) < 0:
            raise AudioInputError("speech durations must not be negative")
        self.rate = rate
        self.win = _WINDOW[rate]
        self.pad = rate * pad_ms // 1000
        self.segmenter = _Segmenter(
            threshold=threshold,
            neg_threshold=max(threshold - 0.15, 0.01),
            min_silence=rate * min_silence_ms // 1000,
            min_speech=rate * min_speech_ms // 1000,
        )
        self.model: _TorchSilero | _OnnxSilero | None = None
        self.pending: list[Any] = []
        self.pending_samples = 0
        self.samples = 0  # fed so far
        self.scored = 0  # windows scored so far

    def feed(self, samples: Any) -> None:
        """Add mono samples; every whole block of windows is scored at once."""
        import numpy as np

        if samples.shape[0] == 0:
            return
        self.pending.append(samples)
        self.pending_samples += int(samples.shape[0])
        self.samples += int(samples.shape[0])
        step = _WINDOWS_PER_BLOCK * self.win
        if self.pending_samples < step:
            return
        joined = np.concatenate(self.pending) if len(self.pending) > 1 else self.pending[0]
        whole = (joined.shape[0] // step) * step
        for first in range(0, whole, step):
            self._score(joined[first : first + step])
        rest = joined[whole:]
        self.pending = [rest] if rest.shape[0] else []
        self.pending_samples = int(rest.shape[0])

    def _score(self, block: Any) -> None:
        import numpy as np

        if self.model is None:
            self.model = _load_model()
        frames = np.ascontiguousarray(block, np.float32).reshape(-1, self.win)
        with self.model.session():
            for i, prob in enumerate(self.model.probabilities(frames, self.rate)):
                self.segmenter.push((self.scored + i) * self.win, prob)
        self.scored += frames.shape[0]

    def finish(self, start: Time) -> list[SpeechSegment]:
        """Score what is left (the final window zero-padded) and return the segments of the
        clip whose first sample plays at ``start``."""
        import numpy as np

        n = self.samples
        if n == 0:
            return []
        if self.pending_samples:
            rest = np.concatenate(self.pending) if len(self.pending) > 1 else self.pending[0]
            block = np.zeros(-(-rest.shape[0] // self.win) * self.win, np.float32)
            block[: rest.shape[0]] = rest
            self._score(block)
            self.pending, self.pending_samples = [], 0
        return _segments(self.segmenter.finish(n), self.pad, n, self.rate, start)


def decode_beside(
    path: str | os.PathLike[str],
    feed: Callable[[Any], None],
    ctx: JobContext | None,
    skip_missing: bool,
    *,
    keep: bool,
    fast: bool = False,
    batch: int = 1,
    queue_size: int = 0,
) -> AudioClip | None:
    """Decode the file's 16 kHz mono audio on a helper thread and hand each decoded piece
    (``batch`` chunks joined) to ``feed`` on this thread, so the model scores while the file
    decodes (both cores at work). Returns the decoded clip (its samples only when ``keep``);
    None without an audio stream when ``skip_missing``, else :class:`NoAudioError`. A full
    ``queue_size`` (0: unbounded) holds the decoder back; a cancel through ``ctx``, or an
    error in ``feed``, stops it."""
    import queue
    import threading

    import numpy as np

    from vidi_desktop.media.audio import read_audio

    items: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=queue_size)
    halt = threading.Event()

    def put_chunk(samples: Any) -> None:
        while True:
            try:
                items.put(("chunk", samples), timeout=0.1)
                return
            except queue.Full:
                if halt.is_set():
                    raise CancelledError("speech detection stopped") from None

    def decode() -> None:
        pending: list[Any] = []

        def hand_over(samples: Any) -> None:
            pending.append(samples[0])
            if len(pending) >= batch:
                put_chunk(pending[0] if len(pending) == 1 else np.concatenate(pending))
                pending.clear()

        try:
            clip = read_audio(path, rate=SPEECH_RATE, layout="mono", cancel=halt, keep=keep,
                              on_chunk=hand_over, fast=fast)
            if pending:
                put_chunk(np.concatenate(pending))
            items.put(("done", clip))
        except BaseException as exc:  # handed over to the caller's thread
            items.put(("error", exc))

    threading.Thread(target=decode, name="vidi-audio", daemon=True).start()
    try:
        while True:
            try:
                kind, value = items.get(timeout=0.05)
            except queue.Empty:
                if ctx is not None:
                    ctx.check_cancelled()
                continue
            if kind == "chunk":
                feed(value)
            elif kind == "error":
                if isinstance(value, MissingStreamError):
                    if skip_missing:
                        return None
                    raise NoAudioError(f"{Path(path)}: {NO_AUDIO_NOTE}") from None
                raise value
            else:
                return value
    finally:
        halt.set()  # stops the decoder if the caller was cancelled or the model failed


def _segments(
    raw: list[tuple[int, int, float]], pad: int, n: int, rate: int, start: Time
) -> list[SpeechSegment]:
    """The segmenter's sample spans, padded, as segments of a clip of ``n`` samples whose
    first plays at ``start``."""
    tick = Fraction(1, rate)
    origin = start.rescale(tick, "round")
    return [
        SpeechSegment(TimeRange(origin + Time(a, tick), Time(b - a, tick)), round(conf, 4))
        for a, b, conf in _pad(raw, pad, n)
    ]


def speech_ranges(segments: Iterable[SpeechSegment]) -> list[TimeRange]:
    """Just the ranges (what silence removal and transcript alignment take)."""
    return [s.range for s in segments]


def ranges_json(ranges: Iterable[TimeRange]) -> list[dict[str, float]]:
    """``[{"start": s, "end": s}]`` in seconds, as ``analyze --json`` prints speech and
    silences (exact values rounded to the microsecond)."""
    return [
        {"start": round(float(r.start.seconds), 6), "end": round(float(r.end_exclusive.seconds), 6)}
        for r in ranges
    ]


def segments_json(segments: Iterable[SpeechSegment]) -> list[dict[str, float]]:
    """The ``"speech"`` list of ``analyze --json``, each entry with its confidence too."""
    return [{**ranges_json([s.range])[0], "confidence": s.confidence} for s in segments]


class _Segmenter:
    """silero's hysteresis over window probabilities, fed one window at a time."""

    def __init__(
        self, *, threshold: float, neg_threshold: float, min_silence: int, min_speech: int
    ) -> None:
        self.threshold = threshold
        self.neg_threshold = neg_threshold
        self.min_silence = min_silence
        self.min_speech = min_speech
        self.start: int | None = None  # first sample of the open segment
        self.temp_end: int | None = None  # where the current dip below neg_threshold began
        self.prob_sum = 0.0
        self.prob_count = 0
        self.sum_at_end = (0.0, 0)  # the sums when the dip began (the segment's score)
        self.out: list[tuple[int, int, float]] = []

    def push(self, sample: int, prob: float, scored: bool = True) -> None:
        """One window's probability; one that was not ``scored`` (the loudness gate's
        stand-in) steers the segments but stays out of their confidence."""
        weight = 1 if scored else 0
        if prob >= self.threshold and self.temp_end is not None:
            self.temp_end = None  # speech resumed before the pause grew long enough
        if self.start is None:
            if prob >= self.threshold:
                self.start = sample
                self.prob_sum, self.prob_count = prob * weight, weight
            return
        self.prob_sum += prob * weight
        self.prob_count += weight
        if prob < self.neg_threshold:
            if self.temp_end is None:
                self.temp_end = sample
                self.sum_at_end = (self.prob_sum - prob * weight, self.prob_count - weight)
            if sample - self.temp_end >= self.min_silence:
                self._close(self.temp_end)

    def _close(self, end: int) -> None:
        assert self.start is not None
        if self.temp_end is not None:
            total, count = self.sum_at_end  # the score of the speech before the dip
        else:
            total, count = self.prob_sum, self.prob_count
        if end - self.start > self.min_speech:
            self.out.append((self.start, end, total / max(1, count)))
        self.start = self.temp_end = None
        self.prob_sum, self.prob_count = 0.0, 0

    def finish(self, n: int) -> list[tuple[int, int, float]]:
        if self.start is not None:
            # Speech running into the end of the clip ends there (a pending dip included,
            # as silero does).
            self.temp_end = None
            self._close(n)
        return self.out


def _pad(segments: list[tuple[int, int, float]], pad: int, n: int) -> list[tuple[int, int, float]]:
    """Widen each segment by ``pad`` samples; neighbours closer than two pads meet halfway."""
    out = [list(s) for s in segments]
    for i, seg in enumerate(out):
        if i == 0:
            seg[0] = max(0, seg[0] - pad)
        if i + 1 < len(out):
            nxt = out[i + 1]
            gap = nxt[0] - seg[1]
            if gap < 2 * pad:
                seg[1] += gap // 2
                nxt[0] -= gap - gap // 2
            else:
                seg[1] = min(n, seg[1] + pad)
                nxt[0] = max(0, nxt[0] - pad)
        else:
            seg[1] = min(n, seg[1] + pad)
    return [(int(a), int(b), float(c)) for a, b, c in out]


def _package_file(name: str) -> Path:
    """A file of silero-vad's ``data`` folder (the TorchScript reference, in the ``vlm``
    extra), found without importing the package (whose import sets torch's global thread
    count as a side effect)."""
    import importlib.util

    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise VidiError(
            "the torch speech engine needs the silero-vad package: "
            "pip install 'vidi-desktop[vlm]'"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / name
    if not path.is_file():
        raise VidiError(f"silero-vad's model file is missing: {path}")
    return path


def _model_file(name: str) -> Path:
    """One of silero-vad's ONNX files shipped in ``resources/models`` (MIT, unmodified)."""
    from vidi_desktop.paths import resources_dir

    path = resources_dir() / "models" / name
    if not path.is_file():
        raise VidiError(f"the voice-activity model is missing from this install: {path}")
    return path


def speech_engine() -> str:
    """``"onnx"`` (silero's ONNX model in ONNX Runtime, the default) or ``"torch"``.

    The TorchScript file in the ``silero-vad`` package (``vlm`` extra) is the reference the
    ONNX path is checked against; ``VIDI_DESKTOP_SPEECH_ENGINE=torch`` selects it.
    """
    forced = os.environ.get("VIDI_DESKTOP_SPEECH_ENGINE", "").strip().lower()
    return "torch" if forced == "torch" else "onnx"


def _load_model() -> _TorchSilero | _OnnxSilero:
    """A fresh model per run: it holds per-stream state, and loading takes ~50 ms."""
    return _TorchSilero() if speech_engine() == "torch" else _OnnxSilero()


class _TorchSilero:
    """silero-vad's TorchScript model; it keeps its own context between windows."""

    def __init__(self) -> None:
        try:
            import torch
        except ImportError:
            raise VidiError(
                "the torch speech engine needs torch: pip install 'vidi-desktop[vlm]'"
            ) from None

        with warnings.catch_warnings():
            # torch.jit.load is deprecated in favour of torch.export, which silero does not ship.
            warnings.simplefilter("ignore", FutureWarning)
            self._model = torch.jit.load(str(_package_file("silero_vad.jit")), map_location="cpu")
        self._model.eval()

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        import torch

        with _torch_threads(1), torch.inference_mode():
            yield

    def probabilities(self, windows: Any, rate: int) -> Iterator[float]:
        import torch

        frames = torch.from_numpy(windows)
        for i in range(frames.shape[0]):
            yield float(self._model(frames[i : i + 1], rate))


class _OnnxSilero:
    """silero's network through ONNX Runtime; the caller's side carries the recurrent state
    and the last 64 (32 at 8 kHz) samples of context, as silero's own ONNX wrapper does.

    At 16 kHz it runs silero's sequence export (``silero_vad_16k_sequence.onnx``): one call
    scores a whole block of windows, the LSTM stepping through them inside the graph, which
    gives the same probabilities as one call per window (bit for bit on the tests' speech)
    at a third of the CPU. 8 kHz uses the per-window model.
    """

    def __init__(self) -> None:
        import numpy as np

        try:
            import onnxruntime
        except ImportError as exc:
            raise VidiError(
                "speech detection needs onnxruntime, which is not installed"
            ) from exc
        self._ort = onnxruntime
        self._np = np
        self._sessions: dict[str, Any] = {}
        self._state: Any = None

    def _session(self, name: str) -> Any:
        session = self._sessions.get(name)
        if session is None:
            opts = self._ort.SessionOptions()
            # One small model on short inputs gains nothing from threads, and the other core
            # has the decoding to do.
            opts.inter_op_num_threads = 1
            opts.intra_op_num_threads = 1
            opts.log_severity_level = 3  # silero's files carry unused initialisers it warns of
            session = self._ort.InferenceSession(
                str(_model_file(name)), opts, providers=["CPUExecutionProvider"]
            )
            self._sessions[name] = session
        return session

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        yield

    def probabilities(self, windows: Any, rate: int) -> Iterator[float]:
        if rate == 16000:
            yield from self._sequence(windows)
        else:
            yield from self._per_window(windows, rate)

    def _sequence(self, windows: Any) -> Iterator[float]:
        np = self._np
        session = self._session("silero_vad_16k_sequence.onnx")
        if self._state is None:
            zeros = np.zeros((1, 1, 128), np.float32)
            self._state = (zeros, zeros.copy(), np.zeros(64, np.float32))
        h, c, context = self._state
        contexts = np.concatenate([context[None, :], windows[:-1, -64:]], axis=0)
        x = np.ascontiguousarray(np.concatenate([contexts, windows], axis=1), np.float32)
        probs, h, c = session.run(None, {"input": x, "h": h, "c": c})
        self._state = (h, c, windows[-1, -64:].copy())
        yield from probs.reshape(-1).tolist()

    def score_after(self, windows: Any, context: Any) -> Any:
        """Probabilities (float32 array) of 16 kHz ``windows`` whose first follows the 64
        samples of ``context`` in the audio; the recurrent state goes on from the last call,
        whatever was left out in between (the loudness gate skips what it can tell)."""
        h, c = self.recurrent()
        self._state = (h, c, self._np.asarray(context, self._np.float32))
        return self._np.fromiter(self._sequence(windows), self._np.float32, windows.shape[0])

    def recurrent(self) -> tuple[Any, Any]:
        """The LSTM's state now (zeros before the first window), to go back to later."""
        if self._state is None:
            zeros = self._np.zeros((1, 1, 128), self._np.float32)
            return zeros, zeros.copy()
        return self._state[0], self._state[1]

    def restore(self, state: tuple[Any, Any]) -> None:
        """Go back to a state :meth:`recurrent` gave (the context comes with the next call)."""
        h, c = state
        self._state = (h, c, self._np.zeros(64, self._np.float32))

    def _per_window(self, windows: Any, rate: int) -> Iterator[float]:
        np = self._np
        session = self._session("silero_vad.onnx")
        if self._state is None:
            self._state = (np.zeros((2, 1, 128), np.float32), np.zeros((1, 32), np.float32))
        state, context = self._state
        sr = np.array(rate, dtype=np.int64)
        for window in windows:
            x = np.concatenate([context, window[None, :]], axis=1)
            out, state = session.run(None, {"input": x, "state": state, "sr": sr})
            context = x[:, -context.shape[1] :]
            self._state = (state, context)
            yield float(out.reshape(-1)[0])


@contextlib.contextmanager
def _torch_threads(count: int) -> Iterator[None]:
    """One small model on 512-sample windows gains nothing from threads; restore after."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)
