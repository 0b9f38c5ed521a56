"""Each routed intent → the built-in analysers → suggestions, restricted to the window asked.

The analysers run through :func:`vidi_desktop.analysis.run.analyze_file` (one decode
pass, one audio read) or, for a transcript alone, through :mod:`vidi_desktop.analysis.speech`
and :mod:`~vidi_desktop.analysis.transcript` directly (``analyze_file`` would decode the
pictures too). Results are kept per file in an :class:`AnalysisStore`, so "find where she
says 'budget'" after "subtitles" does not transcribe again.

When a task finds nothing, the editor gets an :class:`~vidi_desktop.core.project.Answer`
saying so (and why), never an empty list that looks like a failure.
"""

from __future__ import annotations

import difflib
import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from vidi_desktop.analysis.options import AnalyzeOptions
from vidi_desktop.analysis.run import FileAnalysis, analyze_file
from vidi_desktop.core.progress import JobContext
from vidi_desktop.core.project import Answer, Chapter, CutRange, SpeechRange, Suggestion
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.models.builtin import intents as I
from vidi_desktop.models.builtin.params import format_seconds

if TYPE_CHECKING:
    from vidi_desktop.analysis.transcript import Transcript
    from vidi_desktop.media.probe import MediaInfo
    from vidi_desktop.models.builtin.embedder import Embedder
    from vidi_desktop.models.builtin.router import RoutedRequest
    from vidi_desktop.models.protocol import AssetRef

SOURCE = "builtin"
DEFAULT_HIGHLIGHTS = 3
DEFAULT_CLIP_SECONDS = Fraction(30)
SHORT_CLIP_SECONDS = Fraction(15)
FACE_SHOT_SHARE = Fraction(1, 3)  # a shot "has a face" when one is seen this much of it…
FACE_SHOT_SECONDS = Fraction(1)  # …or at least this long


# -- analyses kept per file -----------------------------------------------------------------------


class AnalysisStore:
    """The latest analyses and transcripts per file (by path, size and mtime)."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def _get(self, key: tuple[Any, ...]) -> Any:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def _put(self, key: tuple[Any, ...], value: Any) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def analysis(self, info: MediaInfo, options: AnalyzeOptions, job: JobContext) -> FileAnalysis:
        """``analyze_file`` for ``options``, reused when the same file was analysed so."""
        key = ("analysis", _identity(info), options)
        hit = self._get(key)
        if hit is not None:
            return hit
        # What earlier requests on this file computed is not computed again: "subtitles"
        # after "split into scenes" decodes no picture, "find 'budget'" after "subtitles"
        # transcribes nothing.
        shots = self._shots(info, options.sensitivity)
        transcript = self._get(("transcript", _identity(info), options.whisper_model))
        result = analyze_file(info.path, options, job, info, shots=shots, transcript=transcript)
        if result.transcript is not None:
            self._put(("transcript", _identity(info), options.whisper_model), result.transcript)
        result.audio = None  # 16 kHz samples of the whole file: not worth keeping
        self._put(key, result)
        return result

    def _shots(self, info: MediaInfo, sensitivity: float) -> list[Any] | None:
        """Shot boundaries an analysis of this file already found at this sensitivity."""
        ident = _identity(info)
        with self._lock:
            for key, value in reversed(self._items.items()):
                if (
                    key[0] == "analysis" and key[1] == ident
                    and key[2].sensitivity == sensitivity and value.shots is not None
                ):
                    return list(value.shots)
        return None

    def transcript(
        self, info: MediaInfo, whisper_model: str | None, job: JobContext
    ) -> Transcript | None:
        """The file's transcript (None without audio); speech first, Whisper only on speech."""
        key = ("transcript", _identity(info), whisper_model)
        hit = self._get(key)
        if hit is not None:
            return hit
        from vidi_desktop.analysis.transcript import transcribe

        if not info.audio:
            return None
        job.progress(0.1, "voice activity")
        # From the file: speech found while decoding, Whisper's windows decoded again when
        # needed, so a two-hour interview takes no more memory than a short one.
        result = transcribe(info.path, whisper_model, ctx=job)
        self._put(key, result)
        return result


def _identity(info: MediaInfo) -> tuple[str, int, int]:
    ident = info.identity
    return (ident.path, ident.size, ident.mtime_ns)


# -- what a task sees -----------------------------------------------------------------------------


