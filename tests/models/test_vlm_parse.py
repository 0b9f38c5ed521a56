"""The VLM output parser, task rules and answer → suggestion conversion (no model needed)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vidi_desktop.core.frame_index import FrameIndex
from vidi_desktop.core.project import Answer, Chapter, CutRange, HighlightClip, ObjectTube
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.models.vlm.dialects import QWEN2_5_VL, QWEN3_VL, dialect_for
from vidi_desktop.models.vlm.parse import (
    RawBox,
    clock_seconds,
    parse_boxes,
    parse_spans,
    strip_markup,
)
from vidi_desktop.models.vlm.results import Context, snap, to_suggestions
from vidi_desktop.models.vlm.sampling import FrameSample, plan_samples
from vidi_desktop.models.vlm.tasks import Task, UnknownTaskError, choose_task, subject

F = Fraction


def spans(text: str, rate: Fraction | None = None) -> list[tuple[Fraction, Fraction | None]]:
    return [(s.start, s.end) for s in parse_spans(text, rate)]


# -- times and ranges -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<1.0 seconds> to <2.0 seconds>", [(F(1), F(2))]),
        ("The car is there from <12.5 seconds> - <18.0 seconds>.", [(F(25, 2), F(18))]),
        ("12.5-18 seconds", [(F(25, 2), F(18))]),
        ("12.5 – 18.25s", [(F(25, 2), F(73, 4))]),
        ("from 00:01:02 to 00:01:10", [(F(62), F(70))]),
        ("between 5 and 7 seconds", [(F(5), F(7))]),
        ("from 5 to 10.", [(F(5), F(10))]),
        ("00:01:02", [(F(62), None)]),
        ("at 1:02:03.5", [(F(7447, 2), None)]),
        ("it starts at 3 seconds", [(F(3), None)]),
        ("1.5 minutes to 2 minutes", [(F(90), F(120))]),
        ("500ms - 1500 ms", [(F(1, 2), F(3, 2))]),
        ("12.5-18, 30-35", [(F(25, 2), F(18)), (F(30), F(35))]),
        (
            "First <1.0 seconds> - <2.0 seconds>, then <5.5 seconds> to <7.0 seconds>",
            [(F(1), F(2)), (F(11, 2), F(7))],
        ),
        ('```json\n[{"start": 1.0, "end": 2.5}, {"start": 3, "end": 4}]\n```',
         [(F(1), F(5, 2)), (F(3), F(4))]),
        ('{"timestamps": [[1, 2], [3, 4]]}', [(F(1), F(2)), (F(3), F(4))]),
        ('[{"time": "12.5-18 seconds"}]', [(F(25, 2), F(18))]),
        ('{"start": "<3.0 seconds>", "end": "<4.0 seconds>"}', [(F(3), F(4))]),
        ("{'start': 1, 'end': 2,}", [(F(1), F(2))]),  # Python quotes, trailing comma
        ("```json\n[[0.1, 0.2]]", [(F(1, 10), F(1, 5))]),  # an unclosed fence
    ],
)
def test_time_ranges_in_the_shapes_models_write(text: str, expected: list) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "There are 2 cars and 3 people.",
        "The answer is 42.",
        "none",
        "",
        '{"bbox_2d": [10, 20, 30, 40], "time": 1.0}',  # a box's time is not a range
        "v1.2.3-4",
    ],
)
def test_no_time_where_there_is_none(text: str) -> None:
    assert spans(text) == []


def test_timecode_frames_count_only_with_a_known_rate() -> None:
    assert clock_seconds("00:00:01:12", Fraction(25)) == F(37, 25)
    assert clock_seconds("00:00:01:12") == F(1)
    assert clock_seconds("00:61") is None  # not a clock
    assert clock_seconds("00:00:02,500") == F(5, 2)  # SRT style


def test_labels_are_the_words_on_the_line() -> None:
    found = parse_spans("00:00-00:15 Intro\n00:15-00:40 The chase\n00:40 - 01:02: Ending")
    assert [(s.start, s.end, s.label) for s in found] == [
        (F(0), F(15), "Intro"),
        (F(15), F(40), "The chase"),
        (F(40), F(62), "Ending"),
    ]
    assert [s.label for s in parse_spans("1. Intro: 0:00-0:15\n2. Chase: 0:15-0:40")] == [
        "Intro",
        "Chase",
    ]


# -- boxes -------------------------------------------------------------------------------


def test_boxes_in_json_with_times_and_labels() -> None:
    text = (
        '```json\n[{"time": 1.0, "bbox_2d": [100, 200, 300, 400], "label": "car"},\n'
        ' {"time": "<2.0 seconds>", "bbox_2d": [[110, 210], [310, 410]]}]\n```'
    )
    assert parse_boxes(text) == [
        RawBox(F(1), (100.0, 200.0, 300.0, 400.0), "car"),
        RawBox(F(2), (110.0, 210.0, 310.0, 410.0), ""),
    ]


def test_boxes_keyed_by_time_and_in_plain_text() -> None:
    assert parse_boxes('{"<1.0 seconds>": [1, 2, 3, 4]}') == [RawBox(F(1), (1, 2, 3, 4))]
    text = "At <1.0 seconds> it is at [100, 200, 300, 400]; at <2.0 seconds> (5,6),(7,8)"
    assert parse_boxes(text) == [
        RawBox(F(1), (100.0, 200.0, 300.0, 400.0)),
        RawBox(F(2), (5.0, 6.0, 7.0, 8.0)),
    ]
    assert parse_boxes("[1, 2, 3, 4]") == [RawBox(None, (1.0, 2.0, 3.0, 4.0))]


def test_strip_markup() -> None:
    assert strip_markup("```json\n[1]\n```<|im_end|>") == "[1]"


# -- never raises ---------------------------------------------------------------------------

_FRAGMENTS = st.sampled_from(
    [
        "<", ">", "<1.5 seconds>", " seconds", "s", "-", " to ", " and ", "between ", "from ",
        ":", "00:01:02", "99:99:99:99", "1:2", ".", ",", "```", "```json\n", "{", "}", "[", "]",
        '"', "'", '"start"', '"end"', '"time"', '"bbox_2d"', "[1, 2, 3, 4]", "[[1,2],[3,4]]",
        "1e999", "-5", "NaN", "Infinity", "null", "True", "\n", "\u00a0", "12.5", "9" * 30,
        "<|im_end|>", "\\", "minutes", "ms",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), st.lists(_FRAGMENTS, max_size=40).map("".join)))
def test_arbitrary_text_never_raises(text: str) -> None:
    for rate in (None, Fraction(30000, 1001)):
        for span in parse_spans(text, rate):
            assert span.start >= 0 and (span.end is None or span.end >= 0)
        for box in parse_boxes(text, rate):
            assert len(box.coords) == 4
    strip_markup(text)
    choose_task(text or "x")
    subject(text or "x")


@settings(max_examples=150, deadline=None)
@given(
    st.lists(_FRAGMENTS, max_size=40).map("".join),
    st.sampled_from(list(Task)),
    st.sampled_from([QWEN3_VL, QWEN2_5_VL]),
)
def test_arbitrary_answers_make_valid_suggestions(text: str, task: Task, dialect) -> None:
    ctx = context(task=task, dialect=dialect)
    out = to_suggestions(text, ctx)
    assert out, "an answer always comes back as something the editor sees"
    bounds = ctx.sample.bounds
    for s in out:
        extent = s.extent()
        if extent is not None and not isinstance(s.payload, ObjectTube):
            assert bounds.start <= extent.start and extent.end_exclusive <= bounds.end_exclusive


# -- answers → suggestions ---------------------------------------------------------------------

NTSC = Fraction(30000, 1001)


def sample_of(
    frames: int = 300,
    rate: Fraction = NTSC,
    window: TimeRange | None = None,
    fps: float = 1.0,
    max_frames: int = 32,
    size: tuple[int, int] = (448, 252),
) -> FrameSample:
    """A FrameSample over a constant-rate frame table (pictures are blank: not looked at)."""
    tb = Fraction(1, 30000) if rate == NTSC else 1 / rate
    step = int((1 / rate) / tb)
    index = FrameIndex(tuple(i * step for i in range(frames)), tb)
    clip = TimeRange(Time(0, tb), Time(frames * step, tb))
    bounds, interval, picked = plan_samples(index, clip, window, fps, max_frames)
    img = np.zeros((size[1], size[0], 3), np.uint8)
    return FrameSample(
        tuple(img for _ in picked),
        tuple(picked),
        tuple(index.time_of(n) for n in picked),
        index,
        clip,
        bounds,
        interval,
    )


def context(
    task: Task = Task.TEMPORAL,
    dialect=QWEN3_VL,
    sample: FrameSample | None = None,
    input_size: tuple[int, int] = (448, 252),
) -> Context:
    return Context(
        task=task,
        dialect=dialect,
        sample=sample or sample_of(),
        asset_id="asset1",
        request="the red car turns",
        subject="the red car",
        source="qwen-vl:Tiny",
        input_size=input_size,
    )


def test_ranges_snap_to_frames_exactly_at_ntsc() -> None:
    # Qwen2.5-VL's times are continuous (no step labels): they snap to the nearest frame.
    ctx = context(dialect=QWEN2_5_VL)
    (s,) = to_suggestions("<1.0 seconds> to <2.0 seconds>", ctx)
    assert isinstance(s.payload, CutRange) and s.payload.action == "keep"
    r = s.payload.range
    # 1.0 s lies between frames 29 (0.9676 s) and 30 (1.001 s): the nearer is frame 30.
    assert r.start == Time(30, Fraction(1001, 30000))
    assert r.end_exclusive == Time(60, Fraction(1001, 30000))
    assert s.source == "qwen-vl:Tiny" and s.request == "the red car turns"
    assert s.asset_id == "asset1"


def test_nonsense_ranges_are_dropped_and_the_rest_clamped() -> None:
    ctx = context()  # 300 frames at 29.97: 10.01 s
    out = to_suggestions("<5 seconds> to <3 seconds>\n<20 seconds> to <30 seconds>\n"
                         "<9 seconds> to <50 seconds>", ctx)
    # 9 s is nearest the step labelled 8.5 s (frames at 8 s and 9 s): it starts at the
    # frame on screen at 8 s, 239; 50 s is past the end: the range runs to the clip's end.
    assert [s.payload.range.start.to_frame(NTSC, "round") for s in out] == [239]
    assert out[0].payload.range.end_exclusive == ctx.sample.clip.end_exclusive


def test_an_instant_lasts_one_step_or_one_sampling_interval() -> None:
    sample = sample_of(frames=300, rate=Fraction(25), fps=1.0)
    # Qwen3-VL saw frames 4 s and 5 s as one step (labelled 4.5 s): the instant is both.
    (s,) = to_suggestions("It happens at <4.5 seconds>.", context(sample=sample))
    assert s.payload.range == TimeRange(Time(100, Fraction(1, 25)), Time(50, Fraction(1, 25)))
    (s,) = to_suggestions("It happens at 4.0 seconds.", context(dialect=QWEN2_5_VL, sample=sample))
    assert s.payload.range == TimeRange(Time(100, Fraction(1, 25)), Time(25, Fraction(1, 25)))


def test_a_window_bounds_the_answers() -> None:
    rate = Fraction(25)
    window = TimeRange(Time(4, 1), Time(4, 1))  # 4 s – 8 s
    ctx = context(sample=sample_of(frames=300, rate=rate, window=window))
    out = to_suggestions("<1.0 seconds> to <5.0 seconds>\n<6 seconds> to <7 seconds>", ctx)
    # Steps of the window: 4+5 s (labelled 4.5) and 6+7 s (6.5); a time before the window
    # takes its first step.
    assert [(s.payload.range.start.seconds, s.payload.range.end_exclusive.seconds)
            for s in out] == [(4, 6), (6, 8)]


def test_qwen2_5_times_count_from_the_first_frame() -> None:
    rate = Fraction(25)
    window = TimeRange(Time(4, 1), Time(4, 1))
    ctx = context(dialect=QWEN2_5_VL, sample=sample_of(frames=300, rate=rate, window=window))
    assert ctx.sample.times[0].seconds == 4
    (s,) = to_suggestions("0.6 - 1.4 seconds", ctx)
    assert (s.payload.range.start.seconds, s.payload.range.end_exclusive.seconds) == (
        F(46, 10), F(54, 10)
    )


def test_highlights_and_chapters() -> None:
    out = to_suggestions("<0 seconds> - <2 seconds>: The jump", context(task=Task.HIGHLIGHTS))
    assert isinstance(out[0].payload, HighlightClip) and out[0].payload.title == "The jump"
    text = "<0.0 seconds>: Intro\n<4.0 seconds>: Chase\n<8.0 seconds> - <9.0 seconds>: End"
    chapters = to_suggestions(text, context(task=Task.CHAPTERS))
    assert [c.payload.title for c in chapters] == ["Intro", "Chase", "End"]
    assert all(isinstance(c.payload, Chapter) for c in chapters)
    # A chapter given only its start runs to the next one's start.
    assert chapters[0].payload.range.end_exclusive == chapters[1].payload.range.start


def test_question_answer_keeps_words_and_moments() -> None:
    (s,) = to_suggestions("The dog jumps twice, at <2.0 seconds> and <6.0 seconds>.",
                          context(task=Task.QUESTION))
    assert isinstance(s.payload, Answer)
    assert s.payload.text.startswith("The dog jumps twice")
    assert len(s.payload.ranges) == 2


def test_unusable_answer_comes_back_as_text() -> None:
    (s,) = to_suggestions("I cannot see a car.", context())
    assert isinstance(s.payload, Answer) and s.payload.text == "I cannot see a car."
    assert "no time ranges" in s.label


def test_qwen3_boxes_are_on_a_1000_scale_and_clamped() -> None:
    ctx = context(task=Task.GROUNDING)
    text = ('[{"time": 1.0, "bbox_2d": [100, 200, 300, 400]},'
            ' {"time": 2.1, "bbox_2d": [150, 250, 350, 1100]}]')
    (s,) = to_suggestions(text, ctx)
    tube = s.payload
    assert isinstance(tube, ObjectTube) and tube.query == "the red car"
    # A box time names a step of two sampled frames (the frames on screen at 0, 1, 2, 3 s:
    # 0, 29, 59, 89 at 29.97, labelled 0.48 and 2.47 s): the box goes on both frames.
    assert ctx.sample.frames[:4] == (0, 29, 59, 89)
    assert [b.t_ms for b in tube.boxes] == [0, 968, 1969, 2970]
    assert (tube.boxes[0].x0, tube.boxes[0].y0, tube.boxes[0].x1, tube.boxes[0].y1) == (
        0.1, 0.2, 0.3, 0.4
    )
    assert tube.boxes[2].y1 == 1.0


def test_qwen2_5_boxes_are_pixels_of_the_model_input() -> None:
    ctx = context(task=Task.GROUNDING, dialect=QWEN2_5_VL, input_size=(448, 252))
    (s,) = to_suggestions('[{"time": 0, "bbox_2d": [112, 63, 224, 126]}]', ctx)
    b = s.payload.boxes[0]
    assert (b.t_ms, b.x0, b.y0, b.x1, b.y1) == (0, 0.25, 0.25, 0.5, 0.5)


def test_boxes_without_times_take_the_sampled_frames_in_order() -> None:
    ctx = context(task=Task.GROUNDING)
    (s,) = to_suggestions('[{"bbox_2d": [0, 0, 500, 500]}, {"bbox_2d": [500, 500, 1000, 1000]}]',
                          ctx)
    assert [b.t_ms for b in s.payload.boxes] == [t.to_ms() for t in ctx.sample.times[:2]]


def test_boxes_outside_the_frame_or_time_are_dropped() -> None:
    ctx = context(task=Task.GROUNDING)
    (s,) = to_suggestions('[{"time": 1, "bbox_2d": [1100, 0, 1200, 100]},'
                          ' {"time": 500, "bbox_2d": [0, 0, 10, 10]}]', ctx)
    assert isinstance(s.payload, Answer)  # nothing usable: the words come back


def test_snap_goes_to_the_nearest_frame_boundary() -> None:
    sample = sample_of(frames=10, rate=Fraction(10))
    assert snap(F(24, 100), sample).seconds == F(2, 10)
    assert snap(F(26, 100), sample).seconds == F(3, 10)
    assert snap(F(25, 100), sample).seconds == F(2, 10)  # a tie goes earlier
    assert snap(F(5), sample).seconds == 1  # past the end: the clip's end


# -- sampling plan -----------------------------------------------------------------------------


def test_plan_samples_fps_and_cap() -> None:
    s = sample_of(frames=250, rate=Fraction(25), fps=1.0, max_frames=32)
    assert s.frames == (0, 25, 50, 75, 100, 125, 150, 175, 200, 225)
    assert s.interval == 1
    capped = sample_of(frames=250, rate=Fraction(25), fps=2.0, max_frames=4)
    assert capped.frames == (0, 62, 125, 187) and capped.interval == F(5, 2)


def test_video_metadata_gives_the_processor_true_times() -> None:
    pytest.importorskip("transformers", reason="the vlm extra is not installed")
    from transformers.video_utils import VideoMetadata

    window = TimeRange(Time(3, 1), Time(4, 1))
    sample = sample_of(frames=300, rate=NTSC, window=window, fps=2.0)
    meta = VideoMetadata(**QWEN3_VL.video_metadata(sample))
    assert meta.timestamps == pytest.approx([float(t.seconds) for t in sample.times], abs=5e-4)
    # Qwen2.5-VL turns sampled_fps into its time positions: it must be the real rate.
    assert meta.sampled_fps == pytest.approx(2.0)


# -- task rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "task"),
    [
        ("Where is the red car?", Task.GROUNDING),
        ("track the dog", Task.GROUNDING),
        ("draw a box around the goalkeeper", Task.GROUNDING),
        ("split into chapters", Task.CHAPTERS),
        ("ten 30-second highlights", Task.HIGHLIGHTS),
        ("When does the dog jump?", Task.TEMPORAL),
        ("What colour is the car?", Task.QUESTION),
        ("describe the scene", Task.QUESTION),
        ("the red car turns left", Task.TEMPORAL),
    ],
)
def test_choose_task(text: str, task: Task) -> None:
    assert choose_task(text) is task


def test_a_request_can_force_its_task() -> None:
    assert choose_task("the red car", {"task": "grounding"}) is Task.GROUNDING
    assert choose_task("Where is the red car?", {"task": "temporal"}) is Task.TEMPORAL
    assert choose_task("the red car", {"task": "answer"}) is Task.QUESTION


def test_an_unknown_forced_task_is_refused() -> None:
    with pytest.raises(UnknownTaskError, match="unknown task 'bogus'"):
        choose_task("the red car", {"task": "bogus"})


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("Where is the red car?", "the red car"),
        ("track the dog in the video", "the dog"),
        ("When does the dog jump?", "the dog jump"),
        ("the red car turns left", "the red car turns left"),
        ("when is the red car visible", "the red car"),
        ("show me where the logo is on screen", "the logo"),
    ],
)
def test_subject(text: str, what: str) -> None:
    assert subject(text) == what


def test_dialect_from_model_type() -> None:
    assert dialect_for("qwen3_vl") is QWEN3_VL
    assert dialect_for("qwen3_vl_moe") is QWEN3_VL
    assert dialect_for("qwen2_5_vl") is QWEN2_5_VL
    assert dialect_for("llava") is None

