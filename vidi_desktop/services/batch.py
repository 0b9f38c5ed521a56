"""``batch``: many files through the built-in analysers, one project per file plus an index.

The driver (this module) finds the media files under the folders and globs it is given,
skips those whose results are current (same path, size and mtime, same analyser version and
options, outputs present — see :mod:`~vidi_desktop.services.batch_index`), splits long
shot-only files into chunks (:mod:`~vidi_desktop.services.chunking`), and hands the work to
an engine: in this process, a bounded pool of worker processes, or a Ray cluster
(:mod:`~vidi_desktop.services.ray_batch`). Workers return plain results; only the driver
writes files. For each finished file it writes ``KEY.vidi`` (the project, every result as a
pending suggestion), ``KEY.json`` (the ``analyze --json`` document) and, when asked,
``KEY.edl`` and ``KEY.srt`` — all four at once and atomically — then the index.

A file that cannot be read, is not media, or makes its worker crash becomes an ``error``
entry with a one-line reason; the batch goes on. A full disk stops the batch (every later
file would fail the same way) with the index still listing what was finished; running the
same command again resumes.

Outputs are a function of the inputs only: ids are derived from the file's path, so the
same files give the same bytes whichever engine ran them; only timings and the project's
``created`` stamp (the run's start) differ between runs.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vidi_desktop import __version__
from vidi_desktop.core.errors import CancelledError
from vidi_desktop.core.progress import ProgressFn
from vidi_desktop.services.batch_index import (
    DONE,
    ERROR,
    INDEX_NAME,
    REPORT_NAME,
    BatchError,
    BatchIndex,
    IndexEntry,
    atomic_write,
    atomic_write_all,
    load_index,
)
from vidi_desktop.services.batch_safety import batch_folder_lock, check_outputs, output_base
from vidi_desktop.services.batch_workers import (
    Engine,
    InProcessEngine,
    ProcessPoolEngine,
    UnitOutcome,
    WorkUnit,
)
from vidi_desktop.services.chunking import DEFAULT_CHUNK_SECONDS

if TYPE_CHECKING:
    from vidi_desktop.analysis.options import AnalyzeOptions
    from vidi_desktop.analysis.run import FileAnalysis
    from vidi_desktop.core.project import Project
    from vidi_desktop.services.chunking import ChunkResult

RESULTS_VERSION = 1
"""Bump when what the batch writes for the same analysis changes (forces re-analysis)."""

ANALYSER_VERSION = f"{__version__}+batch{RESULTS_VERSION}"
"""Recorded with every entry; a different one makes a file's results out of date. The
built-in analysers carry no versions of their own yet, so the package version stands in."""

VIDEO_SUFFIXES = frozenset({
    ".mp4", ".m4v", ".mov", ".qt", ".mkv", ".webm", ".avi", ".mxf", ".mts", ".m2ts", ".ts",
    ".mpg", ".mpeg", ".wmv", ".flv", ".3gp", ".ogv", ".dv", ".y4m",
})
AUDIO_SUFFIXES = frozenset({
    ".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".oga", ".opus", ".aif", ".aiff", ".wma",
})
MEDIA_SUFFIXES = VIDEO_SUFFIXES | AUDIO_SUFFIXES

EXPORTS = ("edl", "srt")


@dataclass(frozen=True)
class BatchSettings:
    """Everything a batch run is asked for besides its inputs and output folder."""

    options: AnalyzeOptions
    exports: tuple[str, ...] = ()  # "edl", "srt"
    edl_kinds: tuple[str, ...] | None = None  # None: shots, else silences, else highlights
    workers: int = 1
    chunk_seconds: Fraction | None = DEFAULT_CHUNK_SECONDS  # None: never chunk
    overlap_seconds: Fraction | None = None  # None: chunking.default_overlap(fps)
    force: bool = False  # analyse even files whose results are current

    def __post_init__(self) -> None:
        unknown = set(self.exports) - set(EXPORTS)
        if unknown:
            raise BatchError(f"unknown export {sorted(unknown)[0]!r} (choose edl or srt)")
        if self.workers < 1:
            raise BatchError(f"workers must be at least 1, got {self.workers}")


@dataclass
class Candidate:
    """An input file: its key (path from the batch root) and where it is."""

    key: str
    path: Path


@dataclass
class BatchResult:
    """What a run did; ``index`` is the index as saved."""

    index: BatchIndex
    analysed: list[str] = field(default_factory=list)  # keys
    current: list[str] = field(default_factory=list)  # skipped: results were current
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary_lines(self) -> list[str]:
        lines = []
        for key in self.failed:
            e = self.index.entries[key]
            lines.append(f"error {key}: {e.error}")
        for item in self.index.ignored:
            lines.append(f"ignored {item['path']}: {item['why']}")
        lines.append(
            f"{len(self.analysed)} analysed, {len(self.current)} already current, "
            f"{len(self.failed)} failed in {self.seconds:.1f} s; index: {self.index.path}"
        )
        return lines


# -- inputs --------------------------------------------------------------------------------
def discover(
    sources: Sequence[str | os.PathLike[str]], outdir: str | os.PathLike[str] | None = None
) -> tuple[list[Candidate], list[dict[str, str]]]:
    """The media files named by ``sources`` (folders, files or globs) and what was ignored.

    Folders are walked recursively; in them only files with a media extension count (the
    others are listed as ignored), hidden files and folders and the output folder are
    skipped. A file named directly is taken whatever its name. A glob matching nothing is an
    error. Keys are paths relative to the common folder of all inputs, so two ``clip.mp4``
    in different folders get different keys; the same file named twice counts once.
    """
    out = Path(outdir).resolve() if outdir is not None else None
    found: list[tuple[Path, Path]] = []  # (path as found, folder it counts from)
    ignored: list[dict[str, str]] = []
    roots: list[Path] = []
    for src in sources:
        text = os.fspath(src)
        p = Path(text).expanduser()
        if p.is_dir():
            root = p.absolute()
            roots.append(root)
            found.extend((f, root) for f in _walk(root, out, ignored))
        elif p.exists() or p.is_symlink():
            roots.append(p.absolute().parent)
            found.append((p.absolute(), p.absolute().parent))
        else:
            matches = sorted(glob.glob(os.path.expanduser(text), recursive=True))
            files = [Path(m).absolute() for m in matches if not Path(m).is_dir()]
            if not files:
                raise BatchError(f"{text}: no such file or folder, and no file matches it")
            for f in files:
                roots.append(f.parent)
                found.append((f, f.parent))
    if not found:
        raise BatchError(
            f"no media files in {', '.join(os.fspath(s) for s in sources)}"
            + (" (only: " + ", ".join(i["path"] for i in ignored[:3]) + ")" if ignored else "")
        )
    root = Path(os.path.commonpath([str(r) for r in roots]))
    seen: dict[str, str] = {}
    candidates: list[Candidate] = []
    named: set[Path] = set()
    for path, _ in found:
        if path in named:
            continue  # the same path from a folder and a glob: nothing to say
        named.add(path)
        key = path.relative_to(root).as_posix()
        real = os.path.realpath(path)
        if real in seen:
            ignored.append({"path": str(path), "why": f"the same file as {seen[real]}"})
            continue
        seen[real] = key
        candidates.append(Candidate(key, path))
    candidates.sort(key=lambda c: c.key)
    return candidates, ignored


def _walk(root: Path, outdir: Path | None, ignored: list[dict[str, str]]) -> list[Path]:
    files: list[Path] = []
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(
            d for d in dirs
            if not d.startswith(".") and (outdir is None or (here / d).resolve() != outdir)
        )
        for name in sorted(names):
            if name.startswith("."):
                continue
            f = here / name
            if f.suffix.lower() in MEDIA_SUFFIXES:
                files.append(f)
            else:
                ignored.append({"path": str(f), "why": "not a media file name"})
    return files


# -- options and ids -----------------------------------------------------------------------
def options_document(options: AnalyzeOptions) -> dict[str, Any]:
    """The analysis options as plain JSON (cache warm-up settings left out)."""
    doc = options.as_dict()
    for k in ("thumbnails", "waveform"):
        doc.pop(k, None)
    return {k: (str(v) if isinstance(v, Fraction) else v) for k, v in sorted(doc.items())}


def options_key(options: AnalyzeOptions) -> str:
    text = json.dumps(options_document(options), sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def stable_id(*parts: str) -> str:
    """12 hex digits derived from ``parts``: the same inputs give the same ids."""
    return hashlib.sha1("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:12]


# -- per-file outputs ------------------------------------------------------------------------
@dataclass
class FileOutputs:
    """The bytes to write for one file, by output kind, and what the index says of it."""

    files: dict[str, bytes]
    counts: dict[str, int]
    notes: list[str]


def output_names(key: str) -> dict[str, str]:
    """Output paths (relative to OUTDIR) of the file with ``key``."""
    base = output_base(key)  # a file named "index" must not write index.json
    return {
        "project": f"{base}.vidi",
        "analysis": f"{base}.json",
        "edl": f"{base}.edl",
        "srt": f"{base}.srt",
        # An edit of more than 999 events is split: "edl-2" → KEY-2.edl, and so on.
        **{f"edl-{n}": f"{base}-{n}.edl" for n in range(2, _EDL_PARTS + 1)},
    }


_EDL_PARTS = 100  # 99,900 events: far beyond any file's shots


def build_project(analysis: FileAnalysis, key: str, created: str) -> Project:
    """The file's project: its asset and every result as a pending suggestion, stable ids."""
    from vidi_desktop.core.project import Asset, Project

    info = analysis.info
    ident = info.identity
    asset_id = stable_id("asset", ident.path)
    asset = Asset(asset_id, ident.path, ident.size, ident.mtime_ns, info.path.name,
                  info.to_json())
    suggestions = tuple(
        s.replace(id=stable_id(asset_id, str(i)))
        for i, s in enumerate(analysis.suggestions(asset_id))
    )
    return Project(assets=(asset,), suggestions=suggestions, name=key, created=created)


