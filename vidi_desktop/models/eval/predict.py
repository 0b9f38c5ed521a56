"""Run a backend over a VUE query list on local videos; write predictions the scorers read.

Videos are found by id in one folder, ``<videos>/<video_id>.<ext>``. A query whose video is
missing or unreadable is reported and skipped, as is one the backend fails on (its error is
kept); neither is written, so the scorer counts it as unanswered. The backend is loaded
once, runs every query in the calling thread, and is unloaded at the end. The output is
rewritten every few seconds, so an interrupted run leaves the answers it had.

Each STG query is asked as a grounding task (``options["task"] = "grounding"``: one object
tube per query, as upstream defines the benchmark), each TR query as a temporal one.

How suggestions become predictions:

- **STG** (``tubes.csv``): the :class:`ObjectTube` suggestions, best first (by confidence,
  then as returned). Every box of the best tube is written; a lower-ranked tube adds only
  boxes in seconds no better tube has (the scorer keeps one box per second), so several
  tubes for separate appearances of the object all count.
- **TR** (results JSON, ``answer: [[s, e], …]``): the time ranges of every suggestion that
  has one — cut ranges, highlight clips, chapters, each range of an :class:`Answer`, and the
  visible ranges of an :class:`ObjectTube` (a box stands for one sampling step; a gap of
  more than 1.5 steps means the object left the frame). Ranges are sorted and merged.

Times are written from the start of the video (the asset's start time subtracted), as the
benchmark counts them.
"""

from __future__ import annotations

import itertools
import os
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from vidi_desktop.core.errors import CancelledError, VidiError
from vidi_desktop.core.progress import ProgressFn, check_cancel, no_progress
from vidi_desktop.core.project import (
    Answer,
    Asset,
    Chapter,
    CutRange,
    HighlightClip,
    ObjectTube,
    Suggestion,
)
from vidi_desktop.models.eval import EvalFileError
from vidi_desktop.models.eval.vue_stg import StgQuery, quantize_ms, read_queries, write_tubes
from vidi_desktop.models.eval.vue_tr import TrQuery, load_ground_truth, merge_ranges, write_results
from vidi_desktop.models.protocol import AssetRef, Backend, BackendError, NotSupportedError, Request

VIDEO_EXTENSIONS: tuple[str, ...] = (".mp4", ".mkv", ".webm", ".mov", ".m4v", ".avi")
"""Looked for in this order when two files share a video id."""

SAVE_EVERY_S = 10.0
"""How often a long run writes the answers so far."""

RANGE_PAYLOADS = (CutRange, HighlightClip, Chapter)
"""Payloads whose extent is a retrieved moment (scene boundaries, cues, crops are not)."""


@dataclass
class PredictReport:
    """What a prediction run did, for the summary and the tests."""

    task: str
    output: Path
    queries: int
    answered: list[str] = field(default_factory=list)  # query ids written
    empty: list[str] = field(default_factory=list)  # answered with no tube / no range
    missing_videos: dict[str, str] = field(default_factory=dict)  # video id → why
    skipped: list[str] = field(default_factory=list)  # query ids without a usable video
    failed: dict[str, str] = field(default_factory=dict)  # query id → backend error

    def summary_lines(self) -> list[str]:
        """A few lines for the terminal."""
        lines = [
            f"{self.task}: {len(self.answered)} of {self.queries} queries answered "
            f"({len(self.empty)} with nothing found) → {self.output}"
        ]
        if self.missing_videos:
            some = ", ".join(sorted(self.missing_videos)[:5])
            more = "…" if len(self.missing_videos) > 5 else ""
            lines.append(
                f"  {len(self.missing_videos)} video(s) missing or unreadable ({some}{more}): "
                f"{len(self.skipped)} queries skipped"
            )
        if self.failed:
            qid, why = next(iter(self.failed.items()))
            lines.append(f"  {len(self.failed)} queries failed, e.g. {qid}: {why}")
        return lines


# -- query lists and videos ---------------------------------------------------------------------


