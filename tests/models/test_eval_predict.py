"""``eval predict``: a real backend over VUE-style queries on generated videos, then scored.

:class:`ColourFinder` implements the backend protocol for real: it decodes the video with
PyAV and boxes the pixels of the colour named in the request. The clips are made here with
known content (a red square from 1 s to 3 s, a blue one from 3.5 s to 4.5 s), so predictions
and their scores are known in advance.
"""

from __future__ import annotations

import json
import threading
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vidi_desktop.core.errors import CancelledError
from vidi_desktop.core.progress import ProgressFn, check_cancel
from vidi_desktop.core.project import (
    Answer,
    Box,
    CutRange,
    HighlightClip,
    ObjectTube,
    SceneBoundary,
    Suggestion,
)
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.models.eval import EvalFileError
from vidi_desktop.models.eval.predict import (
    answer_ranges,
    find_videos,
    predict_stg,
    predict_tr,
    read_stg_queries,
    read_tr_queries,
    tube_ranges_ms,
    tube_rows,
)
from vidi_desktop.models.eval.vue_stg import evaluate_stg, read_tubes
from vidi_desktop.models.eval.vue_tr import evaluate_tr
from vidi_desktop.models.protocol import (
    Backend,
    BackendError,
    Capabilities,
    NotSupportedError,
    Request,
)

COLOURS = {"red": (220, 30, 30), "green": (30, 200, 30), "blue": (30, 30, 220)}
W, H, RATE, FRAMES = 160, 120, 10, 50
RED = (40, 30, 80, 70)  # pixel box x0, y0, x1, y1 (exclusive), frames 10–29 (1.0–2.9 s)
BLUE = (100, 60, 140, 100)  # frames 35–44 (3.5–4.4 s)
VIDEO_ID = "-kXv_9Qz1a"  # YouTube ids may start with a dash


class ColourFinder:
    """Boxes the pixels of the colour the request names, in every frame (a real backend)."""

    def __init__(
        self,
        spatial: bool = True,
        temporal: bool = True,
        answer_as: str = "tube",
        fail_on: str | None = None,
        journal: list[str] | None = None,
        ctrl_c_on: str | None = None,
    ):
        self.name = "colour-finder"
        self.spatial, self.temporal = spatial, temporal
        self.answer_as = answer_as
        self.fail_on = fail_on
        self.ctrl_c_on = ctrl_c_on  # the user presses Ctrl-C during this query
        self.journal = journal if journal is not None else []
        self.tasks: list[object] = []  # options["task"] of each request, in order
        self.loaded = False

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(self.name, temporal=self.temporal, spatial=self.spatial)

    def load(self, progress: ProgressFn, cancel: threading.Event) -> None:
        self.journal.append("load")
        self.loaded = True

    def run(
        self, request: Request, progress: ProgressFn, cancel: threading.Event
    ) -> list[Suggestion]:
        import av

        assert self.loaded, "run before load"
        check_cancel(cancel)
        self.journal.append(f"run {request.text}")
        self.tasks.append(request.options.get("task"))
        if self.fail_on and self.fail_on in request.text:
            raise RuntimeError("boom")
        if self.ctrl_c_on and self.ctrl_c_on in request.text:
            raise KeyboardInterrupt
        colour = next((c for c in COLOURS if c in request.text), None)
        if colour is None:
            raise BackendError(f"no colour in {request.text!r}")
        ref = request.assets[0]
        target = np.array(COLOURS[colour], dtype=np.int16)
        boxes = []
        with av.open(ref.path) as container:
            for frame in container.decode(video=0):
                img = frame.to_ndarray(format="rgb24").astype(np.int16)
                ys, xs = np.nonzero(np.all(np.abs(img - target) < 60, axis=2))
                if len(xs) > 20:
                    h, w = img.shape[:2]
                    t_ms = round(frame.time * 1000)
                    boxes.append(
                        Box.clamped(
                            t_ms, xs.min() / w, ys.min() / h, (xs.max() + 1) / w, (ys.max() + 1) / h
                        )
                    )
        if not boxes:
            return []
        if self.answer_as == "answer":
            seen = TimeRange.from_start_end(
                Time(boxes[0].t_ms, Fraction(1, 1000)),
                Time(boxes[-1].t_ms + 100, Fraction(1, 1000)),
            )
            payload: Any = Answer(f"the {colour} square", (seen,))
        else:
            payload = ObjectTube(request.text, tuple(boxes))
        return [Suggestion.new(ref.asset_id, payload, self.name, confidence=0.9)]

    def unload(self) -> None:
        self.journal.append("unload")
        self.loaded = False


