"""A model's answer → typed suggestions: clip times snapped to frames, normalized boxes.

Pure functions over the parsed output (:mod:`.parse`), the dialect's rules
(:mod:`.dialects`) and the frames the model saw (:class:`~.sampling.FrameSample`):

- times are shifted to clip time (the dialect's origin), clamped to the sampled window and
  snapped to the nearest frame boundary of the clip's frame table (exact, VFR-safe);
  instants get the length of one sampling interval; reversed, empty or out-of-clip ranges
  are dropped;
- the vision tower merges each run of ``temporal_patch`` frames (two) into one step, and
  Qwen3-VL labels the step with the mean of its frames' times (``<0.2 seconds>`` for frames
  at 0.0 and 0.5 s): a time the model answers stands for that whole step. So a box goes on
  *every* frame of the step whose label is nearest its time (both frames of the pair, not
  one — else half the sampled frames are never covered), and with Qwen3-VL a range runs
  from the first frame of its start's step to the end of its end's step (chapters keep
  plain frame snapping: their boundaries are cuts between steps);
- boxes with no time take the sampled frames in order; coordinates are normalized by the
  dialect and clamped into the frame; one tube per object label;
- when nothing usable comes out, the model's words come back as an :class:`Answer`, so the
  editor sees what it said instead of nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from vidi_desktop.core.project import (
    Answer,
    Box,
    Chapter,
    CutRange,
    HighlightClip,
    ObjectTube,
    Payload,
    Suggestion,
)
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.models.vlm.dialects import Dialect
from vidi_desktop.models.vlm.parse import RawBox, Span, parse_boxes, parse_spans, strip_markup
from vidi_desktop.models.vlm.sampling import FrameSample
from vidi_desktop.models.vlm.tasks import Task


@dataclass(frozen=True)
class Context:
    """Everything needed to turn one answer into suggestions for one asset."""

    task: Task
    dialect: Dialect
    sample: FrameSample
    asset_id: str
    request: str  # the editor's words, stored on every suggestion
    subject: str  # what the request is about (tube query, default label)
    source: str  # "qwen-vl:<folder>"
    input_size: tuple[int, int]  # the picture size the model saw (Qwen2.5-VL pixel boxes)
    temporal_patch: int = 2  # frames merged into one step by the vision tower
    meta: dict[str, Any] = field(default_factory=dict)  # sampling/generation numbers


def steps(sample: FrameSample, size: int) -> list[tuple[int, ...]]:
    """Sample positions grouped as the vision tower merges them (the last group padded by
    repeating its frame, as the processor pads)."""
    n = len(sample.times)
    size = max(1, size)
    return [tuple(range(i, min(i + size, n))) for i in range(0, n, size)]


def step_label(sample: FrameSample, step: tuple[int, ...], size: int) -> Fraction:
    """The time the processor writes for a step: the mean of its first and last frame (the
    last frame standing in for the padding), in its millisecond precision."""
    first = Fraction(sample.times[step[0]].to_ms(), 1000)
    last = Fraction(sample.times[step[-1]].to_ms(), 1000)
    if len(step) < size:
        return (first + last) / 2 if len(step) > 1 else first
    return (first + last) / 2


def nearest_step(seconds: Fraction, sample: FrameSample, size: int) -> tuple[int, ...]:
    """The step whose label is nearest ``seconds`` (clip time); ties to the earlier."""
    groups = steps(sample, size)
    return min(groups, key=lambda g: (abs(step_label(sample, g, size) - seconds), g[0]))


def step_end(step: tuple[int, ...], sample: FrameSample) -> Time:
    """Where a step stops: the next sampled frame, or the end of the sampled window."""
    nxt = step[-1] + 1
    return sample.times[nxt] if nxt < len(sample.times) else sample.bounds.end_exclusive


def snap(seconds: Fraction, sample: FrameSample) -> Time:
    """The frame boundary nearest ``seconds`` (a frame's start, or the clip's end); ties go
    to the earlier one."""
    index = sample.index
    t = Time.exact(seconds)
    n = index.frame_at(t)
    a = index.time_of(n)
    b = index.time_of(n + 1) if n + 1 < len(index) else sample.clip.end_exclusive
    if t <= a:
        return a
    if t >= b:
        return b
    return a if (t - a) <= (b - t) else b


def span_range(span: Span, ctx: Context, by_step: bool = True) -> TimeRange | None:
    """A parsed span as a clip range: shifted, clamped to the window, snapped; None if it
    is nonsense (reversed, outside the window, empty once snapped). With Qwen3-VL's step
    labels (and ``by_step``), it covers whole steps (see the module docstring)."""
    sample = ctx.sample
    origin = ctx.dialect.time_origin(sample)
    start = span.start + origin
    end = (span.end if span.end is not None else span.start + sample.interval) + origin
    if end < start:
        return None
    lo, hi = sample.bounds.start.seconds, sample.bounds.end_exclusive.seconds
    if start >= hi + sample.interval or end <= lo - sample.interval:
        return None
    if by_step and ctx.dialect.labels_frames and len(sample.times) > 1:
        first = nearest_step(start, sample, ctx.temporal_patch)
        last = (
            first if span.end is None else nearest_step(end, sample, ctx.temporal_patch)
        )
        if last[0] < first[0]:
            return None
        return TimeRange.from_start_end(sample.times[first[0]], step_end(last, sample))
    if start >= hi or end <= lo:
        return None
    s = snap(max(start, lo), sample)
    e = snap(min(end, hi), sample)
    if e <= s:
        return None
    return TimeRange.from_start_end(s, e)


def _ranges(
    spans: Iterable[Span], ctx: Context, by_step: bool = True
) -> list[tuple[TimeRange, str]]:
    out: list[tuple[TimeRange, str]] = []
    seen: set[tuple[Fraction, Fraction]] = set()
    for span in spans:
        r = span_range(span, ctx, by_step)
        if r is None:
            continue
        key = (r.start.seconds, r.end_exclusive.seconds)
        if key not in seen:
            seen.add(key)
            out.append((r, span.label))
    return out


def _suggestion(ctx: Context, payload: Payload, label: str) -> Suggestion:
    return Suggestion.new(
        ctx.asset_id,
        payload,
        ctx.source,
        label=label,
        request=ctx.request,
        metadata={"vlm": {"task": str(ctx.task), "family": ctx.dialect.family, **ctx.meta}},
    )


def _fallback(ctx: Context, text: str, what: str) -> list[Suggestion]:
    words = strip_markup(text) or "(the model gave no answer)"
    return [_suggestion(ctx, Answer(words), f"no {what} found in the model's answer")]


def to_suggestions(text: str, ctx: Context) -> list[Suggestion]:
    """The suggestions one model answer makes for ``ctx.task`` (see the module docstring)."""
    rate = _rate(ctx.sample)
    if ctx.task is Task.GROUNDING:
        tubes = tubes_from(parse_boxes(text, rate), ctx)
        if not tubes:
            return _fallback(ctx, text, "boxes")
        return [_suggestion(ctx, tube, tube.query) for tube in tubes]
    spans = parse_spans(text, rate)
    if ctx.task is Task.QUESTION:
        ranges = tuple(r for r, _ in _ranges(spans, ctx))
        words = strip_markup(text) or "(the model gave no answer)"
        return [_suggestion(ctx, Answer(words, ranges), ctx.subject)]
    if ctx.task is Task.CHAPTERS:
        chapters = chapters_from(spans, ctx)
        if not chapters:
            return _fallback(ctx, text, "chapters")
        return [_suggestion(ctx, c, c.title) for c in chapters]
    found = _ranges(spans, ctx)
    if not found:
        return _fallback(ctx, text, "time ranges")
    if ctx.task is Task.HIGHLIGHTS:
        return [
            _suggestion(ctx, HighlightClip(r, label or ctx.subject), label or ctx.subject)
            for r, label in found
        ]
    return [_suggestion(ctx, CutRange(r, "keep"), ctx.subject) for r, _ in found]


def chapters_from(spans: list[Span], ctx: Context) -> list[Chapter]:
    """Chapters in time order; a chapter given only a start runs to the next one's start."""
    origin = ctx.dialect.time_origin(ctx.sample)
    ordered = sorted(spans, key=lambda s: s.start)
    filled: list[Span] = []
    for i, span in enumerate(ordered):
        end = span.end
        if end is None:
            nxt = next((s.start for s in ordered[i + 1 :] if s.start > span.start), None)
            end = nxt if nxt is not None else ctx.sample.bounds.end_exclusive.seconds - origin
        filled.append(Span(span.start, end, span.label))
    return [
        Chapter(r, label or f"Chapter {n}")
        for n, (r, label) in enumerate(_ranges(filled, ctx, by_step=False), start=1)
    ]


