"""VUE-TR-V2 metrics: every published number from the released results, each rule by hand."""

from __future__ import annotations

import csv
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from vidi_desktop.models.eval import EvalFileError
from vidi_desktop.models.eval.vue_tr import (
    THRESHOLDS,
    TrQuery,
    curve_auc,
    evaluate_answers,
    evaluate_tr,
    load_answers,
    load_ground_truth,
    merge_ranges,
    percent_text,
    query_iou,
    query_precision_recall,
    round_answer,
    sweep_overlap,
)

VUE = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "vue"
MODELS = ("Vidi2", "Gemini-3-Pro-Prev")  # the two whose results files are released


@pytest.fixture(scope="module")
def tr_dir() -> Path:
    if not (VUE / "tr_v2" / "ground_truth.json").is_file():
        pytest.skip(f"VUE benchmark files not found at {VUE}")
    return VUE / "tr_v2"


def _published(tr_dir: Path) -> dict[tuple[str, str], dict[str, str]]:
    with open(tr_dir / "published_results_table.csv", newline="") as f:
        return {(r["attribute"], r["method"]): r for r in csv.DictReader(f)}


# -- the published numbers ------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_reproduces_every_published_number(tr_dir: Path, model: str) -> None:
    published = _published(tr_dir)
    scores = evaluate_tr(tr_dir / "ground_truth.json", tr_dir / f"results_{model}.json")
    rows = {attr for attr, method in published if method == model}
    assert set(scores.groups) == rows  # overall + 11 categories, no more, no less
    checked = 0
    for name, group in scores.groups.items():
        row = published[(name, model)]
        for key, value in (("precision", group.precision), ("recall", group.recall),
                           ("iou", group.iou)):
            expected = float(row[key].rstrip("%"))
            assert value is not None
            # ±0.005 points; the 1e-9 is for exact ties: Vidi2's overall precision is
            # exactly 12489/20000 = 62.445 %, which the table prints as 62.45.
            assert abs(float(value) * 100 - expected) <= 0.005 + 1e-9, (model, name, key)
            assert percent_text(value) + "%" == row[key], (model, name, key, float(value))
            checked += 1
    assert checked == 36


def test_json_document_is_percent_per_group(tr_dir: Path) -> None:
    scores = evaluate_tr(tr_dir / "ground_truth.json", tr_dir / "results_Vidi2.json")
    doc = scores.to_json()
    assert list(doc)[:3] == ["overall", "ultra-short", "short"]
    assert doc["overall"] == pytest.approx({"P": 62.445, "R": 64.9266, "IoU": 48.7459}, abs=1e-4)
    assert scores.missing == () and scores.extra == 0
    assert scores.groups["overall"].queries == 1600


def test_vidi2_overall_precision_is_an_exact_tie(tr_dir: Path) -> None:
    scores = evaluate_tr(tr_dir / "ground_truth.json", tr_dir / "results_Vidi2.json")
    assert scores.groups["overall"].precision == Fraction(12489, 20000)


# -- rules, by hand ---------------------------------------------------------------------------


def test_thresholds_are_numpy_linspace_bit_for_bit() -> None:
    assert list(THRESHOLDS) == np.linspace(0, 1, 101).tolist()
    # The float quirk the published figures carry: 70 × 0.01 is a hair above 0.7.
    assert THRESHOLDS[70] > 0.7 and THRESHOLDS[29] == 0.29


def test_floor_start_ceil_end() -> None:
    assert round_answer([(1.2, 3.4), (5.0, 5.0), (-0.5, 0.1)]) == [(1, 4), (5, 5), (-1, 1)]
    pred = round_answer([(1.2, 3.4)])
    assert query_iou(pred, [(1, 4)]) == pytest.approx(1.0)
    assert query_precision_recall(pred, [(1, 4)]) == (1.0, 1.0)


def test_merging_of_touching_and_overlapping_predictions() -> None:
    assert merge_ranges([(2, 4), (0, 2), (7, 8), (3, 5)]) == [(0, 5), (7, 8)]
    # Touching halves merge into one range that equals the truth.
    assert query_iou([(0, 2), (2, 4)], [(0, 4)]) == pytest.approx(1.0)
    # Overlapping predictions merge for IoU: [0, 4] against [0, 4].
    assert query_iou([(0, 3), (1, 4)], [(0, 4)]) == pytest.approx(1.0)


