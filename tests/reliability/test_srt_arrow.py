"""Issue 16.15 (SRT): cue text containing ``-->`` is escaped, as VTT already escapes it, so
no reader takes a line of text for a timing line."""

from __future__ import annotations

import subprocess
from fractions import Fraction

from reliability_media import FFMPEG, needs_ffmpeg

from vidi_desktop.interchange.subtitles import Cue, write_srt, write_vtt

CUES = [
    Cue(Fraction(0), Fraction(1), "before --> after"),
    Cue(Fraction(1), Fraction(2), "00:00:05,000 --> 00:00:06,000\n--->"),
    Cue(Fraction(2), Fraction(3), "plain"),
]


def _timing_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "-->" in line]


def test_srt_text_never_holds_a_timing_arrow() -> None:
    srt = write_srt(CUES)
    assert len(_timing_lines(srt)) == len(CUES)  # only the three timing lines
    assert "before --\u2060> after" in srt  # reads "-->" on screen


def test_vtt_already_escaped_it() -> None:
    assert len(_timing_lines(write_vtt(CUES))) == len(CUES)


@needs_ffmpeg
def test_ffmpeg_reads_every_cue_with_its_time(tmp_path) -> None:
    """An independent reader: FFmpeg's SubRip demuxer keeps three cues at their times."""
    path = tmp_path / "cues.srt"
    path.write_text(write_srt(CUES), encoding="utf-8")
    out = subprocess.run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-i", str(path), "-f", "webvtt", "-"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout
    assert _timing_lines(out) == [
        "00:00.000 --> 00:01.000", "00:01.000 --> 00:02.000", "00:02.000 --> 00:03.000",
    ]
    assert "before --\u2060> after" in out
