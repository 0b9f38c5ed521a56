"""Speech segments: where someone is talking, from silero-vad run on 16 kHz mono audio.

The model is silero-vad's ONNX export (MIT, copied from the ``silero-vad`` wheel into
``resources/models``) run by ONNX Runtime, so nothing is downloaded and torch is not needed
(the package's TorchScript file is the reference it is checked against). It scores 32 ms
windows (512 samples at 16 kHz), carrying its state from window to window; the windows'
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
    from vidi_desktop.media.audio import AudioClip
    from vidi_desktop.services.jobs import JobContext

SPEECH_RATE = 16000
NO_AUDIO_NOTE = "no audio: speech analysis skipped"

# Samples per model call at each rate silero supports.
_WINDOW = {16000: 512, 8000: 256}
# Windows scored between cancel checks and progress reports (~8 s of audio at 16 kHz).
_WINDOWS_PER_BLOCK = 256
# The loudness screen (see detect_speech): a window is quiet when its level is within 6 dB
# of the clip's noise floor (its 10th percentile) and below -45 dBFS; in a run of quiet
# windows the model still scores the first _SCREEN_LEAD (its score falls as it would) and the
# last _SCREEN_TAIL (its state settles on the real room tone before the sound returns), and
# skips the rest when at least _SCREEN_MIN remain.
_QUIET_OVER_FLOOR_DB = 6.0
_QUIET_CEILING_DB = -45.0
_SCREEN_LEAD = 8
_SCREEN_TAIL = 16
_SCREEN_MIN = 16


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
    screen: bool | None = None,
) -> list[SpeechSegment]:
    """Speech segments of ``clip`` (16 or 8 kHz; several channels are mixed down).

    A segment starts at the first window scoring ≥ ``threshold`` and ends once the score has
    stayed below ``threshold - 0.15`` for ``min_silence_ms``; segments shorter than
    ``min_speech_ms`` are dropped, and each is widened by ``pad_ms`` on both sides (meeting
    halfway when two pads would overlap), as silero-vad does.

    ``screen`` (default: on, unless ``VIDI_DESKTOP_SILENCE_SCREEN=0`` or the torch engine)
    skips the model inside long stretches that loudness alone shows to be room tone: they
    score 0. Speech is never that quiet, so the segments stay the same but for rare edges.
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
    if screen is None:
        screen = os.environ.get("VIDI_DESKTOP_SILENCE_SCREEN", "1").strip() != "0"
    screened = screen and isinstance(model, _OnnxSilero) and clip.rate == 16000
    skip = _skippable(mono, win, windows) if screened else None
    with model.session():
        for first in range(0, windows, _WINDOWS_PER_BLOCK):
            if ctx is not None:
                ctx.progress(first / windows, "speech")
            last = min(windows, first + _WINDOWS_PER_BLOCK)
            block = np.zeros((last - first) * win, np.float32)
            piece = mono[first * win : last * win]
            block[: piece.shape[0]] = piece  # the final window is zero-padded
            frames = block.reshape(-1, win)
            if skip is None:
                for i, prob in enumerate(model.probabilities(frames, clip.rate)):
                    segmenter.push((first + i) * win, prob)
                continue
            for a, b, skipped in _runs(skip[first:last]):
                if skipped:
                    for i in range(a, b):
                        segmenter.push((first + i) * win, 0.0)
                    continue
                at = (first + a) * win  # the samples just before the run are its context
                context = np.zeros(64, np.float32)
                before = mono[max(0, at - 64) : at]
                context[64 - before.shape[0] :] = before
                for i, prob in enumerate(model.probabilities(frames[a:b], clip.rate, context)):
                    segmenter.push((first + a + i) * win, prob)
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


def _skippable(mono: Any, win: int, windows: int) -> Any:
    """Which windows the loudness screen lets the model skip (see the constants above)."""
    import numpy as np

    level = np.empty(windows, np.float32)
    step = 4096  # windows per block: bounded temporaries
    for first in range(0, windows, step):
        last = min(windows, first + step)
        block = np.zeros((last - first) * win, np.float32)
        piece = mono[first * win : last * win]
        block[: piece.shape[0]] = piece
        power = np.square(block.reshape(-1, win), dtype=np.float32).mean(axis=1)
        level[first:last] = 10.0 * np.log10(np.maximum(power, 1e-12))
    floor = float(np.percentile(level, 10))
    quiet = level < min(floor + _QUIET_OVER_FLOOR_DB, _QUIET_CEILING_DB)
    skip = np.zeros(windows, bool)
    for a, b, is_quiet in _runs(quiet):
        if is_quiet and b - a >= _SCREEN_LEAD + _SCREEN_TAIL + _SCREEN_MIN:
            skip[a + _SCREEN_LEAD : b - _SCREEN_TAIL] = True
    return skip


def _runs(flags: Any) -> Iterator[tuple[int, int, bool]]:
    """``(start, end, value)`` of each run of equal values in a boolean array."""
    import numpy as np

    n = int(flags.shape[0])
    if n == 0:
        return
    edges = np.flatnonzero(np.diff(flags.astype(np.int8))) + 1
    starts = [0, *edges.tolist()]
    ends = [*edges.tolist(), n]
    for a, b in zip(starts, ends, strict=True):
        yield a, b, bool(flags[a])


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

    def probabilities(self, windows: Any, rate: int, context: Any = None) -> Iterator[float]:
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

    def probabilities(self, windows: Any, rate: int, context: Any = None) -> Iterator[float]:
        """Scores of consecutive windows; ``context`` (the 64 samples before the first one)
        is given when windows were skipped since the last call (16 kHz only)."""
        if rate == 16000:
            yield from self._sequence(windows, context)
        else:
            yield from self._per_window(windows, rate)

    def _sequence(self, windows: Any, given: Any = None) -> Iterator[float]:
        np = self._np
        session = self._session("silero_vad_16k_sequence.onnx")
        if self._state is None:
            zeros = np.zeros((1, 1, 128), np.float32)
            self._state = (zeros, zeros.copy(), np.zeros(64, np.float32))
        h, c, context = self._state
        if given is not None:
            context = given
        contexts = np.concatenate([context[None, :], windows[:-1, -64:]], axis=0)
        x = np.ascontiguousarray(np.concatenate([contexts, windows], axis=1), np.float32)
        probs, h, c = session.run(None, {"input": x, "h": h, "c": c})
        self._state = (h, c, windows[-1, -64:].copy())
        yield from probs.reshape(-1).tolist()

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
