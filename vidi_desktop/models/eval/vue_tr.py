"""VUE-TR-V2: temporal retrieval scores (precision, recall, IoU as areas under curves, in %).

The ground truth is a JSON list of ``{query_id, video_id, query, gt: [[s, e], …],
duration_category, query_format, query_modality, …}``; a prediction file is the same list
(or JSON lines) with ``answer: [[s, e], …]`` in seconds.

The rules below reproduce ByteDance's published table to the last printed digit from the
released prediction files. They follow their evaluation script (``VUE_TR_V2/qa_eval.py`` in
the Vidi repository), including details the benchmark's description does not give; done
otherwise, each misses a published Gemini-3-Pro figure (whose answers include reversed,
unsorted and overlapping ranges): putting reversed ranges in order for IoU gives 37.55
instead of 37.58, merging before precision gives 48.64 instead of 48.61, exact hundredths
as thresholds give 48.62.

- **Rounding.** Each predicted range becomes ``[floor(s), ceil(e)]``; the ground truth is
  used as given.
- **IoU** per query: no ground truth → 1 if the answer is empty, else 0; an empty answer → 0.
  Otherwise rounded ranges that end before they start are dropped, the rest sorted by start
  and merged where they overlap or touch; intersection = Σ over (prediction, truth) pairs of
  their overlap; union = Σ prediction + Σ truth − intersection; IoU = intersection / union,
  clipped to [0, 1].
- **Precision and recall** per query use the rounded ranges *as listed*: a reversed range is
  put in order (``[ceil(e), floor(s)]``, not dropped as for IoU), nothing is sorted or merged,
  and the intersection is one forward sweep over the truth and the predictions in list order
  (advance whichever range ends first; ranges that touch add zero). For sorted disjoint
  predictions that is the exact overlap; for overlapping or unsorted ones it is what the
  published numbers used (overlaps count twice, so recall can exceed 1). Precision =
  intersection / Σ prediction, 1 when both are empty, left out when only the prediction has
  zero length; recall = intersection / Σ truth, left out when there is no truth.
- **Areas under the curve.** For thresholds t = 0, 0.01, …, 1 the curve is the fraction of
  queries with IoU *greater than* t, or with precision/recall *at least* t (of the queries
  where it is defined); the figure is its trapezoid area × 100. The thresholds are
  ``i × 0.01`` in binary floating point, as ``numpy.linspace(0, 1, 101)`` makes them: ten of
  them lie just above the hundredth they stand for (0.35, 0.41, 0.47, 0.57, 0.69, 0.7, …), so
  a precision of exactly 0.7 is not "at least 0.7".

A ground-truth query with no prediction scores as an empty answer (the published script
skips it; both released files answer every query, so the figures agree). Predictions for
queries that are not in the ground truth are ignored and counted. An answer that is not a
list of ``[start, end]`` number pairs is refused, naming the file, item and query (the
published script skips such pairs for precision and recall and fails on them for IoU).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from vidi_desktop.core.atomic import write_atomic
from vidi_desktop.models.eval import EvalFileError, existing_file

Range = tuple[float, float]

THRESHOLDS: tuple[float, ...] = (*(i * 0.01 for i in range(100)), 1.0)
"""The 101 thresholds, bit for bit as ``numpy.linspace(0, 1, 101)``."""

ATTRIBUTES: tuple[str, ...] = ("duration_category", "query_format", "query_modality")
"""The ground-truth fields the published table breaks results down by."""

KNOWN_ORDER: tuple[str, ...] = (
    "ultra-short", "short", "medium", "long", "ultra-long",
    "keyword", "phrase", "sentence",
    "vision", "audio", "vision+audio",
)
"""Categories in the published table's order (others follow in the order first seen)."""


# -- per query --------------------------------------------------------------------------------


def round_answer(ranges: Iterable[Range]) -> list[tuple[int, int]]:
    """Each predicted range widened to whole seconds: ``[floor(s), ceil(e)]``, order kept."""
    return [(math.floor(s), math.ceil(e)) for s, e in ranges]