def test_iou_pairs_and_union() -> None:
    # pred [0,2] ∪ [6,10], truth [1,7]: overlap 1 + 1 = 2, union 6 + 6 - 2 = 10.
    assert query_iou([(6, 10), (0, 2)], [(1, 7)]) == pytest.approx(0.2)


def test_empty_cases() -> None:
    assert query_iou([], []) == 1.0
    assert query_iou([(1, 2)], []) == 0.0
    assert query_iou([], [(1, 2)]) == 0.0
    assert query_precision_recall([], []) == (1.0, None)  # nothing to find, nothing said
    assert query_precision_recall([], [(1, 2)]) == (None, 0.0)  # no precision to speak of
    assert query_precision_recall([(3, 3)], [(0, 1)]) == (None, 0.0)  # zero-length answer


def test_reversed_range_dropped_for_iou_but_swapped_for_precision() -> None:
    pred = round_answer([(5.5, 2.2)])  # → (5, 3): ends before it starts
    assert pred == [(5, 3)]
    assert query_iou(pred, [(2, 6)]) == 0.0
    # Precision and recall put it in order, [3, 5]: overlap 2 of 2 predicted, of 4 true.
    assert query_precision_recall(pred, [(2, 6)]) == (1.0, 0.5)


def test_precision_recall_sweep_keeps_list_order() -> None:
    # Sorted, disjoint lists: the exact overlap.
    assert sweep_overlap([(0, 10)], [(1, 2), (4, 6)]) == 3
    # Overlapping predictions are counted twice, as in the published scorer: recall 1.5.
    assert query_precision_recall([(0, 3), (1, 4)], [(0, 4)]) == (1.0, 1.5)
    # Unsorted predictions: the sweep passes the truth before it reaches [1, 2].
    assert sweep_overlap([(0, 3)], [(5, 6), (1, 2)]) == 0


@pytest.mark.parametrize(
    ("values", "strict", "area"),
    [
        ([1.0], True, Fraction(995, 1000)),  # 1.0 > t except at t = 1
        ([1.0], False, Fraction(1)),
        ([0.5], True, Fraction(495, 1000)),  # above 0 … 0.49: 49 full steps and a half
        ([0.5], False, Fraction(505, 1000)),
        ([0.0], True, Fraction(0)),
        ([0.0], False, Fraction(5, 1000)),
        # 0.7 is not "at least" 70 × 0.01 = 0.7000000000000001: 69.5 steps, not 70.5.
        ([0.7], False, Fraction(695, 1000)),
        ([0.29], False, Fraction(295, 1000)),
        ([1.0, 0.0], False, Fraction(1005, 2000)),
    ],
)
def test_area_under_101_thresholds(values: list[float], strict: bool, area: Fraction) -> None:
    assert curve_auc(values, strict) == area
    t = np.linspace(0, 1, 101)
    curve = [np.mean([(v > x) if strict else (v >= x) for v in values]) for x in t]
    assert float(area) == pytest.approx(float(np.trapezoid(curve, t)), abs=1e-12)


def test_auc_of_nothing_is_undefined() -> None:
    assert curve_auc([], True) is None
    assert percent_text(None) == "-"
    assert percent_text(Fraction(12489, 20000)) == "62.45"  # half up
    assert percent_text(Fraction(1)) == "100.00"


def _query(qid: str, gt: list[tuple[float, float]], **attributes: str) -> TrQuery:
    return TrQuery(qid, "v", "text", tuple(gt), attributes)


def test_groups_missing_and_extra_answers() -> None:
    queries = [
        _query("1", [(0, 10)], duration_category="short", query_format="keyword"),
        _query("2", [(0, 10)], duration_category="long", query_format="keyword"),
    ]
    scores = evaluate_answers(queries, {"1": [(0.0, 10.0)], "99": [(1.0, 2.0)]})
    assert scores.missing == ("2",) and scores.extra == 1
    assert list(scores.groups) == ["overall", "short", "long", "keyword"]
    short = scores.groups["short"]
    assert (short.queries, short.precision, short.recall) == (1, 1, 1)
    assert short.iou == Fraction(995, 1000)  # IoU 1 is not "greater than" 1
    overall = scores.groups["overall"]
    # Query 2 is unanswered: IoU 0, recall 0, no precision.
    assert overall.precision == 1
    assert overall.recall == Fraction(1, 2) * 1 + Fraction(1, 2) * Fraction(5, 1000)
    assert scores.groups["long"].precision is None
    assert scores.to_json()["long"] == {"P": None, "R": 0.5, "IoU": 0.0}