def _square_clip(n: int) -> np.ndarray:
    img = np.full((H, W, 3), 128, np.uint8)
    if 10 <= n <= 29:
        x0, y0, x1, y1 = RED
        img[y0:y1, x0:x1] = COLOURS["red"]
    if 35 <= n <= 44:
        x0, y0, x1, y1 = BLUE
        img[y0:y1, x0:x1] = COLOURS["blue"]
    return img


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from vidi_desktop.media.synth import write_clip

    folder = tmp_path_factory.mktemp("videos")
    write_clip(
        folder / f"{VIDEO_ID}.mp4",
        frames=FRAMES,
        rate=RATE,
        size=(W, H),
        picture=_square_clip,
        stamp=False,
        crf=18,
    )
    (folder / "notes.txt").write_text("not a video")
    return folder


def _norm(box: tuple[int, int, int, int]) -> tuple[float, float, float, float]:
    return (box[0] / W, box[1] / H, box[2] / W, box[3] / H)


@pytest.fixture
def stg_bench(tmp_path: Path) -> Path:
    bench = tmp_path / "stg"
    bench.mkdir()
    (bench / "query.csv").write_text(
        "query_id,query_text,video_id\n"
        f"q-red,the red square,{VIDEO_ID}\n"
        f'q-blue,"the blue square, lower right",{VIDEO_ID}\n'
        "q-gone,the red square,not-downloaded\n"
        f"q-green,the green square,{VIDEO_ID}\n"
    )
    (bench / "video.csv").write_text(
        f"video_id,video_duration\n{VIDEO_ID},5.0\nnot-downloaded,60\n"
    )
    red, blue = _norm(RED), _norm(BLUE)
    rows = [f"q-red,{t},0,{','.join(map(str, red))}" for t in (1000, 2000, 3000)]
    rows.append(f"q-blue,4000,0,{','.join(map(str, blue))}")
    rows += ["q-gone,1000,0,0.1,0.1,0.2,0.2", "q-green,1000,0,0.1,0.1,0.2,0.2"]
    (bench / "tubes.csv").write_text(
        "query_id,time_ms,time_normalized,x0,y0,x1,y1\n" + "\n".join(rows) + "\n"
    )
    return bench


def test_the_test_backend_speaks_the_protocol() -> None:
    assert isinstance(ColourFinder(), Backend)


def test_predict_stg_end_to_end(videos: Path, stg_bench: Path, tmp_path: Path) -> None:
    journal: list[str] = []
    out = tmp_path / "tubes.csv"
    finder = ColourFinder(journal=journal)
    report = predict_stg(finder, read_stg_queries(stg_bench), videos, out)

    assert report.answered == ["q-red", "q-blue", "q-green"]
    assert finder.tasks == ["grounding"] * 3  # every STG query asks for an object tube
    assert report.empty == ["q-green"]  # nothing green in the clip
    assert report.skipped == ["q-gone"] and list(report.missing_videos) == ["not-downloaded"]
    assert report.failed == {}
    assert journal[0] == "load" and journal[-1] == "unload" and journal.count("load") == 1

    tubes = read_tubes(out)
    assert sorted(tubes["q-red"]) == [1000, 2000, 3000]  # 1.0–1.4 s, 1.5–2.4 s, 2.5–2.9 s
    assert sorted(tubes["q-blue"]) == [4000]
    lines = out.read_text().splitlines()
    assert lines[0] == "query_id,time_ms,x0,y0,x1,y1"
    assert len(lines) == 1 + 20 + 10  # every detected frame of both squares

    scores = evaluate_stg(stg_bench, out)
    red = scores.per_query["q-red"]
    assert (red.t_P, red.t_R, red.t_IoU) == (1.0, 1.0, 1.0)
    assert red.v_IoU is not None and red.v_IoU > 0.9  # H.264 blurs an edge pixel at most
    assert scores.per_query["q-blue"].t_IoU == 1.0
    assert scores.missing == ("q-gone", "q-green")  # skipped and empty: no rows either way
    assert report.summary_lines() == [
        f"VUE-STG: 3 of 4 queries answered (1 with nothing found) → {out}",
        "  1 video(s) missing or unreadable (not-downloaded): 1 queries skipped",
    ]


