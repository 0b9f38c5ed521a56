"""Search a whole batch: phrases in the transcripts and things on screen, as file + time range.

The API the media bin uses::

    index = load_index("out/")            # or out/index.json
    hits = search(index, "budget")        # -> list of Hit (file, exact time range, what matched)
    export_selects(index, hits, "selects.otio")   # one timeline of every hit, or .edl

**Transcript** hits come from the words of each file's subtitle cues (the batch must have
run ``--subtitles``): case, punctuation and apostrophes are ignored and a phrase matches
consecutive words; a hit runs from its first word's start to its last word's end.

**Visual** hits come from a searcher. The built-in one needs no model and knows only what
the built-in analysers saw: faces and people (their tubes' visible ranges) and transitions
(cuts, fades, dissolves, from the shots); a query it does not understand gives no visual hit
and a note saying so. Open-vocabulary queries ("the red car") need a vision-language model:
:class:`BackendVisualSearch` runs any model backend that answers temporal queries
(``--backend qwen-vl --model DIR``) over each file — as expensive as that model is.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from vidi_desktop.core.progress import ProgressFn
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.interchange.formats import ExportFormat, format_for_suffix, formats_of
from vidi_desktop.services.batch_index import (
    BatchError,
    BatchIndex,
    IndexEntry,
    atomic_write_all,
    load_index,
)

if TYPE_CHECKING:
    from vidi_desktop.core.project import Asset, Project
    from vidi_desktop.models.protocol import Backend

__all__ = [
    "BackendVisualSearch",
    "Hit",
    "SearchResult",
    "builtin_visual_search",
    "export_selects",
    "load_index",
    "search",
]

Mode = Literal["all", "transcript", "visual"]

_BRIDGE_MS = 1000  # gaps shorter than this inside a tube are not an exit from the frame

CUT_CONTEXT = Fraction(1)
"""Seconds shown on each side of a hard cut found by a visual query (a cut has no length)."""


@dataclass(frozen=True)
class Hit:
    """One match: which file, when (exact, end excluded), how it was found and what."""

    key: str  # the file's key in the index
    source: str  # the media file
    range: TimeRange
    kind: str  # "transcript" or "visual"
    text: str  # the words said, or what was seen
    score: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.source,
            "key": self.key,
            "start": round(float(self.range.start.seconds), 6),
            "end": round(float(self.range.end_exclusive.seconds), 6),
            "kind": self.kind,
            "text": self.text,
            "score": self.score,
        }


class SearchResult(list[Hit]):
    """The hits in index order (file, then time), with notes for the user."""

    def __init__(self, hits: Sequence[Hit] = (), notes: Sequence[str] = ()) -> None:
        super().__init__(hits)
        self.notes: list[str] = list(notes)


VisualMatch = tuple[TimeRange, str, float | None]


class VisualSearcher(Protocol):
    """Finds ``query`` on screen in one file: ``(range, what, score)`` per match."""

    name: str

    def __call__(
        self, project: Project, asset: Asset, query: str, cancel: threading.Event
    ) -> list[VisualMatch]: ...


# -- loading -----------------------------------------------------------------------------------
@dataclass
class _Loaded:
    project: Project
    asset: Asset


_CACHE: dict[tuple[str, int, int], _Loaded] = {}


def _load(index: BatchIndex, entry: IndexEntry) -> _Loaded | None:
    """The entry's project (cached while the file is unchanged); None if it is gone."""
    from vidi_desktop.core.errors import ProjectError
    from vidi_desktop.core.project import load_project

    path = index.output_path(entry, "project")
    if path is None:
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    key = (str(path), st.st_size, st.st_mtime_ns)
    loaded = _CACHE.get(key)
    if loaded is None:
        try:
            project = load_project(path)
        except ProjectError:
            return None
        if not project.assets:
            return None
        if len(_CACHE) > 256:
            _CACHE.clear()
        loaded = _CACHE[key] = _Loaded(project, project.assets[0])
    return loaded


def entry_asset(index: BatchIndex, entry: IndexEntry) -> Asset | None:
    """The asset of an index entry's project (cached like the search's own reads), or None."""
    loaded = _load(index, entry)
    return loaded.asset if loaded is not None else None


