"""Vidi's answers → fractions → exact frame-snapped ranges.

The answer shapes come from ByteDance's own inference scripts (``Vidi_7B/inference.py``
reads ``([\\d|\\.]+)-([\\d|\\.]+)``, ``Vidi1.5_9B/vidi/eval/inference.py`` reads
``(\\d\\.\\d+)-(\\d\\.\\d+)``, both joined by ", " and multiplied by the video length): comma-
separated ranges of fractions of the duration. The Vidi-7B prompt asks for "the time range
in percentage", so percentages are accepted too.
"""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from vidi_desktop.core.project import AssetFacts
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.models.vidi.parse import parse_ranges
from vidi_desktop.models.vidi.ranges import FrameGrid, to_ranges


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # What the released checkpoints write: one or several fraction ranges.
        ("0.12-0.34", [(F(12, 100), F(34, 100))]),
        ("0.00-1.00", [(F(0), F(1))]),
        ("0.12-0.34, 0.56-0.61", [(F(12, 100), F(34, 100)), (F(56, 100), F(61, 100))]),
        ("0.1-0.2,0.3-0.4, 0.5-0.6", [(F(1, 10), F(2, 10)), (F(3, 10), F(4, 10)),
                                      (F(5, 10), F(6, 10))]),
        ("0.125-0.25.", [(F(1, 8), F(1, 4))]),
        # Percentages, as the Vidi-7B prompt words it.
        ("12%-34%", [(F(12, 100), F(34, 100))]),
        ("12% - 34%, 50%-75%", [(F(12, 100), F(34, 100)), (F(1, 2), F(3, 4))]),
        ("12-34%", [(F(12, 100), F(34, 100))]),
        ("12-34", [(F(12, 100), F(34, 100))]),
        # Other separators and brackets seen from video LLMs.
        ("from 0.2 to 0.4", [(F(1, 5), F(2, 5))]),
        ("0.2–0.4 and 0.6—0.8", [(F(1, 5), F(2, 5)), (F(3, 5), F(4, 5))]),
        ("[[0.1, 0.2], [0.3, 0.4]]", [(F(1, 10), F(1, 5)), (F(3, 10), F(2, 5))]),
        ("(0.5,0.75)", [(F(1, 2), F(3, 4))]),
        # Reversed, overshooting, duplicated.
        ("0.5-0.2", [(F(1, 5), F(1, 2))]),
        ("0.9-1.2", [(F(9, 10), F(1))]),
        ("0.1-0.2, 0.1-0.2", [(F(1, 10), F(1, 5))]),
    ],
)
def test_answer_shapes(text: str, expected: list[tuple[F, F]]) -> None:
    assert parse_ranges(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "I cannot find that in the video.",
        "Vidi1.5-9B",  # a model name is not a range
        "released 2025-08-29",  # nor is a date
        "150-300",  # seconds or frames: not what Vidi is asked for
        "v1.5-2.5",  # glued to a word
        "--..--%%",
        "0.1-",
        "-0.2",
        "\x00\xff\ufffd 0.x-0.y",
        "9" * 5000 + "-" + "9" * 5000,
        "1.0-1.0",
    ],
)
def test_garbage_gives_nothing(text: str) -> None:
    assert parse_ranges(text) == []


@pytest.mark.parametrize("value", [None, 12, 0.5, b"0.1-0.2", ["0.1-0.2"], {"a": 1}])
def test_non_text_never_raises(value: object) -> None:
    assert parse_ranges(value) == []


def test_clock_times_need_the_duration() -> None:
    assert parse_ranges("00:00:05-00:00:10") == []
    assert parse_ranges("00:00:05-00:00:10", duration=20) == [(F(1, 4), F(1, 2))]
    assert parse_ranges("1:05.5-1:10", duration=F(130)) == [(F(131, 260), F(70, 130))]
    assert parse_ranges("00:00:05-00:00:10", duration=float("nan")) == []


def test_mixed_text_keeps_model_order() -> None:
    text = "The onion is sliced at 0.62-0.70 and again at 0.10-0.18."
    assert parse_ranges(text) == [(F(62, 100), F(70, 100)), (F(10, 100), F(18, 100))]


def test_huge_answer_is_bounded() -> None:
    text = "0.1-0.2, " * 50_000  # a runaway generation
    assert parse_ranges(text) == [(F(1, 10), F(1, 5))]


# -- fractions → exact ranges ----------------------------------------------------------------
def frames(first: int, end: int, rate: F) -> TimeRange:
    return TimeRange.from_frames(first, end, rate)


def test_fractions_snap_to_the_frame_grid() -> None:
    grid = FrameGrid(start=F(0), duration=F(10), rate=F(25))
    # 0.12 × 10 s = 1.2 s = frame 30; 0.341 × 10 = 3.41 s = frame 85.25 → 85.
    assert to_ranges([(F(12, 100), F(341, 1000))], grid) == [frames(30, 85, F(25))]


def test_ntsc_rate_is_exact() -> None:
    rate = F(30000, 1001)
    grid = FrameGrid(start=F(0), duration=F(1001, 100), rate=rate)  # 300 frames
    (r,) = to_ranges([(F(1, 2), F(1))], grid)
    assert r == frames(150, 300, rate)
    assert r.time_base == F(1001, 30000)
    assert r.end_exclusive.seconds == F(1001, 100)


def test_half_frame_rounds_up_and_end_is_clamped() -> None:
    grid = FrameGrid(start=F(0), duration=F(1), rate=F(10), frames=10)
    # 0.05 s is half a frame: to frame 1; 1.0 is the end of the last frame.
    assert to_ranges([(F(1, 20), F(1))], grid) == [frames(1, 10, F(10))]


def test_a_range_never_collapses() -> None:
    grid = FrameGrid(start=F(0), duration=F(10), rate=F(25))
    assert to_ranges([(F(1, 2), F(1, 2))], grid) == [frames(125, 126, F(25))]
    # At the very end: the last frame.
    assert to_ranges([(F(1), F(1))], grid) == [frames(249, 250, F(25))]


def test_start_offset_and_video_origin() -> None:
    info = {
        "start_time_exact": "1/1",
        "video": {"start_pts": 1000, "time_base": "1/1000", "frames": 250},
    }
    grid = FrameGrid.for_asset(F(10), F(25), AssetFacts.from_info(info))
    (r,) = to_ranges([(F(0), F(1, 10))], grid)
    assert r.start.seconds == F(1) and r.end_exclusive.seconds == F(2)
    assert r.duration.seconds * 25 == 25  # whole frames


def test_variable_rate_snaps_to_milliseconds() -> None:
    grid = FrameGrid(start=F(0), duration=F(12345, 1000), rate=None)
    (r,) = to_ranges([(F(1, 3), F(2, 3))], grid)
    assert r == TimeRange(Time(4115, F(1, 1000)), Time(4115, F(1, 1000)))


def test_duplicates_after_snapping_are_dropped() -> None:
    grid = FrameGrid(start=F(0), duration=F(1), rate=F(10))
    assert len(to_ranges([(F(10, 100), F(20, 100)), (F(101, 1000), F(201, 1000))], grid)) == 1