def file_outputs(
    analysis: FileAnalysis, key: str, settings: BatchSettings, created: str
) -> FileOutputs:
    """Everything written for one analysed file (see the module docstring)."""
    from vidi_desktop.core.project.schema import dumps
    from vidi_desktop.interchange.errors import ExportError
    from vidi_desktop.interchange.writers import ExportOptions, export_texts

    options = settings.options
    project = build_project(analysis, key, created)
    files = {
        "project": dumps(project, key),
        "analysis": (json.dumps(analysis.to_json(options), indent=2) + "\n").encode(),
    }
    notes = list(analysis.notes)
    if "edl" in settings.exports:
        kinds = settings.edl_kinds or _auto_edl_kinds(options)
        try:
            if kinds is None:
                raise ExportError("nothing to cut by: analyse shots, speech or highlights")
            if (kinds == ("shots",) and not analysis.shots) or (
                kinds == ("silences",) and not analysis.silence_cuts
            ):
                # One shot, or no silence to cut: the EDL is the whole file, as one event.
                texts = export_texts(
                    project.replace(suggestions=()), "edl", ExportOptions(whole=True)
                )
            else:
                texts = export_texts(
                    project, "edl", ExportOptions(include="pending", kinds=kinds)
                )
            files["edl"] = texts.files[0][1].encode("utf-8")
            for suffix, text in texts.files[1 : _EDL_PARTS]:
                files[f"edl{suffix}"] = text.encode("utf-8")
        except ExportError as exc:
            notes.append(f"no EDL: {exc}")
    if "srt" in settings.exports:
        if analysis.cues:
            texts = export_texts(project, "srt", ExportOptions(include="pending"))
            files["srt"] = texts.files[0][1].encode("utf-8")
        else:
            why = "no speech to subtitle" if options.subtitles else "subtitles not analysed"
            notes.append(f"no SRT: {why}")
    return FileOutputs(files, _counts(analysis), notes)