# -- transcript --------------------------------------------------------------------------------
def transcript_matches(project: Project, asset: Asset, phrase: str) -> list[VisualMatch]:
    """Where ``phrase`` is said in ``asset``, from the words of its subtitle cues."""
    from vidi_desktop.analysis.transcript import Transcript, TranscriptWord, search_transcript
    from vidi_desktop.analysis.wer import normalize_words
    from vidi_desktop.core.project import SubtitleCue

    cues = [
        s.payload for s in project.suggestions
        if s.asset_id == asset.id and isinstance(s.payload, SubtitleCue)
    ]
    words = sorted(
        (w for c in cues for w in c.words), key=lambda w: (w.range.start, w.range.end_exclusive)
    )
    wanted = normalize_words(phrase)
    if not wanted:
        return []
    out: list[VisualMatch] = []
    if words:
        transcript = Transcript(
            tuple(TranscriptWord(w.range, w.text, 1.0) for w in words), (), "", ""
        )
        for r in search_transcript(transcript, phrase):
            inside = (w for w in words
                      if r.start <= w.range.start and w.range.end_exclusive <= r.end_exclusive)
            text = " ".join(w.text for w in inside)
            out.append((r, text, None))
    # Cues without word timings: match the cue text, the hit is the whole cue.
    for c in cues:
        if c.words:
            continue
        tokens = normalize_words(c.text)
        k = len(wanted)
        if any(tokens[i : i + k] == wanted for i in range(len(tokens) - k + 1)):
            out.append((c.range, c.text.replace("\n", " "), None))
    return out


# -- built-in visual search --------------------------------------------------------------------
_FACE_WORDS = {"face", "faces", "closeup", "close"}
_PERSON_WORDS = {"person", "people", "persons", "someone", "somebody", "man", "woman",
                 "men", "women", "human", "humans", "speaker", "interviewee"}
_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "cut": ("cut",), "cuts": ("cut",),
    "fade": ("fade_in", "fade_out", "dip_to_black"),
    "fades": ("fade_in", "fade_out", "dip_to_black"),
    "dissolve": ("dissolve",), "dissolves": ("dissolve",),
    "crossfade": ("dissolve",), "crossfades": ("dissolve",),
    "transition": ("cut", "fade_in", "fade_out", "dip_to_black", "dissolve"),
    "transitions": ("cut", "fade_in", "fade_out", "dip_to_black", "dissolve"),
}
_PHRASES = {
    "fade in": ("fade_in",), "fade out": ("fade_out",),
    "fade to black": ("fade_out", "dip_to_black"),
    "scene change": _TRANSITIONS["transition"], "shot change": _TRANSITIONS["transition"],
    "scene changes": _TRANSITIONS["transition"], "shot changes": _TRANSITIONS["transition"],
}


def builtin_vocabulary(query: str) -> tuple[set[str], set[str]]:
    """(tube labels, transition names) the built-in visual search reads in ``query``."""
    text = " ".join(re.findall(r"[a-z]+", query.lower()))
    words = set(text.split())
    labels: set[str] = set()
    if words & _FACE_WORDS - {"close"} or "close up" in text:
        labels.add("face")
    if words & _PERSON_WORDS:
        labels |= {"person", "face"}  # a face on screen is a person on screen
    transitions: set[str] = set()
    for phrase, names in _PHRASES.items():
        if phrase in text:
            transitions |= set(names)
    if not transitions:
        for w in words:
            transitions |= set(_TRANSITIONS.get(w, ()))
    return labels, transitions


def builtin_visual_search(
    project: Project, asset: Asset, query: str, cancel: threading.Event | None = None
) -> list[VisualMatch]:
    """Faces, people and transitions the built-in analysers found (see the module docstring)."""
    from vidi_desktop.core.project import ObjectTube, SceneBoundary

    labels, transitions = builtin_vocabulary(query)
    out: list[VisualMatch] = []
    extent = asset.extent()
    for s in project.suggestions:
        if s.asset_id != asset.id:
            continue
        p = s.payload
        if isinstance(p, ObjectTube) and labels and _tube_label(s) in labels:
            what = _tube_label(s)
            vidi = s.metadata.get("vidi") if isinstance(s.metadata.get("vidi"), dict) else {}
            bridge = int(vidi.get("bridge_ms", _BRIDGE_MS))
            tail = int(vidi.get("sample_ms", 0))
            for r in p.visible_ranges(bridge, tail):
                if not r.is_empty():
                    out.append((r, f"{what} on screen", s.confidence))
        elif isinstance(p, SceneBoundary) and p.transition in transitions:
            r = p.extent()
            if r.is_empty():
                # A cut has no length: show a second on each side of it.
                start = p.time - Time.exact(CUT_CONTEXT)
                r = TimeRange.from_start_end(start, p.time + Time.exact(CUT_CONTEXT))
                if extent is not None:
                    r = r.intersection(extent) or r
            out.append((r, p.transition.replace("_", " "), s.confidence))
    return out


