"""VUE-STG metrics: the published table from the released predictions, and each rule by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidi_desktop.models.eval import EvalFileError
from vidi_desktop.models.eval.vue_stg import (
    METRICS,
    add_box,
    box_iou,
    clean_box,
    evaluate_stg,
    evaluate_tubes,
    load_benchmark,
    quantize_ms,
    read_tubes,
    score_query,
    write_tubes,
)

VUE = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "vue"

# README of ByteDance's VUE_STG (Nov 2025), as copied into shared/benchmarks/vue/README.md.
PUBLISHED = {
    "vidi2": (0.730, 0.598, 0.532, 0.446, 0.363, 0.326, 0.603),
    "gemini-3-pro-preview": (0.519, 0.353, 0.275, 0.090, 0.057, 0.046, 0.166),
}


@pytest.fixture(scope="module")
def stg_dir() -> Path:
    if not (VUE / "stg" / "tubes.csv").is_file():
        pytest.skip(f"VUE benchmark files not found at {VUE}")
    return VUE / "stg"


# -- the published numbers ------------------------------------------------------------------


@pytest.mark.parametrize("model", sorted(PUBLISHED))
def test_reproduces_published_table(stg_dir: Path, model: str) -> None:
    scores = evaluate_stg(stg_dir, stg_dir / "results" / model / "tubes.csv")
    assert scores.queries == 1600
    for name, published in zip(METRICS, PUBLISHED[model], strict=True):
        value = scores.means[name]
        assert value is not None
        assert abs(value - published) <= 0.005, (model, name, value, published)
        # Printed as the README prints them, every digit agrees.
        assert f"{value:.3f}" == f"{published:.3f}", (model, name, value)


def test_released_predictions_miss_some_queries(stg_dir: Path) -> None:
    """Vidi2 answers 1598 of 1600 queries: the two others are empty predictions."""
    scores = evaluate_stg(stg_dir, stg_dir / "results" / "vidi2" / "tubes.csv")
    assert len(scores.missing) == 2 and scores.extra == 0
    assert scores.counts["t_R"] == 1600  # an empty prediction still scores recall 0
    assert scores.counts["t_P"] == 1598  # …but has no precision
    for qid in scores.missing:
        assert scores.per_query[qid].t_R == 0.0 and scores.per_query[qid].t_P is None


def test_benchmark_folder_is_consistent(stg_dir: Path) -> None:
    bench = load_benchmark(stg_dir)
    assert len(bench.queries) == len(bench.tubes) == 1600
    assert all(q.video_id in bench.durations for q in bench.queries.values())


# -- rules, by hand ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t_ms", "second"),
    [(0, 0), (499, 0), (500, 1000), (1499, 1000), (1500, 2000), (2500, 3000), (3500, 4000)],
)
def test_quantization_rounds_half_up(t_ms: int, second: int) -> None:
    # 2500 → 3000 and 3500 → 4000: half up, not half to even.
    assert quantize_ms(t_ms) == second


def test_first_box_per_second_in_file_order(tmp_path: Path) -> None:
    csv_path = tmp_path / "tubes.csv"
    csv_path.write_text(
        "query_id,time_ms,x0,y0,x1,y1\n"
        "q,1400,0.5,0.5,0.6,0.6\n"  # first in the file: wins second 1000
        "q,1000,0.1,0.1,0.2,0.2\n"  # earlier in time but later in the file: ignored
        "q,1600,0.3,0.3,0.4,0.4\n"  # second 2000
    )
    tube = read_tubes(csv_path)["q"]
    assert tube == {1000: (0.5, 0.5, 0.6, 0.6), 2000: (0.3, 0.3, 0.4, 0.4)}


def test_boxes_are_sorted_and_clipped() -> None:
    assert clean_box(0.8, 1.2, -0.1, 0.3) == (0.0, 0.3, 0.8, 1.0)
    tube: dict[int, tuple[float, float, float, float]] = {}
    assert add_box(tube, 10, (0.9, 0.9, 0.1, 0.1))
    assert not add_box(tube, 400, (0.0, 0.0, 1.0, 1.0))  # same second, second box
    assert tube == {0: (0.1, 0.1, 0.9, 0.9)}


def test_box_iou() -> None:
    a = (0.0, 0.0, 0.5, 0.5)
    assert box_iou(a, a) == 1.0
    assert box_iou(a, (0.25, 0.0, 0.75, 0.5)) == pytest.approx(1 / 3)
    assert box_iou(a, (0.5, 0.5, 1.0, 1.0)) == 0.0  # touching corners
    assert box_iou((0.2, 0.2, 0.2, 0.4), (0.2, 0.2, 0.2, 0.4)) == 0.0  # no area at all


def test_seven_metrics_by_hand() -> None:
    a = (0.0, 0.0, 0.5, 0.5)
    gt = {0: a, 1000: a, 2000: a, 3000: a}
    pred = {2000: a, 3000: (0.25, 0.0, 0.75, 0.5), 4000: a}  # IoU 1 and 1/3
    s = score_query(gt, pred)
    iou_sum = 1 + 1 / 3
    # |G| = 4, |P| = 3, |G∩P| = 2, |G∪P| = 5
    assert s.t_P == pytest.approx(2 / 3)
    assert s.t_R == pytest.approx(2 / 4)
    assert s.t_IoU == pytest.approx(2 / 5)
    assert s.v_P == pytest.approx(iou_sum / 3)
    assert s.v_R == pytest.approx(iou_sum / 4)
    assert s.v_IoU == pytest.approx(iou_sum / 5)
    assert s.v_IoU_Int == pytest.approx(iou_sum / 2)


def test_zero_area_box_counts_as_no_box_but_holds_its_second() -> None:
    a = (0.0, 0.0, 0.5, 0.5)
    flat = (0.1, 0.1, 0.1, 0.4)
    s = score_query({0: a, 1000: a}, {0: a, 1000: flat})
    # The flat box is not a prediction: |P| = 1, |G∩P| = 1, |G∪P| = 2.
    assert (s.t_P, s.t_R, s.t_IoU) == (1.0, 0.5, 0.5)
    assert s.v_IoU_Int == 1.0
    tube: dict[int, tuple[float, float, float, float]] = {}
    add_box(tube, 1000, flat)
    assert not add_box(tube, 1200, a)  # the flat box took the second


def test_undefined_denominators() -> None:
    a = (0.0, 0.0, 0.5, 0.5)
    empty = score_query({0: a}, {})
    assert (empty.t_P, empty.v_P, empty.v_IoU_Int) == (None, None, None)
    assert (empty.t_R, empty.t_IoU, empty.v_R, empty.v_IoU) == (0.0, 0.0, 0.0, 0.0)
    disjoint = score_query({0: a}, {5000: a})
    assert disjoint.v_IoU_Int is None and disjoint.t_P == 0.0 and disjoint.v_P == 0.0


def test_means_leave_undefined_values_out() -> None:
    a = (0.0, 0.0, 0.5, 0.5)
    gt = {"hit": {0: a, 1000: a}, "unanswered": {0: a}}
    pred = {"hit": {0: a}, "stray": {0: a}}
    scores = evaluate_tubes(gt, pred)
    assert scores.means["t_P"] == 1.0  # only "hit" has a precision
    assert scores.means["t_R"] == pytest.approx((0.5 + 0.0) / 2)  # both have a recall
    assert scores.counts == {"t_P": 1, "t_R": 2, "t_IoU": 2, "v_P": 1, "v_R": 2, "v_IoU": 2,
                             "v_IoU_Int": 1}
    assert scores.missing == ("unanswered",) and scores.extra == 1
    assert scores.to_json() == {
        "t_P": 1.0, "t_R": 0.25, "t_IoU": 0.25, "v_P": 1.0, "v_R": 0.25, "v_IoU": 0.25,
        "v_IoU_Int": 1.0,
    }


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "pred.csv"
    write_tubes(out, [("q-1", 1500, 0.1, 0.2, 0.30000001, 1.0), ("q-1", 2400, 0, 0, 0.5, 0.5)])
    assert out.read_text().splitlines()[0] == "query_id,time_ms,x0,y0,x1,y1"
    assert read_tubes(out) == {"q-1": {2000: (0.1, 0.2, 0.3, 1.0)}}  # 2400 shares second 2000
    assert not (tmp_path / "pred.csv.tmp").exists()


def test_extra_columns_and_decimal_times_are_read(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text("query_id,time_ms,time_normalized,x0,y0,x1,y1\nq,1499.9,0.1,0,0,1,1\n")
    assert read_tubes(p) == {"q": {1000: (0.0, 0.0, 1.0, 1.0)}}


# -- bad files ---------------------------------------------------------------------------------


def _bench(root: Path, query: str | None = None, video: str | None = None,
           tubes: str | None = None) -> Path:
    root.mkdir(exist_ok=True)
    files = {
        "query.csv": query or "query_id,query_text,video_id\nq1,a red car,v1\n",
        "video.csv": video or "video_id,video_duration\nv1,12.5\n",
        "tubes.csv": tubes or "query_id,time_ms,time_normalized,x0,y0,x1,y1\nq1,1000,0.1,0,0,1,1\n",
    }
    for name, text in files.items():
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", r"pred\.csv: empty file"),
        ("query_id,time,x0,y0,x1,y1\n", r"pred\.csv line 1: missing column\(s\) time_ms"),
        ("query_id,time_ms,x0,y0,x1,y1\nq1,abc,0,0,1,1\n",
         r"line 2: time_ms 'abc' is not a number"),
        ("query_id,time_ms,x0,y0,x1,y1\nq1,0,0,0,1,1\nq1,9,0,nan,1,1\n",
         r"line 3: y0 must be a finite number"),
        ("query_id,time_ms,x0,y0,x1,y1\nq1,-5,0,0,1,1\n", r"line 2: time_ms must not be negative"),
        ("query_id,time_ms,x0,y0,x1,y1\nq1,0,0,0,1\n", r"line 2: 5 fields where the header has 6"),
        ("query_id,time_ms,x0,y0,x1,y1\n,0,0,0,1,1\n", r"line 2: query_id is empty"),
    ],
)
def test_bad_prediction_files(tmp_path: Path, content: str, message: str) -> None:
    bench = _bench(tmp_path / "bench")
    pred = tmp_path / "pred.csv"
    pred.write_text(content)
    with pytest.raises(EvalFileError, match=message) as info:
        evaluate_stg(bench, pred)
    assert "\n" not in str(info.value)


def test_binary_and_missing_files(tmp_path: Path) -> None:
    bench = _bench(tmp_path / "bench")
    blob = tmp_path / "blob.csv"
    blob.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(EvalFileError, match="not a UTF-8 text file"):
        evaluate_stg(bench, blob)
    with pytest.raises(EvalFileError, match=r"nope\.csv: not found"):
        evaluate_stg(bench, tmp_path / "nope.csv")
    with pytest.raises(EvalFileError, match="not a file"):
        evaluate_stg(bench, tmp_path)
    with pytest.raises(EvalFileError, match="not a folder"):
        evaluate_stg(tmp_path / "nowhere", blob)


def test_predictions_for_another_benchmark_are_refused(tmp_path: Path) -> None:
    bench = _bench(tmp_path / "bench")
    pred = tmp_path / "pred.csv"
    pred.write_text("query_id,time_ms,x0,y0,x1,y1\nzz,0,0,0,1,1\n")
    with pytest.raises(EvalFileError, match="none of its 1 query ids"):
        evaluate_stg(bench, pred)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"query": "query_id,query_text,video_id\nq1,a,v1\nq1,b,v1\n"},
         r"query\.csv line 3: query_id 'q1' appears twice"),
        ({"query": "query_id,query_text,video_id\nq1,a,v9\n"},
         r"query 'q1' names video 'v9', which video\.csv does not list"),
        ({"video": "video_id,video_duration\nv1,-3\n"},
         r"video\.csv line 2: video_duration must be positive"),
        ({"tubes": "query_id,time_ms,x0,y0,x1,y1\nq7,0,0,0,1,1\n"},
         r"tubes\.csv: 1 query id\(s\) not in query\.csv, e\.g\. 'q7'"),
        ({"tubes": "query_id,time_ms,x0,y0,x1,y1\n"}, r"tubes\.csv: no ground-truth boxes"),
    ],
)
def test_bad_benchmark_folders(tmp_path: Path, files: dict[str, str], message: str) -> None:
    bench = _bench(tmp_path / "bench", **files)
    with pytest.raises(EvalFileError, match=message):
        load_benchmark(bench)


def test_benchmark_folder_without_query_csv(tmp_path: Path) -> None:
    bench = _bench(tmp_path / "bench")
    (bench / "query.csv").unlink()
    with pytest.raises(EvalFileError, match=r"query\.csv: not found"):
        load_benchmark(bench)