@dataclass
class TaskInput:
    """One routed task on one asset."""

    asset: AssetRef
    info: MediaInfo
    routed: RoutedRequest
    extent: TimeRange  # the whole file on the media timeline
    window: TimeRange | None  # the part asked for, inside ``extent``; None = all of it
    job: JobContext
    store: AnalysisStore
    embedder: Embedder | None
    whisper_model: str | None = None

    @property
    def span(self) -> TimeRange:
        """The window, or the whole file."""
        return self.window or self.extent

    def where(self) -> str:
        """ "in 0:10–0:20" or "" (for messages)."""
        if self.window is None:
            return ""
        a = format_seconds(self.window.start.seconds)
        b = format_seconds(self.window.end_exclusive.seconds)
        return f" in {a}–{b}"

    def analyse(self, **options: Any) -> FileAnalysis:
        opts = AnalyzeOptions(whisper_model=self.whisper_model, **options)
        return self.store.analysis(self.info, opts, self.job)

    def answer(self, text: str, ranges: Sequence[TimeRange] = (), **meta: Any) -> Suggestion:
        return Suggestion.new(
            self.asset.asset_id,
            Answer(text, tuple(ranges)),
            f"{SOURCE}.{self.routed.intent}",
            label=text if len(text) <= 60 else text[:57] + "…",
            metadata={"vidi": {"intent": self.routed.intent, **meta}},
        )

    def notes(self, analysis: FileAnalysis) -> str:
        return (" (" + "; ".join(analysis.notes) + ")") if analysis.notes else ""


Task = Callable[[TaskInput], list[Suggestion]]


# -- the tasks ------------------------------------------------------------------------------------


def scenes(t: TaskInput) -> list[Suggestion]:
    """Shot boundaries inside the window."""
    from vidi_desktop.analysis.shots import shot_suggestions

    a = t.analyse(shots=True)
    if t.info.video is None:
        return [t.answer("This file has no pictures, so it has no scenes to split.")]
    inside = [b for b in a.shots or [] if _instant_in(b.time, t.span)]
    if not inside:
        return [
            t.answer(
                f"No shot change found{t.where()}: it looks like one continuous shot{t.notes(a)}."
            )
        ]
    return shot_suggestions(t.asset.asset_id, inside, f"{SOURCE}.shots")


def silences(t: TaskInput) -> list[Suggestion]:
    """Cut ranges over the silences, with the editor's margin / pause / length knobs."""
    from vidi_desktop.analysis.silence import silence_suggestions

    p = t.routed.params
    knobs: dict[str, Any] = {"speech": True}
    if p.margin is not None:
        knobs["silence_margin"] = p.margin
    if p.min_silence is not None:
        knobs["min_silence"] = p.min_silence
    if p.keep_pauses is not None:
        knobs["keep_pauses"] = p.keep_pauses
    a = t.analyse(**knobs)
    if a.silence_cuts is None:
        return [t.answer(f"No sound to look for silences in{t.notes(a)}.")]
    cuts = _clipped(a.silence_cuts, t.span)
    if not cuts:
        return [t.answer(f"No silence worth cutting{t.where()}.")]
    meta = {k: float(v) for k, v in knobs.items() if k != "speech"}
    out = silence_suggestions(t.asset.asset_id, cuts, f"{SOURCE}.silence", metadata=meta)
    if not a.speech:
        out.append(t.answer(f"No speech found{t.where()}: it is all silence or noise."))
    return out


def subtitles(t: TaskInput) -> list[Suggestion]:
    """Subtitle cues (never across a shot cut) starting inside the window."""
    from vidi_desktop.analysis.subtitles import subtitle_suggestions

    a = t.analyse(subtitles=True)
    if a.speech is None:
        return [t.answer(f"No sound to transcribe{t.notes(a)}.")]
    cues = [c for c in a.cues or [] if _instant_in(c.range.start, t.span)]
    if not cues:
        return [t.answer(f"No speech to subtitle{t.where()}.")]
    return subtitle_suggestions(t.asset.asset_id, cues, f"{SOURCE}.transcript")


