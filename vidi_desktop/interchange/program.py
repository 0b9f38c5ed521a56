"""The accepted edit as a program to watch: sequence frame → the source frame shown there.

The window's Edit mode plays what the exports describe, so it is built from the same
:class:`~.model.Timeline` (:func:`~.timeline.build_timeline`, accepted edit, record start
01:00:00:00 unless the project's ``record_start`` setting says otherwise) and maps frames
the way the renderer does (``render._source_frames``): a clip at the sequence's constant
rate shows its own frames one to one, ``first + k`` at sequence frame ``record_in + k``;
any other clip (variable rate, another rate) shows the frame on screen at the middle of
each sequence frame's period. The sequence frame ``N`` therefore shows the frame an EDL of
the same project puts there.

Pure data: nothing here decodes (``qt.program`` does, with these numbers).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from vidi_desktop.core.project import Project
from vidi_desktop.core.project.kinds import kinds_with_role
from vidi_desktop.core.rate import FrameRate
from vidi_desktop.core.time import Time
from vidi_desktop.core.timecode import timecode_to_frames
from vidi_desktop.interchange.errors import ExportError
from vidi_desktop.interchange.model import Clip, Timeline
from vidi_desktop.interchange.timeline import TimelineOptions, build_timeline

RECORD_START_SETTING = "record_start"
"""Project setting: the sequence's first timecode (default ``01:00:00:00``)."""
DEFAULT_RECORD_START = "01:00:00:00"


@dataclass(frozen=True, slots=True)
class SourcePick:
    """Which frame of a clip's file is shown: by index (same rate) or by time (else)."""

    clip: int  # index into the program's clips
    frame: int | None  # the file's frame index, when known from the numbers alone
    seconds: Fraction | None  # else: the container time whose frame on screen is shown

    def resolve(self, frame_at: Callable[[Time], int], frame_count: int) -> int:
        """The file's frame index, given its frame table (``FrameIndex.frame_at``)."""
        if self.frame is not None:
            return min(max(self.frame, 0), frame_count - 1)
        assert self.seconds is not None
        return frame_at(Time.exact(self.seconds))