def test_predict_tr_end_to_end(videos: Path, tmp_path: Path) -> None:
    gt = tmp_path / "gt.json"
    base = {
        "duration": 5.0,
        "duration_category": "ultra-short",
        "query_format": "phrase",
        "query_modality": "vision",
    }
    gt.write_text(
        json.dumps(
            [
                dict(base, query_id=0, video_id=VIDEO_ID, query="the red square", gt=[[1, 3]]),
                dict(base, query_id=1, video_id=VIDEO_ID, query="the blue square", gt=[[3, 5]]),
                dict(
                    base, query_id=2, video_id="not-downloaded", query="the red square", gt=[[0, 9]]
                ),
            ]
        )
    )
    out = tmp_path / "results.json"
    finder = ColourFinder()
    report = predict_tr(finder, read_tr_queries(gt), videos, out)
    assert report.answered == ["0", "1"] and report.skipped == ["2"]
    assert finder.tasks == ["temporal", "temporal"]

    items = json.loads(out.read_text())
    assert [i["query_id"] for i in items] == [0, 1]  # the ids keep their JSON type
    assert items[0]["video_id"] == VIDEO_ID and items[0]["duration"] == 5.0
    # A box every 100 ms from 1.0 s to 2.9 s: seen from 1.0 s until 3.0 s.
    assert items[0]["answer"] == [[1.0, 3.0]]
    assert items[1]["answer"] == [[3.5, 4.5]]

    scores = evaluate_tr(gt, out)
    assert scores.missing == ("2",)
    per_query_iou = scores.groups["overall"].iou
    assert per_query_iou is not None
    # IoU 1 and 1 (3.5–4.5 widens to 3–5) and 0 for the missing one: (0.995 + 0.995) / 3.
    assert float(per_query_iou) == pytest.approx(2 * 0.995 / 3)


def test_predict_tr_from_answer_ranges(videos: Path, tmp_path: Path) -> None:
    gt = tmp_path / "queries.json"  # a bare query list: no gt needed to predict
    gt.write_text(json.dumps([{"query_id": "a", "video_id": VIDEO_ID, "query": "red?"}]))
    out = tmp_path / "results.json"
    predict_tr(ColourFinder(answer_as="answer"), read_tr_queries(gt), videos, out)
    assert json.loads(out.read_text())[0]["answer"] == [[1.0, 3.0]]


def test_one_failing_query_does_not_lose_the_others(
    videos: Path, stg_bench: Path, tmp_path: Path
) -> None:
    out = tmp_path / "tubes.csv"
    report = predict_stg(ColourFinder(fail_on="blue"), read_stg_queries(stg_bench), videos, out)
    assert report.failed == {"q-blue": "RuntimeError: boom"}
    assert report.answered == ["q-red", "q-green"]
    assert set(read_tubes(out)) == {"q-red"}
    assert any("1 queries failed" in line for line in report.summary_lines())


def test_a_backend_failing_everything_writes_nothing(
    videos: Path, stg_bench: Path, tmp_path: Path
) -> None:
    out = tmp_path / "tubes.csv"
    message = r"failed on all 3 queries it ran, e\.g\. q-red: RuntimeError: boom"
    with pytest.raises(BackendError, match=message):
        predict_stg(ColourFinder(fail_on="square"), read_stg_queries(stg_bench), videos, out)
    assert not out.exists()


def test_backend_without_the_capability_is_refused_before_loading(
    videos: Path, stg_bench: Path, tmp_path: Path
) -> None:
    journal: list[str] = []
    with pytest.raises(NotSupportedError, match="no spatial grounding"):
        predict_stg(
            ColourFinder(spatial=False, journal=journal),
            read_stg_queries(stg_bench),
            videos,
            tmp_path / "t.csv",
        )
    assert journal == []
    with pytest.raises(NotSupportedError, match="no temporal grounding"):
        predict_tr(ColourFinder(temporal=False), [], videos, tmp_path / "r.json")


def test_cancel_stops_and_unloads(videos: Path, stg_bench: Path, tmp_path: Path) -> None:
    journal: list[str] = []
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(CancelledError):
        predict_stg(
            ColourFinder(journal=journal),
            read_stg_queries(stg_bench),
            videos,
            tmp_path / "t.csv",
            cancel=cancel,
        )
    assert journal == ["load", "unload"]


def test_interrupted_run_keeps_the_answers_so_far(
    videos: Path, stg_bench: Path, tmp_path: Path
) -> None:
    journal: list[str] = []
    out = tmp_path / "tubes.csv"
    with pytest.raises(KeyboardInterrupt):
        predict_stg(ColourFinder(journal=journal, ctrl_c_on="blue"),
                    read_stg_queries(stg_bench), videos, out)
    assert journal[-1] == "unload"
    assert set(read_tubes(out)) == {"q-red"}  # answered before the interruption


def test_unreadable_videos_only_is_an_error(stg_bench: Path, tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / f"{VIDEO_ID}.mp4").write_bytes(b"\x00" * 100)
    with pytest.raises(EvalFileError, match=f"no video could be read, e.g. {VIDEO_ID}: "):
        predict_stg(ColourFinder(), read_stg_queries(stg_bench), folder, tmp_path / "t.csv")
    assert not (tmp_path / "t.csv").exists()
    with pytest.raises(EvalFileError, match="the query list is empty"):
        predict_stg(ColourFinder(), [], folder, tmp_path / "t.csv")