def highlights(t: TaskInput) -> list[Suggestion]:
    """The best clips of about the length asked; a reframe path too when a ratio was named."""
    from vidi_desktop.analysis.reframe import reframe_suggestion

    p = t.routed.params
    count = p.count or DEFAULT_HIGHLIGHTS
    seconds = p.duration or (SHORT_CLIP_SECONDS if p.short else DEFAULT_CLIP_SECONDS)
    span_seconds = t.span.duration.seconds
    if seconds > span_seconds:
        return [
            t.answer(
                f"The footage{t.where()} lasts {format_seconds(span_seconds)}: too short for a "
                f"{format_seconds(seconds)} clip. Ask for shorter clips."
            )
        ]
    # With a window, ask for every clip the file holds and keep the best inside the window.
    asked = count if t.window is None else count + int(t.extent.duration.seconds // seconds) + 1
    a = t.analyse(highlights=asked, highlight_seconds=seconds, reframe=p.aspect)
    found = [
        h
        for h in a.highlights or []
        if t.span.start <= h.range.start and h.range.end_exclusive <= t.span.end_exclusive
    ][:count]
    out = [s for s in a.suggestions(t.asset.asset_id) if s.kind == "highlight_clip"]
    keep = {(h.range.start, h.range.duration) for h in found}
    out = [
        replace(s, source=f"{SOURCE}.highlights")
        for s in out
        if (s.payload.range.start, s.payload.range.duration) in keep  # type: ignore[attr-defined]
    ]
    short = [s for s in out if not s.metadata["vidi"].get("within_tolerance", True)]
    if len(out) < count or short:
        out.append(t.answer(_highlights_shortfall(a, t, len(out), count, seconds, len(short))))
    if p.aspect and a.reframe is not None:
        out.append(reframe_suggestion(t.asset.asset_id, a.reframe, f"{SOURCE}.reframe"))
    return out


def _highlights_shortfall(
    a: FileAnalysis, t: TaskInput, found: int, count: int, seconds: Fraction, short: int
) -> str:
    """Why fewer clips than asked, or shorter ones, came back: how much speech there is."""
    length = format_seconds(seconds)
    hits = [s.range.intersection(t.span) for s in a.speech or []]
    speech = sum((h.duration.seconds for h in hits if h is not None), Fraction(0))
    if not speech:
        why = "there is not more footage to cut them from"
    else:
        why = f"the footage holds {format_seconds(speech)} of speech"
    if found < count:
        text = f"Found {found} of the {count} clips of about {length} asked{t.where()}: {why}"
        if speech:
            text += ", room for no more clips of that length that do not overlap"
    else:
        text = f"All {count} clips found{t.where()}, but {why}"
    if short:
        text += (f"; {short} of them {'is' if short == 1 else 'are'} shorter than {length} "
                 "(each says why in its details)")
    return text + f"{t.notes(a)}."


def reframe(t: TaskInput) -> list[Suggestion]:
    """A crop path to the ratio asked (9:16 unless said), jumping only at cuts."""
    from vidi_desktop.analysis.reframe import reframe_suggestion

    aspect = t.routed.params.aspect or "9:16"
    if t.info.video is None:
        return [t.answer("This file has no pictures to reframe.")]
    a = t.analyse(reframe=aspect)
    if a.reframe is None:
        return [t.answer(f"Could not reframe to {aspect}{t.notes(a)}.")]
    out = [reframe_suggestion(t.asset.asset_id, a.reframe, f"{SOURCE}.reframe")]
    if t.window is not None:
        out.append(
            t.answer(
                f"The {aspect} crop path covers the whole clip; a crop path "
                "cannot start mid-clip yet."
            )
        )
    return out


def find_phrase(t: TaskInput) -> list[Suggestion]:
    """Where the phrase is said: ranges to keep, word-exact, and an answer listing them."""
    phrase = t.routed.params.phrase
    if not phrase:
        return [t.answer("Say which words to find, in quotes: find where she says 'budget'.")]
    transcript = t.store.transcript(t.info, t.whisper_model, t.job)
    if transcript is None:
        return [t.answer("This file has no sound, so nothing is said in it.")]
    if not transcript.words:
        return [t.answer("No speech was found in this file.")]
    hits, exact = search_phrase(transcript, phrase)
    hits = [h for h in hits if t.span.start <= h.start and h.end_exclusive <= t.span.end_exclusive]
    if not hits:
        return [
            t.answer(
                f"“{phrase}” is not said{t.where()} (the transcript has "
                f"{len(transcript.words)} words)."
            )
        ]
    how = "" if exact else " (closest match: the transcript spells it differently)"
    out = [
        Suggestion.new(
            t.asset.asset_id,
            CutRange(h, "keep"),
            f"{SOURCE}.find_phrase",
            confidence=1.0 if exact else 0.6,
            label=f"“{phrase}” at {format_seconds(h.start.seconds)}",
            metadata={"vidi": {"phrase": phrase, "exact": exact}},
        )
        for h in hits
    ]
    times = ", ".join(format_seconds(h.start.seconds) for h in hits[:10])
    more = f" and {len(hits) - 10} more" if len(hits) > 10 else ""
    n = "once" if len(hits) == 1 else f"{len(hits)} times"
    out.append(t.answer(f"“{phrase}” is said {n}: at {times}{more}{how}.", hits, phrase=phrase))
    return out


def faces(t: TaskInput) -> list[Suggestion]:
    """Ranges to keep where a face is on screen: whole shots ("every shot with a face") or
    the moments themselves, never across a cut."""
    if t.info.video is None:
        return [t.answer("This file has no pictures to look for faces in.")]
    a = t.analyse(faces=True, shots=True)
    seen: list[TimeRange] = []
    for tube in a.tubes or []:
        if tube.label == "face":
            # Boxes come about 5 a second: a run covers its last sample's 200 ms too.
            seen += [r for r in tube.visible_ranges(tail_ms=200)]
    seen = _union(seen)
    shots = _shots(t.extent, [b.time for b in a.shots or []])
    ranges: list[TimeRange] = []
    whole = t.routed.params.unit == "shot"
    for shot in shots:
        part = shot.intersection(t.span)
        if part is None:
            continue
        inside = [r for s in seen if (r := s.intersection(part)) is not None]
        if not inside:
            continue
        if whole:
            covered = sum((r.duration.seconds for r in inside), Fraction(0))
            if covered >= min(FACE_SHOT_SECONDS, part.duration.seconds * FACE_SHOT_SHARE):
                ranges.append(part)
        else:
            ranges += inside
    if not ranges:
        return [t.answer(f"No face found on screen{t.where()}{t.notes(a)}.")]
    what = "shot with a face" if whole else "face on screen"
    return [
        Suggestion.new(
            t.asset.asset_id,
            CutRange(r, "keep"),
            f"{SOURCE}.faces",
            label=f"{what} {format_seconds(r.start.seconds)}–"
            f"{format_seconds(r.end_exclusive.seconds)}",
            metadata={"vidi": {"analyser": "faces", "unit": "shot" if whole else "moment"}},
        )
        for r in ranges
    ]


def chapters(t: TaskInput) -> list[Suggestion]:
    """Titled chapters covering the window, from the transcript, pauses and cuts."""
    from vidi_desktop.models.builtin.chapters import make_chapters

    transcript = t.store.transcript(t.info, t.whisper_model, t.job)
    a = t.analyse(shots=True) if t.info.video is not None else None
    cuts = [b.time for b in (a.shots or [])] if a is not None else []
    words = transcript.words if transcript is not None else ()
    embed = None
    if t.embedder is not None and t.embedder.loaded:
        embedder = t.embedder

        def embed(texts: list[str]) -> Any:
            return embedder.encode(texts, cache=False)

    count = t.routed.params.count
    plans = make_chapters(words, t.span, cuts, embed, count)
    if not plans:
        return [
            t.answer(f"Nothing to make chapters from{t.where()}: no speech and no shot changes.")
        ]
    out = [
        Suggestion.new(
            t.asset.asset_id,
            Chapter(p.range, p.title),
            f"{SOURCE}.chapters",
            label=p.title,
            metadata={"vidi": {"analyser": "chapters", "from": "transcript" if words else "shots"}},
        )
        for p in plans
    ]
    if count is not None and len(plans) < count:
        out.append(
            t.answer(
                f"Made {len(plans)} of the {count} chapters asked: the footage "
                "has no more places to split at."
            )
        )
    return out


def speech(t: TaskInput) -> list[Suggestion]:
    """Where someone talks: speech ranges (information; "remove the silences" is the edit)."""
    a = t.analyse(speech=True)
    if a.speech is None:
        return [t.answer(f"No sound to look for speech in{t.notes(a)}.")]
    out = []
    for s in a.suggestions(t.asset.asset_id):
        if s.source != "builtin.speech":
            continue
        r = s.payload.range.intersection(t.span)  # type: ignore[attr-defined]
        if r is not None:
            out.append(replace(s, payload=SpeechRange(r), source=f"{SOURCE}.speech"))
    if not out:
        return [t.answer(f"Nobody speaks{t.where()}.")]
    return out


def fillers(t: TaskInput) -> list[Suggestion]:
    """Cuts over filler words ("um", "uh"…) and words said twice, from the transcript — the
    finder the transcript panel's "Find fillers" uses."""
    from vidi_desktop.analysis.fillers import find_fillers, word_cut_suggestions

    transcript = t.store.transcript(t.info, t.whisper_model, t.job)
    if transcript is None:
        return [t.answer("This file has no sound, so it has no filler words.")]
    if not transcript.words:
        return [t.answer("No speech was found in this file.")]
    cuts = [
        c
        for c in find_fillers(transcript.words)
        if t.span.start <= c.range.start and c.range.end_exclusive <= t.span.end_exclusive
    ]
    if not cuts:
        return [
            t.answer(
                f"No filler word or repeated word in the transcript{t.where()} "
                f"({len(transcript.words)} words; Whisper often leaves hesitations out)."
            )
        ]
    return word_cut_suggestions(t.asset.asset_id, cuts, f"{SOURCE}.fillers")


TASKS: dict[str, Task] = {
    I.SCENES: scenes,
    I.SILENCES: silences,
    I.SUBTITLES: subtitles,
    I.HIGHLIGHTS: highlights,
    I.REFRAME: reframe,
    I.FIND_PHRASE: find_phrase,
    I.FACES: faces,
    I.CHAPTERS: chapters,
    I.FILLERS: fillers,
    I.SPEECH: speech,
}


# -- transcript search ----------------------------------------------------------------------------


def search_phrase(transcript: Transcript, phrase: str) -> tuple[list[TimeRange], bool]:
    """Where ``phrase`` is said, and whether the match is exact.

    Exact first (:func:`~vidi_desktop.analysis.transcript.search_transcript`: case and
    punctuation ignored); failing that, runs of as many words that read almost the same
    (difflib ratio ≥ 0.8: "budgets", "e-mail"), because Whisper's spelling is not the
    editor's; never for phrases under 5 letters. Ranges run from the first word's start to
    the last word's end.
    """
    from vidi_desktop.analysis.transcript import search_transcript
    from vidi_desktop.analysis.wer import normalize_words

    hits = search_transcript(transcript, phrase)
    if hits:
        return hits, True
    wanted = " ".join(normalize_words(phrase))
    if len(wanted) < 5:
        return [], False  # "an" reads like "and": too short to guess at
    k = len(wanted.split())
    tokens: list[tuple[str, int]] = [
        (tok, i) for i, w in enumerate(transcript.words) for tok in normalize_words(w.text)
    ]
    scored: list[tuple[float, TimeRange]] = []
    for size in {k, max(1, k - 1), k + 1}:
        for j in range(len(tokens) - size + 1):
            text = " ".join(tok for tok, _ in tokens[j : j + size])
            ratio = difflib.SequenceMatcher(None, wanted, text).ratio()
            if ratio >= 0.8:
                first = transcript.words[tokens[j][1]]
                last = transcript.words[tokens[j + size - 1][1]]
                r = TimeRange.from_start_end(first.range.start, last.range.end_exclusive)
                scored.append((ratio, r))
    # Overlapping runs are one place: keep the best-reading one.
    chosen: list[TimeRange] = []
    for _ratio, r in sorted(scored, key=lambda x: (-x[0], x[1].start)):
        if not any(r.overlaps(c) or r == c for c in chosen):
            chosen.append(r)
    return sorted(chosen, key=lambda r: r.start), False


# -- time helpers ---------------------------------------------------------------------------------


def _instant_in(t: Time, span: TimeRange) -> bool:
    return span.contains(t)


def _clipped(ranges: Sequence[TimeRange], span: TimeRange) -> list[TimeRange]:
    return [r for x in ranges if (r := x.intersection(span)) is not None]


def _union(ranges: Sequence[TimeRange]) -> list[TimeRange]:
    out: list[TimeRange] = []
    for r in sorted(ranges, key=lambda r: r.start):
        if out and r.start <= out[-1].end_exclusive:
            last = out.pop()
            r = TimeRange.from_start_end(last.start, max(last.end_exclusive, r.end_exclusive))
        out.append(r)
    return out


def _shots(extent: TimeRange, cuts: Sequence[Time]) -> list[TimeRange]:
    """The shots between the cuts, covering ``extent``."""
    edges = [extent.start, *sorted(c for c in cuts if extent.contains(c)), extent.end_exclusive]
    return [TimeRange.from_start_end(a, b) for a, b in itertools.pairwise(edges) if b > a]