# -- files ------------------------------------------------------------------------------------


def _write(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc))
    return path


GT = [{"query_id": 0, "video_id": "v", "query": "a dog", "gt": [[1, 4]],
       "duration_category": "short", "query_format": "keyword", "query_modality": "vision"}]


def test_results_may_be_json_lines_with_id_and_empty_answers(tmp_path: Path) -> None:
    gt = _write(tmp_path / "gt.json", [*GT, dict(GT[0], query_id=1)])
    res = tmp_path / "res.jsonl"
    res.write_text('{"id": 0, "answer": [[1.2, 3.9]]}\n\n{"query_id": "1", "answer": [[]]}\n')
    assert load_answers(res) == {"0": [(1.2, 3.9)], "1": []}
    scores = evaluate_tr(gt, res)
    assert scores.groups["overall"].recall == Fraction(1, 2) + Fraction(5, 2000)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"query_id": 0}, r"res\.json: expected a JSON list of queries, got dict"),
        ([5], r"res\.json item 0: expected an object, got int"),
        ([{"answer": []}], r"item 0: no query_id"),
        ([{"query_id": 0}], r"item 0 \(query_id 0\): no 'answer' list"),
        ([{"query_id": 0, "answer": [[1, 2, 3]]}],
         r"item 0 \(query_id 0\): answer\[0\] is not a \[start, end\] pair of numbers"),
        ([{"query_id": 0, "answer": [[1, "x"]]}], r"answer\[0\] is not a \[start, end\] pair"),
        ([{"query_id": 0, "answer": "1-2"}], r"answer must be a list of \[start, end\]"),
        ([{"query_id": 0, "answer": []}, {"query_id": 0, "answer": []}],
         r"item 1: a second answer for query_id 0"),
    ],
)
def test_bad_results_files(tmp_path: Path, doc: object, message: str) -> None:
    gt = _write(tmp_path / "gt.json", GT)
    res = _write(tmp_path / "res.json", doc)
    with pytest.raises(EvalFileError, match=message) as info:
        evaluate_tr(gt, res)
    assert "\n" not in str(info.value)


def test_bad_json_names_line_and_column(tmp_path: Path) -> None:
    gt = _write(tmp_path / "gt.json", GT)
    res = tmp_path / "res.json"
    res.write_text('[\n  {"query_id": 0, "answer": [[1, 2]]},\n  {"query_id": 1,,}\n]')
    with pytest.raises(EvalFileError, match=r"res\.json: not valid JSON at line 3 column 18"):
        evaluate_tr(gt, res)
    lines = tmp_path / "res.jsonl"
    lines.write_text('{"query_id": 0, "answer": []}\n{"query_id": 1, "answer": [\n')
    with pytest.raises(EvalFileError, match=r"res\.jsonl line 2: not valid JSON"):
        evaluate_tr(gt, lines)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([dict(GT[0], gt=[[5, 2]])], r"gt range \[5\.0, 2\.0\] ends before it starts"),
        ([dict(GT[0], gt=None)], r"no 'gt' list"),
        ([GT[0], GT[0]], r"item 1: query_id 0 appears twice"),
        ([], r"gt\.json: no queries"),
    ],
)
def test_bad_ground_truth(tmp_path: Path, doc: object, message: str) -> None:
    with pytest.raises(EvalFileError, match=message):
        load_ground_truth(_write(tmp_path / "gt.json", doc))


def test_missing_and_foreign_files(tmp_path: Path) -> None:
    gt = _write(tmp_path / "gt.json", GT)
    with pytest.raises(EvalFileError, match=r"nope\.json: not found"):
        evaluate_tr(gt, tmp_path / "nope.json")
    blob = tmp_path / "blob.json"
    blob.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xff")
    with pytest.raises(EvalFileError, match="not a UTF-8 text file"):
        evaluate_tr(gt, blob)
    other = _write(tmp_path / "other.json", [{"query_id": 77, "answer": []}])
    with pytest.raises(EvalFileError, match="none of its 1 query ids"):
        evaluate_tr(gt, other)