def read_stg_queries(path: str | os.PathLike[str]) -> list[StgQuery]:
    """VUE-STG queries from ``query.csv`` or from a benchmark folder holding one."""
    p = Path(path)
    return read_queries(p / "query.csv" if p.is_dir() else p)


def read_tr_queries(path: str | os.PathLike[str]) -> list[TrQuery]:
    """VUE-TR queries from a ground-truth JSON (or a bare list without ``gt``)."""
    queries = load_ground_truth(path, require_gt=False)
    for q in queries:
        if not q.video_id or not q.text:
            raise EvalFileError(f"{path}: query {q.query_id} needs a video_id and a query text")
    return queries


def find_videos(folder: str | os.PathLike[str], video_ids: Iterable[str]) -> dict[str, Path]:
    """Video id → file ``<folder>/<id>.<ext>`` for the ids that have one."""
    root = Path(folder)
    if not root.is_dir():
        raise EvalFileError(f"{root}: not a folder of videos")
    by_stem: dict[str, Path] = {}
    rank = {ext: i for i, ext in enumerate(VIDEO_EXTENSIONS)}
    for entry in root.iterdir():
        ext = entry.suffix.lower()
        if ext not in rank or not entry.is_file():
            continue
        best = by_stem.get(entry.stem)
        if best is None or rank[ext] < rank[best.suffix.lower()]:
            by_stem[entry.stem] = entry
    return {vid: by_stem[vid] for vid in video_ids if vid in by_stem}


def asset_ref(video_id: str, path: Path) -> AssetRef:
    """The backend's view of a video file (probed once; exact duration and rate)."""
    from vidi_desktop.media.probe import probe

    info = probe(path, allow_truncated=True)
    ident = info.identity
    asset = Asset(video_id, str(ident.path), ident.size, ident.mtime_ns, path.name,
                  info.to_json())
    return AssetRef.from_asset(asset)


def _start_seconds(ref: AssetRef) -> Fraction:
    """Where the asset's own clock starts (subtracted so times count from the video start)."""
    return ref.facts.start


# -- suggestions → predictions ------------------------------------------------------------------


def _rank(suggestions: Sequence[Suggestion]) -> list[Suggestion]:
    """Highest confidence first; unrated after rated; otherwise as returned."""
    order = range(len(suggestions))
    ranked = sorted(
        order,
        key=lambda i: (suggestions[i].confidence is None, -(suggestions[i].confidence or 0.0), i),
    )
    return [suggestions[i] for i in ranked]


def tube_rows(
    query_id: str, suggestions: Sequence[Suggestion], start_ms: int = 0
) -> list[tuple[str, int, float, float, float, float]]:
    """``tubes.csv`` rows for one query from its object-tube suggestions (see module doc)."""
    tubes = [s for s in _rank(suggestions) if isinstance(s.payload, ObjectTube)]
    claimed: set[int] = set()
    rows: list[tuple[str, int, float, float, float, float]] = []
    for s in tubes:
        tube: ObjectTube = s.payload  # type: ignore[assignment]
        mine: set[int] = set()
        for b in tube.boxes:
            t = b.t_ms - start_ms
            if t < 0:
                continue  # before the video's first frame: nothing the benchmark can score
            second = quantize_ms(t)
            if second in claimed:
                continue
            mine.add(second)
            rows.append((query_id, t, b.x0, b.y0, b.x1, b.y1))
        claimed |= mine
    rows.sort(key=lambda r: r[1])
    return rows