def test_no_video_found_is_an_error(stg_bench: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(EvalFileError, match="none of the 2 videos the queries need is there"):
        predict_stg(ColourFinder(), read_stg_queries(stg_bench), empty, tmp_path / "t.csv")
    with pytest.raises(EvalFileError, match="not a folder of videos"):
        predict_stg(
            ColourFinder(), read_stg_queries(stg_bench), tmp_path / "nope", tmp_path / "t.csv"
        )
    with pytest.raises(EvalFileError, match="folder does not exist"):
        predict_stg(ColourFinder(), read_stg_queries(stg_bench), empty, tmp_path / "no" / "t.csv")


def test_unreadable_video_is_skipped_like_a_missing_one(
    videos: Path, stg_bench: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "v"
    folder.mkdir()
    (folder / f"{VIDEO_ID}.mp4").symlink_to(videos / f"{VIDEO_ID}.mp4")
    (folder / "not-downloaded.mp4").write_bytes(b"half a download")
    report = predict_stg(ColourFinder(), read_stg_queries(stg_bench), folder, tmp_path / "t.csv")
    assert report.skipped == ["q-gone"]
    assert "not-downloaded" in report.missing_videos
    assert str(folder / "not-downloaded.mp4") in report.missing_videos["not-downloaded"]


def test_find_videos_by_id(tmp_path: Path) -> None:
    for name in ("-a_1.mkv", "-a_1.mp4", "b.webm", "c.txt", "d.MOV"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "e.mp4").mkdir()
    found = find_videos(tmp_path, ["-a_1", "b", "c", "d", "e", "f"])
    assert found == {
        "-a_1": tmp_path / "-a_1.mp4",
        "b": tmp_path / "b.webm",
        "d": tmp_path / "d.MOV",
    }


# -- suggestions → predictions, by hand --------------------------------------------------------


def _tube(times: list[int], x0: float = 0.1) -> ObjectTube:
    return ObjectTube("thing", tuple(Box(t, x0, 0.1, x0 + 0.2, 0.3) for t in times))


def _ms_range(a: int, b: int) -> TimeRange:
    return TimeRange.from_start_end(Time(a, Fraction(1, 1000)), Time(b, Fraction(1, 1000)))


def test_tube_rows_best_tube_first_others_fill_gaps() -> None:
    weak = Suggestion.new("v", _tube([0, 1000, 2000], x0=0.5), "m", confidence=0.4)
    strong = Suggestion.new("v", _tube([1200, 1400, 3000], x0=0.1), "m", confidence=0.9)
    unrated = Suggestion.new("v", _tube([5000], x0=0.7), "m")
    noise = Suggestion.new("v", Answer("no box here"), "m")
    rows = tube_rows("q", [weak, noise, unrated, strong])
    assert [(r[1], r[2]) for r in rows] == [
        (0, 0.5),  # only the weak tube saw second 0
        (1200, 0.1),
        (1400, 0.1),  # second 1000 belongs to the strong tube, all its boxes
        (2000, 0.5),
        (3000, 0.1),
        (5000, 0.7),
    ]
    shifted = tube_rows("q", [strong], start_ms=1300)
    assert [r[1] for r in shifted] == [100, 1700]  # 1200 ms is before the video starts


def test_tube_visible_ranges_use_the_sampling_step() -> None:
    assert tube_ranges_ms(_tube([0, 500, 1000, 3000])) == [(0, 1500), (3000, 3500)]
    assert tube_ranges_ms(_tube([2000])) == [(2000, 3000)]  # a lone box: one second


def test_answer_ranges_from_every_kind_that_has_one() -> None:
    suggestions = [
        Suggestion.new("v", Answer("there", (_ms_range(1000, 2000), _ms_range(5000, 6000))), "m"),
        Suggestion.new("v", CutRange(_ms_range(2000, 3000), "keep"), "m"),
        Suggestion.new("v", HighlightClip(_ms_range(10000, 12346)), "m"),
        Suggestion.new("v", _tube([20000, 21000]), "m"),
        Suggestion.new("v", SceneBoundary(Time(4, 1), "dissolve", Time(1, 1)), "m"),  # ignored
    ]
    assert answer_ranges(suggestions) == [[1.0, 3.0], [5.0, 6.0], [10.0, 12.346], [20.0, 22.0]]
    assert answer_ranges(suggestions, start=Fraction(11)) == [[0.0, 1.346], [9.0, 11.0]]
    assert answer_ranges([]) == []