builtin_visual_search.name = "built-in"  # type: ignore[attr-defined]


def _tube_label(s: Any) -> str:
    label = (s.metadata.get("vidi") or {}).get("label") if isinstance(s.metadata, dict) else None
    return str(label or s.payload.query or s.label or "").lower()


class BackendVisualSearch:
    """Visual search with a model backend that answers temporal queries (a VLM).

    The backend is loaded at the first query and kept; each file is one request, so the
    cost is the model's per-file cost times the number of files.
    """

    def __init__(self, backend: Backend, options: dict[str, Any] | None = None) -> None:
        caps = backend.capabilities
        if not caps.temporal:
            from vidi_desktop.models.protocol import NotSupportedError

            raise NotSupportedError(
                f"backend {backend.name!r} cannot find things on screen by description; "
                "choose a vision-language model backend"
            )
        self.backend = backend
        self.name = backend.name
        self.options = dict(options or {})
        self._loaded = False

    def __call__(
        self, project: Project, asset: Asset, query: str, cancel: threading.Event
    ) -> list[VisualMatch]:
        from vidi_desktop.core.progress import no_progress
        from vidi_desktop.models.protocol import AssetRef, Request

        if not self._loaded:
            self.backend.load(no_progress, cancel)
            self._loaded = True
        request = Request(query, (AssetRef.from_asset(asset),), options=self.options)
        out: list[VisualMatch] = []
        for s in self.backend.run(request, no_progress, cancel):
            r = s.extent()
            if r is not None and not r.is_empty():
                out.append((r, s.label or query, s.confidence))
        return out

    def close(self) -> None:
        if self._loaded:
            self.backend.unload()
            self._loaded = False