def tube_ranges_ms(tube: ObjectTube) -> list[tuple[int, int]]:
    """Where a tube's object is on screen, in ms: a box covers one sampling step."""
    times = [b.t_ms for b in tube.boxes]
    gaps = [b - a for a, b in itertools.pairwise(times) if b > a]
    step = int(statistics.median(gaps)) if gaps else 1000
    runs = tube.visible_ranges(max_gap_ms=step * 3 // 2, tail_ms=step)
    return [(r.start.to_ms(), r.end_exclusive.to_ms()) for r in runs]


def answer_ranges(suggestions: Sequence[Suggestion], start: Fraction = Fraction(0)
                  ) -> list[list[float]]:
    """The ``answer`` of one query: merged ``[start, end]`` seconds (3 decimals)."""
    spans: list[tuple[Fraction, Fraction]] = []
    for s in suggestions:
        p = s.payload
        if isinstance(p, Answer):
            spans += [(r.start.seconds, r.end_exclusive.seconds) for r in p.ranges]
        elif isinstance(p, ObjectTube):
            spans += [(Fraction(a, 1000), Fraction(b, 1000)) for a, b in tube_ranges_ms(p)]
        elif isinstance(p, RANGE_PAYLOADS):
            r = p.extent()
            spans.append((r.start.seconds, r.end_exclusive.seconds))
    shifted = [(max(Fraction(0), a - start), b - start) for a, b in spans if b - start > 0]
    return [[round(float(a), 3), round(float(b), 3)] for a, b in merge_ranges(shifted)
            if b > a]


# -- the runs ---------------------------------------------------------------------------------


STG_OPTIONS = {"task": "grounding"}
"""Every VUE-STG query asks for one object tube (upstream's definition of the task), so the
backend is told so rather than left to guess from the words ("the man who…" reads as a
time range to the word rules)."""
TR_OPTIONS = {"task": "temporal"}
"""Every VUE-TR query asks for the time ranges where it happens."""


@dataclass(frozen=True, slots=True)
class _Job:
    query_id: str
    text: str
    video_id: str
    options: tuple[tuple[str, str], ...] = ()


def _run(
    backend: Backend,
    jobs: Sequence[_Job],
    videos: str | os.PathLike[str],
    report: PredictReport,
    on_answer: Callable[[_Job, AssetRef, list[Suggestion]], None],
    save: Callable[[], None],
    progress: ProgressFn,
    cancel: threading.Event,
) -> None:
    """Run every job whose video is there; ``on_answer`` gets each successful answer.

    ``save`` writes the answers so far: every :data:`SAVE_EVERY_S` seconds and once at the
    end, also when the run is interrupted or cancelled, so hours of answers survive a
    Ctrl-C (the file is complete up to the last query written). Nothing is written while
    no query has been answered.
    """
    if not jobs:
        raise EvalFileError("the query list is empty: nothing to predict")
    found = find_videos(videos, {j.video_id for j in jobs})
    todo: list[_Job] = []
    for job in jobs:
        if job.video_id in found:
            todo.append(job)
        else:
            report.missing_videos[job.video_id] = f"no {job.video_id}.<ext> in {videos}"
            report.skipped.append(job.query_id)
    if not todo:
        raise EvalFileError(
            f"{videos}: none of the {len(report.missing_videos)} videos the queries need is "
            f"there (looked for <video_id>{VIDEO_EXTENSIONS[0]} and other video extensions)"
        )

    progress(None, f"loading {backend.name}")
    backend.load(lambda fraction, message="": progress(None, message), cancel)
    refs: dict[str, AssetRef] = {}
    last_save = time.monotonic()
    try:
        for i, job in enumerate(todo):
            check_cancel(cancel)
            progress(i / len(todo), f"query {i + 1}/{len(todo)}")
            ref = refs.get(job.video_id)
            if ref is None and job.video_id not in report.missing_videos:
                try:  # probed on first use: a thousand long videos take a while to probe
                    ref = refs[job.video_id] = asset_ref(job.video_id, found[job.video_id])
                except VidiError as exc:
                    report.missing_videos[job.video_id] = str(exc)
            if ref is None:
                report.skipped.append(job.query_id)
                continue
            try:
                request = Request(job.text, (ref,), options=dict(job.options))
                suggestions = backend.run(request, no_progress, cancel)
            except (NotSupportedError, CancelledError):
                raise  # no later query can do better
            except Exception as exc:  # one bad answer must not lose the others
                report.failed[job.query_id] = f"{type(exc).__name__}: {exc}"
                continue
            on_answer(job, ref, list(suggestions))
            if time.monotonic() - last_save >= SAVE_EVERY_S:
                save()
                last_save = time.monotonic()
        progress(1.0, "done")
    finally:
        try:
            backend.unload()
        finally:
            if report.answered:
                save()
    if report.failed and not report.answered:
        qid, why = next(iter(report.failed.items()))
        raise BackendError(
            f"{backend.name} failed on all {len(report.failed)} queries it ran, "
            f"e.g. {qid}: {why}"
        )
    if not report.answered:
        # The last one noted is unreadable (files not found are noted before any probe).
        vid, why = next(reversed(report.missing_videos.items()))
        raise EvalFileError(f"no video could be read, e.g. {vid}: {why}")


def _check_output(output: str | os.PathLike[str]) -> Path:
    out = Path(output)
    if out.is_dir():
        raise EvalFileError(f"{out}: is a folder; give a file name to write")
    if not out.parent.is_dir():
        raise EvalFileError(f"{out.parent}: folder does not exist")
    return out


def predict_stg(
    backend: Backend,
    queries: Sequence[StgQuery],
    videos: str | os.PathLike[str],
    output: str | os.PathLike[str],
    progress: ProgressFn = no_progress,
    cancel: threading.Event | None = None,
) -> PredictReport:
    """Ask ``backend`` every VUE-STG query; write ``tubes.csv`` rows to ``output``."""
    out = _check_output(output)
    if not backend.capabilities.spatial:
        raise NotSupportedError(
            f"backend {backend.name!r} cannot find objects in the picture (no spatial "
            "grounding); VUE-STG needs a vision-language backend"
        )
    report = PredictReport("VUE-STG", out, len(queries))
    rows: list[tuple[str, int, float, float, float, float]] = []

    def take(job: _Job, ref: AssetRef, suggestions: list[Suggestion]) -> None:
        start_ms = round(_start_seconds(ref) * 1000)
        mine = tube_rows(job.query_id, suggestions, start_ms)
        rows.extend(mine)
        report.answered.append(job.query_id)
        if not mine:
            report.empty.append(job.query_id)

    options = tuple(STG_OPTIONS.items())
    jobs = [_Job(q.query_id, q.text, q.video_id, options) for q in queries]
    _run(backend, jobs, videos, report, take, lambda: write_tubes(out, rows), progress,
         cancel or threading.Event())
    return report


def predict_tr(
    backend: Backend,
    queries: Sequence[TrQuery],
    videos: str | os.PathLike[str],
    output: str | os.PathLike[str],
    progress: ProgressFn = no_progress,
    cancel: threading.Event | None = None,
) -> PredictReport:
    """Ask ``backend`` every VUE-TR query; write a results JSON list to ``output``."""
    out = _check_output(output)
    if not backend.capabilities.temporal:
        raise NotSupportedError(
            f"backend {backend.name!r} cannot find moments for a free-text query (no "
            "temporal grounding); VUE-TR needs a vision-language backend"
        )
    report = PredictReport("VUE-TR", out, len(queries))
    by_id = {q.query_id: q for q in queries}
    items: list[dict[str, Any]] = []

    def take(job: _Job, ref: AssetRef, suggestions: list[Suggestion]) -> None:
        q = by_id[job.query_id]
        answer = answer_ranges(suggestions, _start_seconds(ref))
        items.append({
            "query_id": q.raw.get("query_id", q.query_id),
            "video_id": q.video_id,
            "duration": float(ref.duration) if ref.duration is not None else q.duration,
            "query": q.text,
            "answer": answer,
        })
        report.answered.append(job.query_id)
        if not answer:
            report.empty.append(job.query_id)

    options = tuple(TR_OPTIONS.items())
    jobs = [_Job(q.query_id, q.text, q.video_id, options) for q in queries]
    _run(backend, jobs, videos, report, take, lambda: write_results(out, items), progress,
         cancel or threading.Event())
    return report