def merge_ranges(ranges: Iterable[Range]) -> list[Range]:
    """Sorted by start and merged where they overlap or touch."""
    merged: list[list[float]] = []
    for s, e in sorted(ranges):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def query_iou(pred: Sequence[Range], gt: Sequence[Range]) -> float:
    """One query's IoU from its rounded predicted ranges and its truth (see the module doc)."""
    if not gt:
        return 1.0 if not pred else 0.0
    if not pred:
        return 0.0
    merged = merge_ranges((s, e) for s, e in pred if s <= e)
    inter = sum(max(0.0, min(pe, ge) - max(ps, gs)) for ps, pe in merged for gs, ge in gt)
    union = sum(e - s for s, e in merged) + sum(e - s for s, e in gt) - inter
    # The published scorer divides by union + 1e-16; the same here keeps equal values equal.
    return max(0.0, min(1.0, inter / (union + 1e-16)))


def sweep_overlap(gt: Sequence[Range], pred: Sequence[Range]) -> float:
    """Overlap found by one forward sweep over two range lists in the order given.

    Exact when both lists are sorted and disjoint; otherwise it is the published scorer's
    figure (see the module doc).
    """
    i = j = 0
    total = 0.0
    while i < len(gt) and j < len(pred):
        (gs, ge), (ps, pe) = gt[i], pred[j]
        if gs <= pe and ps <= ge:
            total += min(ge, pe) - max(gs, ps)
        if ge < pe:
            i += 1
        else:
            j += 1
    return total


def query_precision_recall(
    pred: Sequence[Range], gt: Sequence[Range]
) -> tuple[float | None, float | None]:
    """``(precision, recall)`` of one query from its rounded ranges; None where undefined."""
    ordered_pred = [(min(s, e), max(s, e)) for s, e in pred]
    ordered_gt = [(min(s, e), max(s, e)) for s, e in gt]
    inter = sweep_overlap(ordered_gt, ordered_pred)
    len_gt = sum(e - s for s, e in ordered_gt)
    len_pred = sum(e - s for s, e in ordered_pred)
    recall = inter / len_gt if len_gt != 0 else None
    if len_gt == 0 and len_pred == 0:
        precision: float | None = 1.0
    elif len_pred != 0:
        precision = inter / len_pred
    else:
        precision = None
    return precision, recall


def curve_auc(values: Sequence[float], strict: bool) -> Fraction | None:
    """Area under "fraction of values above t" over :data:`THRESHOLDS` (None for no values).

    ``strict`` counts values greater than t (IoU), otherwise at least t (precision, recall).
    The area is exact (trapezoids of width 1/100): the published scorer's float sum differs
    only by rounding noise, and an exact area says which way a tie like Vidi2's overall
    precision, exactly 62.445 %, rounds (half up: 62.45, as published).
    """
    if not values:
        return None
    if strict:
        counts = [sum(v > t for v in values) for t in THRESHOLDS]
    else:
        counts = [sum(v >= t for v in values) for t in THRESHOLDS]
    twice_sum = sum(counts[k] + counts[k + 1] for k in range(len(counts) - 1))
    return Fraction(twice_sum, 2 * len(values) * (len(THRESHOLDS) - 1))


# -- over a benchmark -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrQuery:
    """One ground-truth item."""

    query_id: str  # as text, so 7 and "7" name the same query
    video_id: str
    text: str
    gt: tuple[Range, ...]
    attributes: Mapping[str, str] = field(default_factory=dict)
    duration: float | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)  # the item as read


@dataclass(frozen=True, slots=True)
class GroupScores:
    """One row of the table: P, R and IoU as exact fractions of 1 (None: nothing defined)."""

    queries: int
    precision: Fraction | None
    recall: Fraction | None
    iou: Fraction | None

    def to_json(self) -> dict[str, float | None]:
        """``{"P", "R", "IoU"}`` in percent, as published."""
        return {
            "P": _percent(self.precision),
            "R": _percent(self.recall),
            "IoU": _percent(self.iou),
        }


