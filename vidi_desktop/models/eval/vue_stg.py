"""VUE-STG: spatio-temporal grounding scores (t_P, t_R, t_IoU, v_P, v_R, v_IoU, v_IoU_Int).

A tube is the boxes where the queried object is, at times in ms; boxes are normalized
``x0,y0,x1,y1``. Both the ground truth and a prediction are read from CSV files
``query_id,time_ms,x0,y0,x1,y1`` (extra columns such as ``time_normalized`` are ignored).

The rules below are those that reproduce ByteDance's published table from the released
prediction files (checked against their evaluation script, ``VUE_STG/evaluate.py`` and
``tube.py`` in the Vidi repository); where the benchmark's one-paragraph description is
vague, the script decided:

- Times are quantized to whole seconds, half up: ``((t·2 + 1000) // 2000) · 1000`` ms. A time
  with a fraction of a millisecond is cut to whole ms first (the script casts to int; for a
  non-negative time this never moves it across a half second). Negative times are refused.
- Per query and second, only the *first box in file order* counts; later rows that land on
  the same second are ignored (even when they are earlier in time).
- A box's corners are put in order, then clipped to [0, 1].
- A box of zero area (after clipping) is *no box*: that second is neither in G nor in P, and
  its IoU is 0 — but it still took the second's slot, so a later box there is ignored too.
- Over S = seconds seen in either tube: G = seconds with a ground-truth box, P = seconds
  with a predicted box, IoU_t = box IoU at t (0 where a box is missing), ΣIoU = Σ_S IoU_t;
  t_IoU = |G∩P|/|G∪P|, t_R = |G∩P|/|G|, t_P = |G∩P|/|P|, v_IoU = ΣIoU/|G∪P|,
  v_R = ΣIoU/|G|, v_P = ΣIoU/|P|, v_IoU_Int = ΣIoU/|G∩P|.
- A zero denominator leaves that metric undefined for the query and out of its mean (an
  empty prediction drops out of t_P, v_P and v_IoU_Int but scores 0 on the rest).
- Every query with a ground-truth tube is scored; one with no prediction rows is an empty
  prediction. Predicted queries that are not in the ground truth are ignored (counted).
- Reported figures are unweighted means over queries, as fractions 0..1.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from vidi_desktop.core.atomic import write_atomic
from vidi_desktop.models.eval import EvalFileError, existing_file, mean_defined

STEP_MS = 1000
"""VUE-STG scores on a one-second grid."""

METRICS: tuple[str, ...] = ("t_P", "t_R", "t_IoU", "v_P", "v_R", "v_IoU", "v_IoU_Int")
"""The reported figures, in the order of the published table."""

TUBE_COLUMNS: tuple[str, ...] = ("query_id", "time_ms", "x0", "y0", "x1", "y1")

Box4 = tuple[float, float, float, float]
Tube = dict[int, Box4]
"""Quantized time (ms) → the box that counts there (zero-area boxes included, see above)."""


# -- geometry ---------------------------------------------------------------------------------


def quantize_ms(t_ms: int, step_ms: int = STEP_MS) -> int:
    """``t_ms`` rounded to the nearest multiple of ``step_ms``, halves rounding up."""
    if step_ms <= 0:
        raise ValueError("step_ms must be positive")
    return ((t_ms * 2 + step_ms) // (2 * step_ms)) * step_ms


def clean_box(x0: float, y0: float, x1: float, y1: float) -> Box4:
    """Corners put in order, then each coordinate clipped to [0, 1]."""
    x0, x1 = min(x0, x1), max(x0, x1)
    y0, y1 = min(y0, y1), max(y0, y1)
    return (_clip01(x0), _clip01(y0), _clip01(x1), _clip01(y1))


def _clip01(v: float) -> float:
    return min(1.0, max(0.0, v))


def box_area(b: Box4) -> float:
    """Area of a clean box (0 for a degenerate one)."""
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def box_iou(a: Box4, b: Box4) -> float:
    """Intersection over union of two clean boxes (0 when the union is empty)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = w * h if w > 0 and h > 0 else 0.0
    union = box_area(a) + box_area(b) - inter
    return inter / union if union > 0 else 0.0


def add_box(tube: Tube, t_ms: int, box: Box4, step_ms: int = STEP_MS) -> bool:
    """Put ``box`` (cleaned) at its quantized second unless that second already has one.

    Returns whether it was taken: the first box per second wins, in the order given.
    """
    t = quantize_ms(t_ms, step_ms)
    if t in tube:
        return False
    tube[t] = clean_box(*box)
    return True


# -- scores -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueryScores:
    """One query's metrics; None where the denominator is zero (left out of the mean)."""

    t_P: float | None
    t_R: float | None
    t_IoU: float | None
    v_P: float | None
    v_R: float | None
    v_IoU: float | None
    v_IoU_Int: float | None

    def as_dict(self) -> dict[str, float | None]:
        """Metric name → value, in :data:`METRICS` order."""
        return {name: getattr(self, name) for name in METRICS}


