"""A toy export format, added the way a new format is: this one writer file plus one row in
the format table (``register_format``).

A cue list: one line per clip of the timeline — record in/out, the source file and its
frames — and, unless markers are turned off, one line per marker. Plain text, for people.
"""

from __future__ import annotations

from vidi_desktop.interchange.model import Timeline


def write_cue_list(timeline: Timeline, *, markers: bool = True) -> str:
    """The cue list of ``timeline`` (record timecodes on the sequence's clock)."""
    lines = [f"CUE LIST {timeline.name}"]
    for n, clip in enumerate(timeline.clips, 1):
        lines.append(
            f"{n:03d} {timeline.record_timecode(clip.record_in)} "
            f"{timeline.record_timecode(clip.record_out)} {clip.source.name} "
            f"frames {clip.first}-{clip.end - 1}"
        )
        if markers:
            lines.extend(f"    MARK {clip.first + m.offset} {m.name}" for m in clip.markers)
    return "\n".join(lines) + "\n"