def _percent(value: Fraction | None) -> float | None:
    return None if value is None else round(float(value * 100), 4)


def percent_text(value: Fraction | None) -> str:
    """``"62.45"``: percent with two decimals, halves rounded up (``"-"`` when undefined)."""
    if value is None:
        return "-"
    hundredths = math.floor(value * 10000 + Fraction(1, 2))
    return f"{hundredths // 100}.{hundredths % 100:02d}"


@dataclass(frozen=True)
class TrScores:
    """``overall`` then each category's scores; which queries had no prediction."""

    groups: dict[str, GroupScores]
    missing: tuple[str, ...]
    extra: int

    def to_json(self) -> dict[str, dict[str, float | None]]:
        """The ``eval tr --json`` document: group → ``{"P", "R", "IoU"}`` in percent."""
        return {name: g.to_json() for name, g in self.groups.items()}


def score_group(items: Sequence[tuple[TrQuery, Sequence[Range]]]) -> GroupScores:
    """P, R and IoU over ``(query, raw predicted ranges)`` pairs."""
    ious: list[float] = []
    precisions: list[float] = []
    recalls: list[float] = []
    for query, answer in items:
        pred = round_answer(answer)
        ious.append(query_iou(pred, query.gt))
        p, r = query_precision_recall(pred, query.gt)
        if p is not None:
            precisions.append(p)
        if r is not None:
            recalls.append(r)
    return GroupScores(
        len(items), curve_auc(precisions, False), curve_auc(recalls, False), curve_auc(ious, True)
    )


def evaluate_answers(
    queries: Sequence[TrQuery], answers: Mapping[str, Sequence[Range]]
) -> TrScores:
    """Scores of ``answers`` (query id → raw ranges in seconds) on ``queries``."""
    items = [(q, answers.get(q.query_id, ())) for q in queries]
    groups = {"overall": score_group(items)}
    for name in _categories(queries):
        groups[name] = score_group(
            [(q, a) for q, a in items if name in q.attributes.values()]
        )
    known = {q.query_id for q in queries}
    return TrScores(
        groups,
        missing=tuple(q.query_id for q in queries if q.query_id not in answers),
        extra=sum(1 for qid in answers if qid not in known),
    )


def _categories(queries: Iterable[TrQuery]) -> list[str]:
    seen: list[str] = []
    for attr in ATTRIBUTES:
        for q in queries:
            value = q.attributes.get(attr)
            if value is not None and value not in seen and value != "overall":
                seen.append(value)
    rank = {name: i for i, name in enumerate(KNOWN_ORDER)}
    return sorted(seen, key=lambda name: (rank.get(name, len(rank)), seen.index(name)))


def evaluate_tr(
    gt_path: str | os.PathLike[str], pred_path: str | os.PathLike[str]
) -> TrScores:
    """Score a results file against a VUE-TR-V2 ground-truth file.

    Refuses a results file that shares no query with the ground truth.
    """
    queries = load_ground_truth(gt_path)
    answers = load_answers(pred_path)
    known = {q.query_id for q in queries}
    if answers and not any(qid in known for qid in answers):
        raise EvalFileError(
            f"{pred_path}: none of its {len(answers)} query ids is in {gt_path} "
            f"(results for another benchmark?)"
        )
    return evaluate_answers(queries, answers)


# -- files ------------------------------------------------------------------------------------