def score_query(gt: Tube, pred: Tube) -> QueryScores:
    """The seven metrics of one query from its ground-truth and predicted tubes."""
    n_gt = n_pred = n_both = n_either = 0
    iou_sum = 0.0
    for t in gt.keys() | pred.keys():
        g, p = gt.get(t), pred.get(t)
        in_g = g is not None and box_area(g) > 0
        in_p = p is not None and box_area(p) > 0
        n_gt += in_g
        n_pred += in_p
        n_both += in_g and in_p
        n_either += in_g or in_p
        if in_g and in_p:
            iou_sum += box_iou(g, p)  # type: ignore[arg-type]
    return QueryScores(
        t_P=_ratio(n_both, n_pred),
        t_R=_ratio(n_both, n_gt),
        t_IoU=_ratio(n_both, n_either),
        v_P=_ratio(iou_sum, n_pred),
        v_R=_ratio(iou_sum, n_gt),
        v_IoU=_ratio(iou_sum, n_either),
        v_IoU_Int=_ratio(iou_sum, n_both),
    )


def _ratio(num: float, den: int) -> float | None:
    return num / den if den else None


@dataclass(frozen=True)
class StgScores:
    """Benchmark figures: the means, how many queries each mean is over, what was missing."""

    means: dict[str, float | None]
    counts: dict[str, int]  # queries where each metric is defined
    queries: int  # ground-truth queries scored
    missing: tuple[str, ...]  # ground-truth queries with no prediction rows
    extra: int  # predicted queries not in the ground truth (ignored)
    per_query: dict[str, QueryScores]

    def to_json(self) -> dict[str, float | None]:
        """The ``eval stg --json`` document: metric → mean as a fraction (null if undefined)."""
        return {name: _rounded(self.means[name]) for name in METRICS}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def evaluate_tubes(gt: Mapping[str, Tube], pred: Mapping[str, Tube]) -> StgScores:
    """Score predicted tubes against ground-truth tubes (query id → tube)."""
    per_query = {qid: score_query(tube, pred.get(qid, {})) for qid, tube in gt.items()}
    columns = {name: [getattr(s, name) for s in per_query.values()] for name in METRICS}
    return StgScores(
        means={name: mean_defined(values) for name, values in columns.items()},
        counts={name: sum(v is not None for v in values) for name, values in columns.items()},
        queries=len(per_query),
        missing=tuple(qid for qid in gt if qid not in pred),
        extra=sum(1 for qid in pred if qid not in gt),
        per_query=per_query,
    )


# -- files ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StgQuery:
    """One line of ``query.csv``."""

    query_id: str
    text: str
    video_id: str


@dataclass(frozen=True)
class StgBenchmark:
    """A VUE-STG folder: queries, video durations (s) and ground-truth tubes."""

    queries: dict[str, StgQuery]
    durations: dict[str, float]
    tubes: dict[str, Tube]


def read_tubes(path: str | os.PathLike[str], step_ms: int = STEP_MS) -> dict[str, Tube]:
    """Tubes from a ``query_id,time_ms,x0,y0,x1,y1`` CSV (query id → tube), in file order."""
    tubes: dict[str, Tube] = {}
    for where, row in _rows(path, TUBE_COLUMNS):
        qid = _text(row, "query_id", where)
        t_ms = _time_ms(row["time_ms"], where)
        box = tuple(_number(row, k, where) for k in ("x0", "y0", "x1", "y1"))
        add_box(tubes.setdefault(qid, {}), t_ms, box, step_ms)  # type: ignore[arg-type]
    return tubes


def read_queries(path: str | os.PathLike[str]) -> list[StgQuery]:
    """The queries of a ``query_id,query_text,video_id`` CSV, in file order."""
    queries: list[StgQuery] = []
    seen: set[str] = set()
    for where, row in _rows(path, ("query_id", "query_text", "video_id")):
        qid = _text(row, "query_id", where)
        if qid in seen:
            raise EvalFileError(f"{where}: query_id {qid!r} appears twice")
        seen.add(qid)
        queries.append(StgQuery(qid, _text(row, "query_text", where),
                                _text(row, "video_id", where)))
    return queries


def read_durations(path: str | os.PathLike[str]) -> dict[str, float]:
    """Video id → duration in seconds from a ``video_id,video_duration`` CSV."""
    durations: dict[str, float] = {}
    for where, row in _rows(path, ("video_id", "video_duration")):
        vid = _text(row, "video_id", where)
        seconds = _number(row, "video_duration", where)
        if seconds <= 0:
            raise EvalFileError(f"{where}: video_duration must be positive, got {seconds}")
        if vid in durations:
            raise EvalFileError(f"{where}: video_id {vid!r} appears twice")
        durations[vid] = seconds
    return durations


