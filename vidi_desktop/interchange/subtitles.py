"""SRT and WebVTT from subtitle cues, UTF-8 without a byte-order mark.

Three clocks (``timing``):

* ``"source"`` — from zero at the file's first frame (to play beside the source file);
* ``"timecode"`` — on the file's timecode: a cue at 01:00:02:12 (25 fps) starts at
  ``01:00:02,480``, whatever the drop-frame arithmetic, so the NLE's ruler and the
  subtitle agree;
* ``"edit"`` — on the exported edit from zero: each cue is cut to the clips that use its
  source range and moved to where they play (for a rendered cut).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from vidi_desktop.core.project import Project, SubtitleCue, Suggestion
from vidi_desktop.core.timecode import frames_to_timecode
from vidi_desktop.interchange.errors import ExportError
from vidi_desktop.interchange.model import Timeline
from vidi_desktop.interchange.sources import SourceMedia

Timing = Literal["source", "timecode", "edit"]
TIMINGS: tuple[str, ...] = ("source", "timecode", "edit")


@dataclass(frozen=True, slots=True)
class Cue:
    """A subtitle ready to write: seconds on the chosen clock and its text lines."""

    start: Fraction
    end: Fraction
    text: str


def cues_for(
    project: Project,
    suggestions: Sequence[Suggestion],
    timing: Timing = "source",
    timeline: Timeline | None = None,
) -> list[Cue]:
    """The ``subtitle_cue`` suggestions among ``suggestions`` on the ``timing`` clock."""
    chosen = [s for s in suggestions if s.kind == SubtitleCue.kind]
    if not chosen:
        raise ExportError("no subtitle cues to export (run the subtitles analysis, then accept)")
    if timing not in TIMINGS:
        raise ExportError(f"subtitle timing must be one of {', '.join(TIMINGS)}")
    if timing == "edit":
        if timeline is None:
            raise ExportError("subtitles on the edit's clock need a timeline")
        return _on_edit(chosen, timeline)
    assets = {s.asset_id for s in chosen}
    if len(assets) > 1:
        raise ExportError(
            f"subtitle cues come from {len(assets)} files; use timing 'edit' for the cut"
        )
    src = SourceMedia.from_asset(project.asset(chosen[0].asset_id))
    out = []
    for s in sorted(chosen, key=lambda s: s.payload.extent().start):  # type: ignore[union-attr]
        r = s.payload.extent()
        assert r is not None
        start = r.start.seconds - src.start_time
        end = r.end_exclusive.seconds - src.start_time
        if timing == "timecode":
            start, end = _label_seconds(src, start), _label_seconds(src, end)
        out.append(Cue(start, end, getattr(s.payload, "text", "")))
    return out


def _label_seconds(src: SourceMedia, seconds: Fraction) -> Fraction:
    """Seconds on the timecode ruler: the label of the frame on screen, plus the fraction."""
    position = seconds * src.rate.value
    frame = math.floor(position)
    label = frames_to_timecode(src.tc_start + max(0, frame), src.rate, src.drop_frame)
    hh, mm, ss, ff = (int(x) for x in label.replace(";", ":").split(":"))
    return hh * 3600 + mm * 60 + ss + (ff + (position - frame)) / src.rate.nominal


def _on_edit(chosen: Sequence[Suggestion], timeline: Timeline) -> list[Cue]:
    out = []
    for clip in timeline.clips:
        if not clip.enabled:
            continue
        clip_range = clip.source_range
        place = Fraction(clip.record_in) / timeline.rate.value
        for s in chosen:
            if s.asset_id != clip.source.asset_id:
                continue
            r = s.payload.extent()
            hit = r.intersection(clip_range) if r is not None else None
            if hit is None:
                continue
            start = place + hit.start.seconds - clip_range.start.seconds
            end = place + hit.end_exclusive.seconds - clip_range.start.seconds
            out.append(Cue(start, end, getattr(s.payload, "text", "")))
    out.sort(key=lambda c: c.start)
    return out


def _clock(seconds: Fraction, sep: str) -> str:
    ms = max(0, int(seconds * 1000 + Fraction(1, 2)))
    hh, rest = divmod(ms, 3_600_000)
    mm, rest = divmod(rest, 60_000)
    ss, ms = divmod(rest, 1000)
    return f"{hh:02d}:{mm:02d}:{ss:02d}{sep}{ms:03d}"


def _lines(text: str) -> list[str]:
    lines = [" ".join(line.split()) for line in text.replace("\r", "\n").split("\n")]
    return [line for line in lines if line] or ["…"]


def _times(cue: Cue, sep: str) -> str:
    start = _clock(cue.start, sep)
    end = _clock(max(cue.end, cue.start + Fraction(1, 1000)), sep)
    return f"{start} --> {end}"


def write_srt(cues: Sequence[Cue]) -> str:
    """SubRip text: numbered cues, ``HH:MM:SS,mmm`` times."""
    blocks = []
    for n, cue in enumerate(cues, 1):
        text = [_srt_escape(line) for line in _lines(cue.text)]
        blocks.append("\n".join([str(n), _times(cue, ","), *text]))
    return "\n\n".join(blocks) + "\n"


_WORD_JOINER = "\u2060"


def _srt_escape(line: str) -> str:
    """Keep ``-->`` out of SRT cue text, where a reader takes it for a timing line.

    SubRip defines no escapes (FFmpeg shows ``&gt;`` literally), so an invisible word joiner
    goes between ``--`` and ``>``: the line reads "-->" on screen and parses as text.
    """
    return line.replace("-->", f"--{_WORD_JOINER}>")


def write_vtt(cues: Sequence[Cue]) -> str:
    """WebVTT text: ``WEBVTT`` header, ``HH:MM:SS.mmm`` times, cue text escaped."""
    blocks = ["WEBVTT"]
    for n, cue in enumerate(cues, 1):
        text = [_vtt_escape(line) for line in _lines(cue.text)]
        blocks.append("\n".join([str(n), _times(cue, "."), *text]))
    return "\n\n".join(blocks) + "\n"


def _vtt_escape(line: str) -> str:
    # Escaping ">" also keeps "-->" out of the cue text.
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
