"""How each Qwen-VL family is spoken to and how its answers are read.

A *dialect* bundles what differs between model families:

- **prompts** per task (time ranges, boxes over time, chapters, highlights, questions);
- **time**: Qwen3-VL sees a text label ``<t seconds>`` before each frame (we give it the
  frames' true presentation times, so its answers are in the clip's own seconds);
  Qwen2.5-VL sees no labels, only time positions from the first frame (MRoPE with
  ``second_per_grid_ts``), so its answers count from the first sampled frame;
- **boxes**: Qwen3-VL writes coordinates relative to the frame on a 0–1000 scale;
  Qwen2.5-VL writes absolute pixels of the picture it was given (the processor's resized
  input, not the source frame).

The family comes from ``config.json``'s ``model_type``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from vidi_desktop.models.vlm.sampling import FrameSample
from vidi_desktop.models.vlm.tasks import Task

Coords = tuple[float, float, float, float]


@dataclass(frozen=True)
class Dialect:
    """The prompt builder, time origin and coordinate rule of one model family."""

    family: str  # "qwen3_vl" or "qwen2_5_vl"
    title: str  # for messages: "Qwen3-VL"
    labels_frames: bool  # the processor writes "<t seconds>" before each frame
    box_scale: float | None  # relative boxes on this scale (1000); None: input pixels

    # -- prompts ------------------------------------------------------------------------------
    def prompt(self, task: Task, request: str, subject: str, sample: FrameSample) -> str:
        """The user turn's text for ``task`` (the video goes before it in the message)."""
        length = float(sample.bounds.duration.seconds)
        if self.labels_frames:
            when = (
                "Use the timestamps shown before the frames, written like <12.5 seconds>."
            )
            rng = "'<start seconds> - <end seconds>', for example '<12.5 seconds> - <18.0 seconds>'"
            coords = "[x1, y1, x2, y2] relative to the frame on a 0-1000 scale"
            at = '"time": <seconds>'
        else:
            when = (
                f"The video is {length:.1f} seconds long; give times in seconds from its start."
            )
            rng = "'<start> - <end> seconds', for example '12.5 - 18.0 seconds'"
            coords = "[x1, y1, x2, y2] in pixels of the video frame"
            at = '"time": seconds from the start'
        if task is Task.GROUNDING:
            return (
                f"Track {subject} in this video. {when}\n"
                f"For every frame where it is visible, give its bounding box as {coords}. "
                f'Answer in JSON only: a list of objects {{{at}, "bbox_2d": [x1, y1, x2, y2]}}. '
                "If it never appears, answer []."
            )
        if task is Task.CHAPTERS:
            return (
                f"Split this video into chapters. {when}\n"
                f"Answer one chapter per line as {rng} followed by ': ' and a short title."
            )
        if task is Task.HIGHLIGHTS:
            return (
                f"{request}\nFind the highlights of this video. {when}\n"
                f"Answer one highlight per line as {rng} followed by ': ' and a short title."
            )
        if task is Task.QUESTION:
            return f"{request}\n{when} When your answer refers to a moment, give its time."
        return (
            f"Find every moment in this video when: {subject}. {when}\n"
            f"Answer with one time range per line as {rng}. If it never happens, answer 'none'."
        )

    # -- time -----------------------------------------------------------------------------------
    def time_origin(self, sample: FrameSample) -> Fraction:
        """Seconds to add to the times the model writes to get clip times."""
        return Fraction(0) if self.labels_frames else sample.times[0].seconds

    def video_metadata(self, sample: FrameSample, repeat_last: int = 0) -> dict[str, Any]:
        """``VideoMetadata`` fields that make the processor use the frames' true times.

        The processor computes a frame's time as ``frames_indices[i] / fps``; with
        ``fps = 1000`` and indices in milliseconds that is each frame's real presentation
        time, variable frame rate and window offset included. ``total_num_frames`` (in the
        same millisecond units) makes ``sampled_fps`` — what Qwen2.5-VL turns into
        ``second_per_grid_ts`` — the true sampling rate. ``repeat_last`` pads the list the
        way the frames were padded (a one-frame sample is shown twice).
        """
        ms = sample.times_ms()
        ms += [ms[-1]] * repeat_last
        span_ms = max(1, round(sample.interval * 1000 * len(ms)))
        w, h = sample.size
        return {
            "total_num_frames": span_ms,
            "fps": 1000.0,
            "frames_indices": ms,
            "width": w,
            "height": h,
            "duration": float(sample.bounds.duration.seconds),
        }

    # -- boxes ------------------------------------------------------------------------------------
    def normalize_box(self, coords: Coords, input_size: tuple[int, int]) -> Coords | None:
        """The box in [0, 1] frame coordinates (unclamped); None when it makes no sense.

        Numbers that are all within [0, 1] with a fraction among them are taken as already
        normalized, whatever the family (small models do that).
        """
        if all(0.0 <= c <= 1.0 for c in coords) and any(c != int(c) for c in coords):
            return coords
        if self.box_scale is not None:
            s = self.box_scale
            return (coords[0] / s, coords[1] / s, coords[2] / s, coords[3] / s)
        w, h = input_size
        if w <= 0 or h <= 0:
            return None
        return (coords[0] / w, coords[1] / h, coords[2] / w, coords[3] / h)


QWEN3_VL = Dialect("qwen3_vl", "Qwen3-VL", labels_frames=True, box_scale=1000.0)
QWEN2_5_VL = Dialect("qwen2_5_vl", "Qwen2.5-VL", labels_frames=False, box_scale=None)

DIALECTS: dict[str, Dialect] = {
    # config.json model_type → dialect (the MoE Qwen3-VL speaks like the dense one)
    "qwen3_vl": QWEN3_VL,
    "qwen3_vl_moe": QWEN3_VL,
    "qwen2_5_vl": QWEN2_5_VL,
}


def dialect_for(model_type: str) -> Dialect | None:
    """The dialect of a ``config.json`` ``model_type``, None when it is no Qwen-VL we know."""
    return DIALECTS.get(model_type)
