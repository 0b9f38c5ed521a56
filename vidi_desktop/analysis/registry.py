"""The analysers, registered: one :class:`AnalyserSpec` each, read by everything that lists them.

A spec says what an analyser is called and how it is asked for, its settings, what it
reads — the pictures of the one decode pass, the 16 kHz audio, other analysers' results —
how it computes, and what it gives back: suggestions for the project, its section of
``analyze --json`` and its counts. From the registered specs come the ``analyze`` and
``batch`` flags, the fields of :class:`~vidi_desktop.analysis.options.AnalyzeOptions`, the
attributes of :class:`~vidi_desktop.analysis.run.FileAnalysis`, the order of a run and what
batch chunking accepts. (PySceneDetect's detector interface and auto-editor's table of edit
methods work the same way: the pipeline knows the interface, never the list.)

Adding an analyser is one module that declares ``SPEC`` plus one line: the module's name
in :data:`BUILTIN`, or ``register(SPEC)`` for one that lives elsewhere. Spec modules import
nothing heavy at top level — the CLI reads every spec to build ``--help`` — and import their
algorithm inside the functions the spec names.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

if TYPE_CHECKING:
    from vidi_desktop.analysis.base import FrameAnalyser
    from vidi_desktop.analysis.options import AnalyzeOptions
    from vidi_desktop.analysis.run import AnalysisRun, FileAnalysis
    from vidi_desktop.core.project import Suggestion

Stage = Literal["pictures", "audio", "derived"]
"""When an analyser computes: right after the decode pass, once the audio is read, or last
(from other analysers' results). Within a stage, in registration order."""

STAGES: tuple[Stage, ...] = ("pictures", "audio", "derived")
INPUTS = ("pictures", "audio")
"""What a run reads once for every analyser that needs it."""

BUILTIN: tuple[str, ...] = (
    "vidi_desktop.analysis.specs.shots",
    "vidi_desktop.analysis.specs.speech",
    "vidi_desktop.analysis.specs.transcript",
    "vidi_desktop.analysis.specs.subtitles",
    "vidi_desktop.analysis.specs.faces",
    "vidi_desktop.analysis.specs.people",
    "vidi_desktop.analysis.specs.highlights",
    "vidi_desktop.analysis.specs.reframe",
)
"""The built-in analysers, in registration order (the order of flags, suggestions, JSON
sections and counts). Each module declares ``SPEC``."""


class Param(NamedTuple):
    """One setting: an :class:`AnalyzeOptions` field and, when ``flag`` is set, its CLI flag."""

    field: str
    default: Any
    flag: str | None = None  # "--sensitivity"; None: not on the command line
    parse: Callable[[str], Any] | None = None  # text → value; ValueError says what is wrong
    metavar: str | None = None
    help: str | None = None


class Choice(NamedTuple):
    """How an analyser is asked for: ``--NAME`` alone (``parse`` None) or ``--NAME VALUE``.

    Its :class:`AnalyzeOptions` field holds ``off`` (falsy) when the analyser is not asked
    for, any true value when it is — ``on`` when asked for without a value (``batch
    --analyze NAME``, the default job).
    """

    off: Any = False
    on: Any = True
    parse: Callable[[str], Any] | None = None
    metavar: str | None = None


class Count(NamedTuple):
    """A number an analysis reports: ``key`` in the batch index, ``text`` in the summary of
    ``analyze`` (None: the index only)."""

    key: str
    value: int
    text: str | None = None


class AnalyserSpec(NamedTuple):
    """Everything the rest of the program needs to know about one analyser.

    ``needs`` lists what it reads: ``"pictures"`` (then ``frames`` makes its frame analyser,
    fed by the shared decode pass), ``"audio"`` (the shared 16 kHz mono clip) and the names
    of analysers whose results it uses — those run first, even when not asked for, and their
    results are part of the analysis. ``compute(run)`` stores its results in
    ``run.results`` under the names in ``products``, which become attributes of
    :class:`FileAnalysis`; it is not called for a file that lacks what the stage reads (no
    video for ``pictures``, no audio for ``audio``) — the run notes that instead.

    ``suggestions(analysis, asset_id)`` and ``counts(analysis)`` are called for every
    registered analyser (they return nothing when their products are absent);
    ``json(analysis, options)`` only for the analysers asked for. ``chunk_safe`` declares
    that a long file may be analysed in time chunks merged at exact frames: only a pictures
    analyser whose one product (named after it) is a list of items with a ``frame``, each
    decided from at most ``context_seconds(fps)`` of pictures around it.
    """

    name: str
    help: str
    stage: Stage
    needs: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    asked: Choice | None = Choice()  # None: internal, runs only when another needs it
    default_job: bool = True  # part of "analyse everything" (no analyser named)
    params: tuple[Param, ...] = ()
    frames: Callable[[AnalyzeOptions], FrameAnalyser] | None = None
    compute: Callable[[AnalysisRun], None] | None = None
    suggestions: Callable[[FileAnalysis, str], list[Suggestion]] | None = None
    json: Callable[[FileAnalysis, AnalyzeOptions], dict[str, Any]] | None = None
    counts: Callable[[FileAnalysis], list[Count]] | None = None
    chunk_safe: bool = False
    context_seconds: Callable[[float], Fraction] | None = None


Label = str | tuple[str, str]
"""How a count reads: ``(singular, plural)`` ("1 highlight", "3 highlights"), or one word
that reads right with any number ("reframe")."""


def count_items(*counted: tuple[str, str, Label | None]) -> Callable[[FileAnalysis], list[Count]]:
    """A ``counts`` for list products: each ``(product, key, label)`` reports
    ``"N label"`` (``label`` None: the batch index only) when the product is there."""

    def counts(analysis: FileAnalysis) -> list[Count]:
        out = []
        for product, key, label in counted:
            items = getattr(analysis, product)
            if items is not None:
                n = len(items)
                out.append(Count(key, n, count_words(n, label) if label else None))
        return out

    return counts


def count_words(n: int, label: Label) -> str:
    """``"N label"``, singular or plural as ``n`` says."""
    if isinstance(label, tuple):
        return f"{n} {label[0] if n == 1 else label[1]}"
    return f"{n} {label}"


BASE_PARAMS: tuple[Param, ...] = (
    Param("thumbnails", 10),  # timeline thumbnails cached per file by ``analyze``
    Param("waveform", True),  # and its waveform
)
"""Options of a run that belong to no analyser."""

RESERVED = frozenset({"info", "notes", "audio", "results", "suggestions", "to_json", "counts"})
"""FileAnalysis's own attributes: no product may take these names."""

_lock = threading.RLock()
_specs: dict[str, AnalyserSpec] = {}
_state = "empty"  # → "loading" → "loaded"


def _load_builtin() -> None:
    """Register the BUILTIN modules' specs once; a module that fails to load fails loudly
    (and again on the next call: nothing half-loaded is kept)."""
    global _state
    with _lock:
        if _state != "empty":
            return  # loaded, or loading in this thread (register() called from here)
        _state = "loading"
        try:
            for module in BUILTIN:
                register(importlib.import_module(module).SPEC)
        except BaseException:
            _specs.clear()
            _state = "empty"
            raise
        _state = "loaded"


def specs() -> tuple[AnalyserSpec, ...]:
    """Every registered analyser, in registration order."""
    _load_builtin()
    with _lock:
        return tuple(_specs.values())


def spec(name: str) -> AnalyserSpec:
    """The analyser called ``name`` (ValueError names the known ones)."""
    _load_builtin()
    with _lock:
        found = _specs.get(name)
    if found is None:
        raise ValueError(f"unknown analyser {name!r} ({', '.join(names())})")
    return found


def names() -> tuple[str, ...]:
    """The analysers an editor can ask for, in order (``batch --analyze`` takes these)."""
    return tuple(s.name for s in specs() if s.asked is not None)


def needed(asked: Iterable[str]) -> tuple[AnalyserSpec, ...]:
    """The analysers a run of ``asked`` computes: those and everything they need, in order."""
    todo = list(asked)
    wanted: set[str] = set()
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        wanted.add(name)
        todo += [n for n in spec(name).needs if n not in INPUTS]
    return tuple(s for s in specs() if s.name in wanted)


def products() -> frozenset[str]:
    """Every product name (the attributes of FileAnalysis that hold results)."""
    return frozenset(p for s in specs() for p in s.products)


def option_defaults() -> dict[str, Any]:
    """Every AnalyzeOptions field and its default: each analyser's choice, then settings."""
    fields: dict[str, Any] = {}
    for s in specs():
        if s.asked is not None:
            fields[s.name] = s.asked.off
        fields.update((p.field, p.default) for p in s.params)
    fields.update((p.field, p.default) for p in BASE_PARAMS)
    return fields


def register(new: AnalyserSpec) -> None:
    """Add an analyser after the ones registered (ValueError when the spec is inconsistent).

    It exists in this process only: batch worker processes and Ray workers know the
    analysers listed in :data:`BUILTIN`.
    """
    _load_builtin()
    with _lock:
        _check(new)
        _specs[new.name] = new


def unregister(name: str) -> None:
    """Remove an analyser registered with :func:`register` (a plug-in unloading, a test)."""
    with _lock:
        if any(name in s.needs for s in _specs.values() if s.name != name):
            raise ValueError(f"analyser {name!r} is needed by another one")
        _specs.pop(name, None)


def _check(new: AnalyserSpec) -> None:
    """The rules a spec must follow, so that the rest can trust it."""
    name = new.name

    def bad(why: str) -> ValueError:
        return ValueError(f"analyser {name!r}: {why}")

    if not name.isidentifier() or name in _specs or name in INPUTS:
        raise bad("needs a new name that is a Python identifier")
    if new.asked is not None and (new.asked.off or not new.asked.on):
        raise bad("its choice must be off when falsy and on when true")
    if new.stage not in STAGES:
        raise bad(f"stage must be one of {', '.join(STAGES)}")
    for need in new.needs:
        if need not in INPUTS and need not in _specs:
            raise bad(f"needs {need!r}, which is not an input or an analyser registered before")
    if ("pictures" in new.needs) != (new.frames is not None):
        raise bad("reads pictures exactly when it has a frame analyser (frames=…)")
    if new.stage == "pictures" and "pictures" not in new.needs:
        raise bad("a pictures-stage analyser needs 'pictures'")
    if new.stage == "audio" and "audio" not in new.needs:
        raise bad("an audio-stage analyser needs 'audio'")
    if RESERVED & set(new.products):
        raise bad(f"products may not be called {', '.join(sorted(RESERVED & set(new.products)))}")
    taken = set(option_defaults())
    fields = [p.field for p in new.params] + ([name] if new.asked is not None else [])
    clash = taken & set(fields) or {f for f in fields if fields.count(f) > 1}
    if clash:
        raise bad(f"option {sorted(clash)[0]!r} is already taken")
    if new.chunk_safe and (
        new.stage != "pictures" or new.products != (name,) or new.context_seconds is None
    ):
        raise bad("chunk-safe needs the pictures stage, one product named after it and "
                  "context_seconds")