class Program:
    """The accepted edit of a project as a sequence of frames (see the module docstring)."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.clips: tuple[Clip, ...] = tuple(c for c in timeline.clips if c.enabled)
        self._starts = [c.record_in for c in self.clips]

    @classmethod
    def of(cls, project: Project) -> Program:
        """The program of ``project``'s accepted edit — every file whole while nothing
        accepted shapes it, as an NLE's sequence of the raw clips would play; :class:`ExportError`
        when it has none (no footage, overlapping keeps)."""
        start = project.settings.get(RECORD_START_SETTING, DEFAULT_RECORD_START)
        if not isinstance(start, str):
            raise ExportError(f"project setting {RECORD_START_SETTING} must be a timecode")
        # Exports refuse an uncut edit unless asked (--whole); the program view shows it.
        options = TimelineOptions(
            include="accepted", record_start=start, reframe=False, refuse_uncut=False
        )
        return cls(build_timeline(_edit_only(project), options))

    # -- the sequence ----------------------------------------------------------------------
    @property
    def rate(self) -> FrameRate:
        return self.timeline.rate

    @property
    def drop_frame(self) -> bool:
        return self.timeline.drop_frame

    @property
    def duration(self) -> int:
        """Frames in the sequence."""
        return max((c.record_out for c in self.clips), default=0)

    @property
    def frame_duration(self) -> Fraction:
        return self.timeline.rate.frame_duration

    def timecode(self, n: int) -> str:
        """Record timecode of sequence frame ``n`` (what the EDL's record in says)."""
        return self.timeline.record_timecode(n)

    def frame_of_timecode(self, timecode: str) -> int:
        """Sequence frame of a record timecode; ValueError when it is not in the sequence."""
        n = timecode_to_frames(timecode, self.rate, drop_frame=self.drop_frame)
        n -= self.timeline.start
        if not 0 <= n < self.duration:
            first = self.timecode(0)
            last = self.timecode(self.duration - 1)
            raise ValueError(f"{timecode} is outside the edit ({first}–{last})")
        return n

    def signature(self) -> tuple[tuple[str, int, int, int], ...]:
        """What the program shows, frame for frame (equal signatures play the same)."""
        return tuple((c.source.asset_id, c.first, c.count, c.record_in) for c in self.clips)

    # -- frames ----------------------------------------------------------------------------
    def clip_index(self, n: int) -> int:
        """Index of the clip holding sequence frame ``n`` (clamped into the sequence)."""
        if not self.clips:
            raise IndexError("an empty program has no frames")
        i = bisect.bisect_right(self._starts, n) - 1
        return min(max(i, 0), len(self.clips) - 1)

    def pick(self, n: int) -> SourcePick:
        """Which source frame sequence frame ``n`` shows (see the module docstring)."""
        i = self.clip_index(n)
        clip = self.clips[i]
        k = min(max(n - clip.record_in, 0), clip.record_count - 1)
        src = clip.source
        if not src.vfr and src.rate.value == self.rate.value:
            return SourcePick(i, clip.first + k, None)
        start = clip.source_range.start.seconds
        return SourcePick(i, None, start + (Fraction(k) + Fraction(1, 2)) * self.frame_duration)

    def first_source_frame(self, i: int) -> SourcePick:
        """The pick of clip ``i``'s first frame."""
        return self.pick(self.clips[i].record_in)

    def record_frame_of(self, asset_id: str, seconds: Fraction) -> int | None:
        """The sequence frame showing ``asset_id`` at source ``seconds``; when that moment is
        not in the edit (cut out), the first frame after it that is; None when none is."""
        after: tuple[int, int] | None = None  # (source first frame, record in) of the next clip
        for c in self.clips:
            if c.source.asset_id != asset_id:
                continue
            frame = c.source.frame_at(Time.exact(Fraction(seconds)))
            if c.first <= frame < c.end:
                return c.record_offset(frame - c.first)
            if frame < c.first and (after is None or c.first < after[0]):
                after = (c.first, c.record_in)
        return None if after is None else after[1]

    def source_seconds(self, n: int) -> tuple[str, Fraction]:
        """``(asset id, source seconds)`` of sequence frame ``n`` (frame start, on the NLE's
        grid of the source)."""
        i = self.clip_index(n)
        clip = self.clips[i]
        k = min(max(n - clip.record_in, 0), clip.record_count - 1)
        offset = Fraction(k) * self.frame_duration
        return clip.source.asset_id, clip.source_range.start.seconds + offset

    def record_seconds_of_clip(self, i: int) -> tuple[Fraction, Fraction]:
        """Sequence seconds where clip ``i`` starts and ends."""
        c = self.clips[i]
        return c.record_in * self.frame_duration, c.record_out * self.frame_duration


def _edit_only(project: Project) -> Project:
    """``project`` with only the suggestions that can shape the edit: the clips are the same
    as the exporters', without the cost of markers nobody shows here."""
    shaping = kinds_with_role("keep", "cut")
    kept = tuple(s for s in project.suggestions if s.kind in shaping)
    if len(kept) == len(project.suggestions):
        return project
    return project.replace(suggestions=kept)


def preview_of_cut(project: Project, suggestion_id: str) -> tuple[Program, int]:
    """The program of ``project`` as if the cut ``suggestion_id`` were accepted, and the
    sequence frame of its join (the first frame after the cut) — what "preview a pending
    cut" plays around. :class:`ExportError` when there is no edit to play."""
    from vidi_desktop.core.project import ProjectDocument, ReviewState

    s = project.suggestion(suggestion_id)
    extent = s.extent()
    if extent is None or s.payload.edit_action() != "cut":
        raise ExportError(f"suggestion {suggestion_id} is not a cut")
    if s.state is not ReviewState.ACCEPTED:
        doc = ProjectDocument(project)
        doc.accept([suggestion_id])
        project = doc.project
    program = Program.of(project)
    before: Clip | None = None
    for c in program.clips:
        if c.source.asset_id != s.asset_id:
            continue
        if c.end <= c.source.frame_at(extent.start) and (before is None or c.end > before.end):
            before = c
    if before is not None:
        return program, min(before.record_out, program.duration - 1)
    after = program.record_frame_of(s.asset_id, extent.end_exclusive.seconds)
    return program, after if after is not None else 0