def load_ground_truth(path: str | os.PathLike[str], require_gt: bool = True) -> list[TrQuery]:
    """The queries of a VUE-TR ground-truth JSON list, checked.

    ``require_gt=False`` reads a bare query list (items without ``gt``), to predict on.
    """
    queries: list[TrQuery] = []
    seen: set[str] = set()
    for where, item in _items(path):
        qid = _query_id(item, where)
        if qid in seen:
            raise EvalFileError(f"{where}: query_id {qid} appears twice")
        seen.add(qid)
        where = f"{where} (query_id {qid})"
        if "gt" not in item and not require_gt:
            gt: list[Range] = []
        else:
            gt = _ranges(item.get("gt"), "gt", where)
        for s, e in gt:
            if s > e:
                raise EvalFileError(f"{where}: gt range [{s}, {e}] ends before it starts")
        attributes = {a: item[a] for a in ATTRIBUTES if isinstance(item.get(a), str)}
        duration = item.get("duration")
        queries.append(
            TrQuery(
                qid,
                str(item.get("video_id", "")),
                str(item.get("query", "")),
                tuple(gt),
                attributes,
                float(duration) if _is_number(duration) else None,
                item,
            )
        )
    if not queries:
        raise EvalFileError(f"{path}: no queries")
    return queries


def load_answers(path: str | os.PathLike[str]) -> dict[str, list[Range]]:
    """Query id → predicted ranges (seconds, as written) from a results JSON or JSON-lines file.

    An item names its query by ``query_id`` (or ``id``); ``answer`` is a list of
    ``[start, end]`` pairs, where ``[]`` and ``[[]]`` both mean "nowhere".
    """
    answers: dict[str, list[Range]] = {}
    for where, item in _items(path):
        qid = _query_id(item, where, fallback="id")
        if qid in answers:
            raise EvalFileError(f"{where}: a second answer for query_id {qid}")
        answers[qid] = _ranges(item.get("answer"), "answer", f"{where} (query_id {qid})")
    return answers


def write_results(path: str | os.PathLike[str], items: Sequence[Mapping[str, Any]]) -> None:
    """Write a results JSON list (atomically: :func:`vidi_desktop.core.atomic.write_atomic`)."""
    text = json.dumps(list(items), indent=1, ensure_ascii=False) + "\n"
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        raise EvalFileError(f"{path}: cannot write ({exc.strerror or exc})") from None


def _items(path: str | os.PathLike[str]) -> list[tuple[str, dict[str, Any]]]:
    """``(where, item)`` for each object of a JSON list or JSON-lines file."""
    p = existing_file(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise EvalFileError(f"{p}: not a UTF-8 text file") from None
    if p.suffix.lower() == ".jsonl":
        out = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{p} line {n}"
            out.append((where, _object(_parse(line, where), where)))
        return out
    doc = _parse(text, str(p))
    if not isinstance(doc, list):
        raise EvalFileError(f"{p}: expected a JSON list of queries, got {type(doc).__name__}")
    return [(f"{p} item {i}", _object(item, f"{p} item {i}")) for i, item in enumerate(doc)]


def _parse(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise EvalFileError(
            f"{where}: not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})"
        ) from None


def _object(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise EvalFileError(f"{where}: expected an object, got {type(item).__name__}")
    return item


def _query_id(item: Mapping[str, Any], where: str, fallback: str | None = None) -> str:
    value = item.get("query_id")
    if value is None and fallback is not None:
        value = item.get(fallback)
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        raise EvalFileError(f"{where}: no query_id (a number or text)")
    return str(value)


def _is_number(value: object) -> bool:
    return (
        not isinstance(value, bool)
        and isinstance(value, int | float)
        and math.isfinite(value)
    )


def _ranges(value: Any, key: str, where: str) -> list[Range]:
    """A list of ``[start, end]`` number pairs; ``[[]]`` reads as an empty list."""
    if value is None:
        raise EvalFileError(f"{where}: no {key!r} list")
    if not isinstance(value, list):
        raise EvalFileError(f"{where}: {key} must be a list of [start, end], got {value!r}")
    if len(value) == 1 and value[0] == []:
        return []
    out: list[Range] = []
    for i, pair in enumerate(value):
        if (
            not isinstance(pair, list | tuple)
            or len(pair) != 2
            or not all(_is_number(v) for v in pair)
        ):
            raise EvalFileError(
                f"{where}: {key}[{i}] is not a [start, end] pair of numbers: {pair!r}"
            )
        out.append((float(pair[0]), float(pair[1])))
    return out