def load_benchmark(folder: str | os.PathLike[str]) -> StgBenchmark:
    """Read ``query.csv``, ``video.csv`` and ``tubes.csv`` from a VUE-STG folder, checked."""
    root = Path(folder)
    if not root.is_dir():
        raise EvalFileError(f"{root}: not a folder (expected query.csv, tubes.csv, video.csv)")
    queries = {q.query_id: q for q in read_queries(root / "query.csv")}
    durations = read_durations(root / "video.csv")
    for q in queries.values():
        if q.video_id not in durations:
            raise EvalFileError(
                f"{root / 'query.csv'}: query {q.query_id!r} names video {q.video_id!r}, "
                f"which video.csv does not list"
            )
    tubes = read_tubes(root / "tubes.csv")
    unknown = [qid for qid in tubes if qid not in queries]
    if unknown:
        raise EvalFileError(
            f"{root / 'tubes.csv'}: {len(unknown)} query id(s) not in query.csv, "
            f"e.g. {unknown[0]!r}"
        )
    if not tubes:
        raise EvalFileError(f"{root / 'tubes.csv'}: no ground-truth boxes")
    return StgBenchmark(queries, durations, tubes)


def evaluate_stg(
    gt_folder: str | os.PathLike[str], pred_path: str | os.PathLike[str]
) -> StgScores:
    """Score a predictions CSV against a VUE-STG folder.

    Refuses a prediction file that shares no query with the ground truth (a wrong file
    would otherwise score a quiet zero).
    """
    bench = load_benchmark(gt_folder)
    pred = read_tubes(pred_path)
    if pred and not any(qid in bench.tubes for qid in pred):
        raise EvalFileError(
            f"{pred_path}: none of its {len(pred)} query ids is in {gt_folder} "
            f"(predictions for another benchmark?)"
        )
    return evaluate_tubes(bench.tubes, pred)


def write_tubes(
    path: str | os.PathLike[str],
    rows: Sequence[tuple[str, int, float, float, float, float]],
) -> None:
    """Write ``query_id,time_ms,x0,y0,x1,y1`` rows (atomically:
    :func:`vidi_desktop.core.atomic.write_atomic`)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(TUBE_COLUMNS)
    for qid, t_ms, x0, y0, x1, y1 in rows:
        writer.writerow([qid, t_ms, *(_coord(v) for v in (x0, y0, x1, y1))])
    try:
        write_atomic(path, buf.getvalue().encode("utf-8"))
    except OSError as exc:
        raise EvalFileError(f"{path}: cannot write ({exc.strerror or exc})") from None


def _coord(v: float) -> str:
    # Six decimals: far below a pixel, and the file stays readable.
    return f"{v:.6f}".rstrip("0").rstrip(".") if v else "0"


# -- CSV reading with file:line errors ---------------------------------------------------------


def _rows(
    path: str | os.PathLike[str], required: Sequence[str]
) -> Iterator[tuple[str, dict[str, str]]]:
    """``("file line N", row)`` for each data row; a missing column or file is an error."""
    p = existing_file(path)
    try:
        with open(p, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise EvalFileError(f"{p}: empty file (expected a header {','.join(required)})")
            header = [h.strip() for h in header]
            missing = [c for c in required if c not in header]
            if missing:
                raise EvalFileError(
                    f"{p} line 1: missing column(s) {', '.join(missing)} "
                    f"(expected {','.join(required)})"
                )
            for fields in reader:
                where = f"{p} line {reader.line_num}"
                if not fields or all(not x.strip() for x in fields):
                    continue  # blank line
                if len(fields) != len(header):
                    raise EvalFileError(
                        f"{where}: {len(fields)} fields where the header has {len(header)}"
                    )
                yield where, dict(zip(header, fields, strict=True))
    except UnicodeDecodeError:
        raise EvalFileError(f"{p}: not a UTF-8 text file") from None
    except csv.Error as exc:
        raise EvalFileError(f"{p}: not a readable CSV file ({exc})") from None


def _text(row: Mapping[str, str], key: str, where: str) -> str:
    value = row[key].strip()
    if not value:
        raise EvalFileError(f"{where}: {key} is empty")
    return value


def _number(row: Mapping[str, str], key: str, where: str) -> float:
    text = row[key].strip()
    try:
        value = float(text)
    except ValueError:
        raise EvalFileError(f"{where}: {key} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise EvalFileError(f"{where}: {key} must be a finite number, got {text!r}")
    return value


def _time_ms(text: str, where: str) -> int:
    """Whole milliseconds, fractions cut (as the published scorer does)."""
    value = _number({"time_ms": text}, "time_ms", where)
    if value < 0:
        raise EvalFileError(f"{where}: time_ms must not be negative, got {text.strip()!r}")
    return int(value)