def tubes_from(boxes: list[RawBox], ctx: Context) -> list[ObjectTube]:
    """One tube per object label, boxes at the sampled frames, normalized and clamped."""
    sample = ctx.sample
    origin = ctx.dialect.time_origin(sample)
    times = sample.times
    lo, hi = sample.bounds.start.seconds, sample.bounds.end_exclusive.seconds
    by_label: dict[str, dict[int, Box]] = {}
    timeless = 0
    for raw in boxes:
        if raw.t is None:
            if timeless >= len(times):
                continue
            at = [times[timeless]]
            timeless += 1
        else:
            t = raw.t + origin
            if t < lo - sample.interval or t > hi + sample.interval:
                continue  # far outside what the model saw: a made-up time
            # Every frame of the step the time names: the model saw them as one.
            at = [times[i] for i in nearest_step(t, sample, ctx.temporal_patch)]
        tube = by_label.setdefault(raw.label or ctx.subject, {})
        for instant in at:
            box = _box(raw, instant, ctx)
            if box is not None:
                tube.setdefault(box.t_ms, box)  # the first box given for an instant wins
    by_label = {label: found for label, found in by_label.items() if found}
    return [
        ObjectTube(label, tuple(sorted(boxes_at.values(), key=lambda b: b.t_ms)))
        for label, boxes_at in by_label.items()
    ]


def _box(raw: RawBox, at: Time, ctx: Context) -> Box | None:
    coords = ctx.dialect.normalize_box(raw.coords, ctx.input_size)
    if coords is None:
        return None
    try:
        box = Box.clamped(at.to_ms(), *coords)
    except ValueError:
        return None
    if box.x1 - box.x0 <= 0 or box.y1 - box.y0 <= 0:
        return None  # nothing left inside the frame
    return box


def _rate(sample: FrameSample) -> Fraction | None:
    rate: Any = sample.index.constant_rate()
    return rate.value if rate is not None else None
