"""Speech segments: where someone is talking, from silero-vad run on 16 kHz mono audio.

The model is the TorchScript file shipped inside the ``silero-vad`` package (MIT), loaded
from the package's data folder, so nothing is downloaded. It scores one 32 ms window (512
samples at 16 kHz) at a time and carries its state from window to window; the windows'
speech probabilities go through the same hysteresis silero's ``get_speech_timestamps``
applies (start above ``threshold``, end after ``min_silence_ms`` below ``threshold - 0.15``),
but streamed: memory stays constant whatever the length, and cancellation is checked as it
goes. Boundaries land exactly on the clip's sample grid (ticks of 1/16000 s).

Footage without audio is not an error for the analysis as a whole: :func:`load_speech_audio`
raises :class:`NoAudioError` (or returns None with ``skip_missing=True``), whose message is the
note the pipeline shows ("no audio: speech analysis skipped").
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vidi_desktop.core.errors import MissingStreamError, VidiError
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
    import numpy as np

    if clip.rate not in _WINDOW:
        raise AudioInputError(f"speech detection needs 16 kHz (or 8 kHz) audio, got {clip.rate} Hz")
    if not 0.0 < threshold < 1.0:
        raise AudioInputError(f"speech threshold must be between 0 and 1, got {threshold}")
    if min(min_speech_ms, min_silence_ms, pad_ms) < 0:
        raise AudioInputError("speech durations must not be negative")
    mono = clip.mono()
    n = int(mono.shape[0])
    if n == 0:
        return []
    win = _WINDOW[clip.rate]
    segmenter = _Segmenter(
        threshold=threshold,
        neg_threshold=max(threshold - 0.15, 0.01),
        min_silence=clip.rate * min_silence_ms // 1000,
        min_speech=clip.rate * min_speech_ms // 1000,
    )
    windows = -(-n // win)
    model = _load_model()
    with model.session():
        for first in range(0, windows, _WINDOWS_PER_BLOCK):
            if ctx is not None:
                ctx.progress(first / windows, "speech")
            last = min(windows, first + _WINDOWS_PER_BLOCK)
            block = np.zeros((last - first) * win, np.float32)
            piece = mono[first * win : last * win]
            block[: piece.shape[0]] = piece  # the final window is zero-padded
            for i, prob in enumerate(model.probabilities(block.reshape(-1, win), clip.rate)):
                segmenter.push((first + i) * win, prob)
    if ctx is not None:
        ctx.progress(1.0, "speech", force=True)
    raw = segmenter.finish(n)
    padded = _pad(raw, clip.rate * pad_ms // 1000, n)
    tick = Fraction(1, clip.rate)
    origin = clip.start.rescale(tick, "round")
    return [
        SpeechSegment(
            TimeRange(origin + Time(a, tick), Time(b - a, tick)),
            round(conf, 4),
        )
        for a, b, conf in padded
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

    def push(self, sample: int, prob: float) -> None:
        if prob >= self.threshold and self.temp_end is not None:
            self.temp_end = None  # speech resumed before the pause grew long enough
        if self.start is None:
            if prob >= self.threshold:
                self.start = sample
                self.prob_sum, self.prob_count = prob, 1
            return
        self.prob_sum += prob
        self.prob_count += 1
        if prob < self.neg_threshold:
            if self.temp_end is None:
                self.temp_end = sample
                self.sum_at_end = (self.prob_sum - prob, self.prob_count - 1)
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
    """A file of silero-vad's ``data`` folder, found without importing the package (whose
    import sets torch's global thread count as a side effect)."""
    import importlib.util

    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise VidiError("speech detection needs the silero-vad package, which is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / name
    if not path.is_file():
        raise VidiError(f"silero-vad's model file is missing: {path}")
    return path


def speech_engine() -> str:
    """``"torch"`` (silero's TorchScript model) or ``"onnx"`` (the same network in ONNX Runtime).

    The torch build is the reference; the ONNX one serves installs without torch (the
    standalone app leaves torch to the GPU add-on). ``VIDI_DESKTOP_SPEECH_ENGINE`` forces one.
    """
    import importlib.util

    forced = os.environ.get("VIDI_DESKTOP_SPEECH_ENGINE", "").strip().lower()
    if forced in ("torch", "onnx"):
        return forced
    return "torch" if importlib.util.find_spec("torch") is not None else "onnx"


def _load_model() -> _TorchSilero | _OnnxSilero:
    """A fresh model per run: it holds per-stream state, and loading takes ~50 ms."""
    return _TorchSilero() if speech_engine() == "torch" else _OnnxSilero()


class _TorchSilero:
    """silero-vad's TorchScript model; it keeps its own context between windows."""

    def __init__(self) -> None:
        import torch

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
    """The same network through ONNX Runtime: the caller carries the recurrent state and the
    last 64 (32 at 8 kHz) samples of context, as silero's own ONNX wrapper does."""

    def __init__(self) -> None:
        import numpy as np

        try:
            import onnxruntime
        except ImportError as exc:
            raise VidiError(
                "speech detection needs torch or onnxruntime; neither is installed"
            ) from exc
        opts = onnxruntime.SessionOptions()
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(_package_file("silero_vad.onnx")), opts, providers=["CPUExecutionProvider"]
        )
        self._np = np

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        yield

    def probabilities(self, windows: Any, rate: int) -> Iterator[float]:
        np = self._np
        if not hasattr(self, "_state"):
            self._state = np.zeros((2, 1, 128), np.float32)
            self._context = np.zeros((1, 64 if rate == 16000 else 32), np.float32)
        sr = np.array(rate, dtype=np.int64)
        for window in windows:
            x = np.concatenate([self._context, window[None, :]], axis=1)
            out, self._state = self._session.run(
                None, {"input": x, "state": self._state, "sr": sr}
            )
            self._context = x[:, -self._context.shape[1] :]
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