def _auto_edl_kinds(options: AnalyzeOptions) -> tuple[str, ...] | None:
    if options.shots:
        return ("shots",)
    if options.speech:
        return ("silences",)  # the talk without its silences (speech itself is information)
    if options.highlights:
        return ("highlights",)
    return None


def _counts(a: FileAnalysis) -> dict[str, int]:
    return {c.key: c.value for c in a.counts()}


# -- the run -------------------------------------------------------------------------------
def run_batch(
    sources: Sequence[str | os.PathLike[str]],
    outdir: str | os.PathLike[str],
    settings: BatchSettings,
    *,
    engine: Engine | None = None,
    on_progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> BatchResult:
    """Analyse the media in ``sources`` into ``outdir`` (see the module docstring).

    ``engine`` defaults to this process (``settings.workers == 1``) or a pool of
    ``settings.workers`` processes. Raises :class:`BatchError` for unusable inputs or
    output folder and when the disk fills up; per-file problems are entries, not errors.
    """
    return _Run(sources, outdir, settings, engine, on_progress, cancel).run()


class _Run:
    """One batch run's state (the driver loop)."""

    def __init__(
        self,
        sources: Sequence[str | os.PathLike[str]],
        outdir: str | os.PathLike[str],
        settings: BatchSettings,
        engine: Engine | None,
        on_progress: ProgressFn | None,
        cancel: threading.Event | None,
    ) -> None:
        self.sources = sources
        self.out = Path(outdir).absolute()
        self.settings = settings
        self.cancel = cancel or threading.Event()
        self.on_progress = on_progress
        self.engine = engine
        self.weights: dict[str, float] = {}  # key -> seconds of footage (for progress)
        self.finished_weight = 0.0
        self.partial: dict[str, float] = {}  # in-process progress within a unit
        self.pending_chunks: dict[str, list[ChunkResult]] = {}
        self.chunk_seconds: dict[str, list[float]] = {}
        self.failed_chunked: set[str] = set()
        self.candidates: dict[str, Candidate] = {}
        self.result: BatchResult | None = None

    # -- setup ---------------------------------------------------------------------------
    def _open_index(self) -> BatchIndex:
        if self.out.exists() and not self.out.is_dir():
            raise BatchError(f"{self.out}: is a file; give a folder for the results")
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BatchError(f"{self.out}: cannot create: {exc.strerror or exc}") from None
        if (self.out / "index.json").exists():
            return load_index(self.out)
        return BatchIndex(self.out)

    def _is_current(self, entry: IndexEntry | None, cand: Candidate, okey: str) -> bool:
        if entry is None or entry.status != DONE or self.settings.force:
            return False
        try:
            st = cand.path.stat()
        except OSError:
            return False
        return (
            entry.source == str(cand.path.resolve())
            and entry.size == st.st_size
            and entry.mtime_ns == st.st_mtime_ns
            and entry.analyser_version == ANALYSER_VERSION
            and entry.options_key == okey
            and set(self.settings.exports) <= set(entry.exports)
            and all((self.out / rel).is_file() for rel in entry.outputs.values())
        )

    def _plan(self, cand: Candidate) -> list[WorkUnit]:
        from vidi_desktop.services.chunking import (
            chunkable,
            default_overlap,
            header_facts,
            plan_chunks,
        )

        options = self.settings.options
        unit = WorkUnit(cand.key, str(cand.path), options)
        facts = header_facts(cand.path) if cand.path.is_file() else None
        self.weights[cand.key] = float(facts[0]) if facts else 60.0
        limit = self.settings.chunk_seconds
        if facts is None or limit is None or not chunkable(options):
            return [unit]
        duration, fps = facts
        overlap = self.settings.overlap_seconds
        if overlap is None:
            overlap = default_overlap(fps, options)
        specs = plan_chunks(duration, limit, overlap)
        if len(specs) == 1:
            return [unit]
        return [replace(unit, chunk=s) for s in specs]

    # -- progress ------------------------------------------------------------------------
    def _report(self, message: str) -> None:
        if self.on_progress is None:
            return
        total = sum(self.weights.values()) or 1.0
        done = self.finished_weight + sum(self.partial.values())
        self.on_progress(min(1.0, done / total), message)

    def _unit_progress(self, unit: WorkUnit, fraction: float) -> None:
        if self.cancel.is_set():
            raise CancelledError("cancelled")
        weight = self.weights.get(unit.key, 0.0)
        if unit.chunk is not None:
            weight /= unit.chunk.count
        self.partial[unit.label] = weight * fraction
        self._report(unit.label)

    # -- the loop ------------------------------------------------------------------------
    def run(self) -> BatchResult:
        started = time.perf_counter()
        created = datetime.now(UTC).isoformat(timespec="seconds")
        lock = contextlib.ExitStack()
        try:
            candidates, ignored = discover(self.sources, self.out)
            self._refuse_overwrites(candidates)
            lock.enter_context(self._folder_lock())  # one run per folder, for the whole run
            index = self._open_index()
        except BaseException:
            lock.close()
            if self.engine is not None:
                self.engine.close()  # e.g. a Ray instance started for nothing
            raise
        with lock:
            return self._run(started, created, candidates, ignored, index)

    def _run(
        self, started: float, created: str, candidates: list[Candidate],
        ignored: list[dict[str, str]], index: BatchIndex,
    ) -> BatchResult:
        index.analyser_version = ANALYSER_VERSION
        index.options = {
            "analysis": options_document(self.settings.options),
            "exports": sorted(self.settings.exports),
        }
        index.ignored = ignored
        result = self.result = BatchResult(index)
        okey = options_key(self.settings.options)
        todo: list[Candidate] = []
        for cand in candidates:
            self.candidates[cand.key] = cand
            if self._is_current(index.entries.get(cand.key), cand, okey):
                result.current.append(cand.key)
            else:
                todo.append(cand)
        engine = self.engine or self._default_engine()
        index.run = {
            "started": created,
            "engine": engine.name,
            "workers": engine.workers,
            "files": len(candidates),
        }
        try:
            for cand in todo:
                for unit in self._plan(cand):
                    engine.submit(unit)
            self._report(f"{len(todo)} files to analyse")
            for outcome in engine.as_completed():
                if self.cancel.is_set():
                    raise CancelledError("cancelled")
                self._handle(outcome, engine, okey, created)
        finally:
            engine.close()
            index.run["seconds"] = round(time.perf_counter() - started, 3)
            result.seconds = time.perf_counter() - started
            # On failure the last complete index stays; the error in flight says why.
            with contextlib.suppress(BatchError):
                self._save_index()
            self._write_report()
        result.analysed.sort()
        result.failed.sort()
        self._report("done")
        return result

    def _refuse_overwrites(self, candidates: list[Candidate]) -> None:
        outputs = [self.out / n for c in candidates for n in output_names(c.key).values()]
        reserved = [self.out / INDEX_NAME, self.out / REPORT_NAME]
        check_outputs([c.path for c in candidates], outputs, reserved)

    def _folder_lock(self) -> contextlib.AbstractContextManager[None]:
        if self.out.exists() and not self.out.is_dir():
            raise BatchError(f"{self.out}: is a file; give a folder for the results")
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BatchError(f"{self.out}: cannot create: {exc.strerror or exc}") from None
        return batch_folder_lock(self.out, cancel=self.cancel)

    def _default_engine(self) -> Engine:
        if self.settings.workers == 1:
            return InProcessEngine(on_unit_progress=self._unit_progress, cancel=self.cancel)
        return ProcessPoolEngine(self.settings.workers)

    def _handle(self, outcome: UnitOutcome, engine: Engine, okey: str, created: str) -> None:
        unit = outcome.unit
        key = unit.key
        self.partial.pop(unit.label, None)
        if outcome.version and outcome.version != __version__:
            # A node with another vidi-desktop would write other results under our version.
            outcome = UnitOutcome(unit, error=(
                f"the worker {outcome.worker} runs vidi-desktop {outcome.version}, "
                f"this driver {__version__}: install the same version on every node"
            ))
        fallback = outcome.chunk is not None and outcome.chunk.fallback
        if not fallback:  # a fallback's share is counted when the whole file is done
            share = self.weights.get(key, 0.0)
            self.finished_weight += share / unit.chunk.count if unit.chunk else share
        if unit.chunk is None:
            if outcome.error is not None or outcome.analysis is None:
                self._finish_error(key, outcome.error or "no result", okey, 1)
                return
            run = {"seconds": round(outcome.seconds, 3), "worker": outcome.worker, "chunks": 1}
            self._finish_done(key, outcome.analysis, okey, created, run)
            return
        count = unit.chunk.count
        if fallback:
            # Not chunkable after all (no video, truncated): chunk 0 sends it whole.
            if unit.chunk.index == 0:
                engine.submit(replace(unit, chunk=None))
            return
        if key in self.failed_chunked:
            return  # an earlier chunk failed: the file is already an error
        if outcome.error is not None or outcome.chunk is None:
            self.failed_chunked.add(key)
            self.pending_chunks.pop(key, None)
            self._finish_error(key, outcome.error or "no result", okey, count)
            return
        parts = self.pending_chunks.setdefault(key, [])
        parts.append(outcome.chunk)
        self.chunk_seconds.setdefault(key, []).append(outcome.seconds)
        self._report(unit.label)
        if len(parts) < count:
            return
        from vidi_desktop.services.chunking import merge_chunks

        del self.pending_chunks[key]
        seconds = self.chunk_seconds.pop(key, [])
        try:
            analysis = merge_chunks(parts)
        except ValueError as exc:
            self._finish_error(key, f"chunks do not fit together: {exc}", okey, count)
            return
        run = {
            "seconds": round(sum(seconds), 3),
            "chunk_seconds": [round(x, 3) for x in seconds],
            "chunks": count,
        }
        self._finish_done(key, analysis, okey, created, run)

    def _finish_done(
        self,
        key: str,
        analysis: FileAnalysis,
        okey: str,
        created: str,
        run: dict[str, Any],
    ) -> None:
        assert self.result is not None
        index = self.result.index
        outputs = file_outputs(analysis, key, self.settings, created)
        names = output_names(key)
        try:
            atomic_write_all([(self.out / names[k], data) for k, data in outputs.files.items()])
        except BatchError as exc:
            self._finish_error(key, str(exc), okey, int(run.get("chunks", 1)))
            if "disk full" in str(exc):
                raise _resumable(exc) from None
            return
        info = analysis.info
        v = info.video
        index.entries[key] = IndexEntry(
            key=key,
            source=str(info.identity.path),
            size=info.identity.size,
            mtime_ns=info.identity.mtime_ns,
            status=DONE,
            analyser_version=ANALYSER_VERSION,
            options_key=okey,
            outputs={k: names[k] for k in outputs.files},
            duration=round(float(info.duration), 6),
            frames=v.frames if v is not None else 0,
            rate=str(v.rate) if v is not None and v.rate else None,
            counts=outputs.counts,
            notes=outputs.notes,
            exports=sorted(self.settings.exports),
            run=run,
        )
        self.result.analysed.append(key)
        self._save_index()
        self._report(f"{len(self.result.analysed)} done: {key}")

    def _finish_error(self, key: str, message: str, okey: str, chunks: int) -> None:
        assert self.result is not None
        if key in self.result.failed:
            return
        cand = self.candidates[key]
        try:
            st = cand.path.stat()
            size, mtime = st.st_size, st.st_mtime_ns
        except OSError:
            size, mtime = 0, 0
        self.result.index.entries[key] = IndexEntry(
            key=key,
            source=str(cand.path.resolve()) if cand.path.exists() else str(cand.path),
            size=size,
            mtime_ns=mtime,
            status=ERROR,
            analyser_version=ANALYSER_VERSION,
            options_key=okey,
            error=message,
            run={"chunks": chunks},
        )
        self.result.failed.append(key)
        # A failure is reported by whoever stops the run; the old index stays whole.
        with contextlib.suppress(BatchError):
            self._save_index()
        self._report(f"error: {key}")

    def _save_index(self) -> None:
        assert self.result is not None
        try:
            self.result.index.save()
        except BatchError as exc:
            raise _resumable(exc) if "disk full" in str(exc) else exc from None

    def _write_report(self) -> None:
        assert self.result is not None
        r = self.result
        lines = [
            f"vidi-desktop batch ({ANALYSER_VERSION}), started {r.index.run.get('started')}",
            f"analysed {len(r.analysed)}, already current {len(r.current)}, "
            f"failed {len(r.failed)}, ignored {len(r.index.ignored)}",
            "",
        ]
        for e in r.index.errors():
            lines.append(f"ERROR   {e.key}: {e.error}")
        for item in r.index.ignored:
            lines.append(f"IGNORED {item['path']}: {item['why']}")
        for e in r.index.done():
            for note in e.notes:
                lines.append(f"NOTE    {e.key}: {note}")
        # The index is what counts; a full disk was already reported.
        with contextlib.suppress(BatchError):
            atomic_write(self.out / REPORT_NAME, ("\n".join(lines) + "\n").encode())


def _resumable(exc: BatchError) -> BatchError:
    """A full disk stops the batch; say how to go on."""
    return BatchError(
        f"{exc}; the index lists the files finished before it: "
        "free some space and run the same command again to resume"
    )