# -- search ------------------------------------------------------------------------------------
def search(
    index: BatchIndex | str | os.PathLike[str],
    query: str,
    *,
    mode: Mode = "all",
    visual: VisualSearcher | Callable[..., list[VisualMatch]] | None = None,
    on_progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> SearchResult:
    """Every place in the indexed files where ``query`` is said or (``visual``) seen.

    ``mode`` picks transcript hits, visual hits or both; ``visual`` defaults to
    :func:`builtin_visual_search`. Hits come in index order (file key, then time).
    """
    if not isinstance(index, BatchIndex):
        index = load_index(index)
    if not query.strip():
        raise BatchError("the search is empty: type words to find")
    cancel = cancel or threading.Event()
    searcher = visual or builtin_visual_search
    result = SearchResult()
    entries = index.done()
    searched_words = 0
    missing = 0
    labels, transitions = builtin_vocabulary(query)
    for i, entry in enumerate(entries):
        if cancel.is_set():
            from vidi_desktop.core.errors import CancelledError

            raise CancelledError("search cancelled")
        if on_progress is not None:
            on_progress(i / max(1, len(entries)), entry.key)
        loaded = _load(index, entry)
        if loaded is None:
            missing += 1
            continue
        found: list[Hit] = []
        if mode in ("all", "transcript"):
            searched_words += entry.counts.get("words", entry.counts.get("subtitles", 0))
            for r, text, score in transcript_matches(loaded.project, loaded.asset, query):
                found.append(Hit(entry.key, loaded.asset.path, r, "transcript", text, score))
        if mode in ("all", "visual"):
            matches = searcher(loaded.project, loaded.asset, query, cancel)
            for r, text, score in matches:
                found.append(Hit(entry.key, loaded.asset.path, r, "visual", text, score))
        found.sort(key=lambda h: (h.range.start, h.kind))
        result.extend(found)
    if missing:
        result.notes.append(
            f"{missing} indexed file(s) have no readable project; run the batch again"
        )
    if mode in ("all", "transcript") and not searched_words:
        result.notes.append("no transcripts in this index: run the batch with --subtitles")
    builtin = searcher is builtin_visual_search
    unknown = builtin and not (labels or transitions)
    if unknown and (mode == "visual" or (mode == "all" and not result)):
        result.notes.append(
            f"the built-in visual search knows faces, people, cuts, fades and dissolves, not "
            f"{query!r}; give --backend with a vision-language model for anything else"
        )
    if on_progress is not None:
        on_progress(1.0, "done")
    return result


# -- selects -----------------------------------------------------------------------------------
def selects_formats() -> tuple[ExportFormat, ...]:
    """The formats a selects timeline can be written in: every timeline format, OTIO first."""
    timeline = formats_of("timeline")
    return tuple(sorted(timeline, key=lambda f: f.id != "otio"))


def selects_suffixes_text() -> str:
    """The selects formats as a person reads them: ``.otio (OpenTimelineIO), .xml (…)…``."""
    return ", ".join(f"{f.suffix} ({f.name})" for f in selects_formats())


def selects_project(
    index: BatchIndex, hits: Sequence[Hit], handles: Fraction = Fraction(0), name: str = "Selects"
) -> Project:
    """A project whose accepted keeps are the hits (``handles`` seconds added on each side,
    clamped to the file; overlapping hits of a file merged), files in index order."""
    from vidi_desktop.core.project import CutRange, Project, ReviewState, Suggestion
    from vidi_desktop.services.batch import stable_id

    by_key: dict[str, list[Hit]] = {}
    for h in hits:
        by_key.setdefault(h.key, []).append(h)
    assets = []
    suggestions = []
    for key in sorted(by_key):
        entry = index.entries.get(key)
        loaded = _load(index, entry) if entry is not None else None
        if loaded is None:
            raise BatchError(f"{key}: its project is missing; run the batch again")
        asset = loaded.asset
        assets.append(asset)
        extent = asset.extent()
        pad = Time.exact(Fraction(handles))
        ranges = []
        for h in sorted(by_key[key], key=lambda h: h.range.start):
            r = TimeRange.from_start_end(h.range.start - pad, h.range.end_exclusive + pad)
            if extent is not None:
                r = r.intersection(extent) or h.range
            ranges.append((r, h))
        merged: list[tuple[TimeRange, list[Hit]]] = []
        for r, h in ranges:
            if merged and r.start <= merged[-1][0].end_exclusive:
                last, hs = merged[-1]
                end = max(last.end_exclusive, r.end_exclusive)
                merged[-1] = (TimeRange.from_start_end(last.start, end), [*hs, h])
            else:
                merged.append((r, [h]))
        for n, (r, hs) in enumerate(merged):
            label = " / ".join(dict.fromkeys(h.text for h in hs))[:200]
            suggestions.append(Suggestion(
                stable_id("select", asset.id, str(n)),
                asset.id,
                CutRange(r, "keep"),
                "corpus-search",
                label=label,
                state=ReviewState.ACCEPTED,
                metadata={"vidi": {"hits": [h.kind for h in hs]}},
            ))
    if not assets:
        raise BatchError("no hits to export")
    return Project(assets=tuple(assets), suggestions=tuple(suggestions), name=name)


def export_selects(
    index: BatchIndex,
    hits: Sequence[Hit],
    path: str | os.PathLike[str],
    fmt: str | None = None,
    *,
    handles: Fraction = Fraction(0),
) -> Path:
    """Write every hit as one "selects" timeline (in a timeline format: OTIO, EDL, FCP7 XML,
    FCPXML… by the file's extension or ``fmt``), atomically; returns the path written."""
    from vidi_desktop.core.project import CutRange
    from vidi_desktop.interchange.writers import ExportOptions, export_texts

    target = Path(path)
    choices = selects_formats()
    spec = format_for_suffix(target.suffix, choices) if fmt is None else (
        next((f for f in choices if f.id == fmt), None)
    )
    if spec is None:
        raise BatchError(f"{target}: choose a selects format: {selects_suffixes_text()}")
    project = selects_project(index, hits, handles, name=target.stem or "Selects")
    texts = export_texts(
        project, spec.id, ExportOptions(include="accepted", kinds=(CutRange.kind,))
    )
    # An EDL of more than 999 events comes in parts: NAME.edl, NAME-2.edl…
    atomic_write_all([
        (target.with_name(f"{target.stem}{suffix}{target.suffix}"), text.encode("utf-8"))
        for suffix, text in texts.files
    ])
    return target
