"""Independent readers for the export checks: never import vidi_desktop.

They read what the exports and renders contain with other tools — Debian's ``ffmpeg`` /
``ffprobe`` (pictures, timecode tags), ``xmllint`` with Apple's DTDs, ``melt`` — and their
own small parsers (CMX 3600 events, SMPTE timecode with drop-frame), so a bug shared by a
writer and vidi's own readers cannot hide. Tests that need a tool skip, naming it, when it
is absent (.ci/run installs ``ffmpeg``, ``melt`` and ``libxml2-utils``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
# Apple's FCPXML DTDs live beside the shared media (../shared/interchange/dtd).
SHARED = Path(os.environ.get("VIDI_SHARED_MEDIA", REPO.parent / "shared" / "media")).parent
DTD_DIR = SHARED / "interchange" / "dtd"

BITS, BLOCK = 20, 16  # the barcode media/synth.py draws: 20 blocks of 16 px, top left


def need(tool: str, package: str) -> str:
    """The path of ``tool``, or skip the test saying which Debian package brings it."""
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} not installed (Debian package {package})")
    return path


def dtd(version: str) -> Path:
    """Apple's DTD of FCPXML ``version``, or skip when the shared folder is absent."""
    path = DTD_DIR / f"FCPXMLv{version.replace('.', '_')}.dtd"
    if not path.is_file():
        pytest.skip(f"Apple's FCPXML DTDs not found at {DTD_DIR}")
    return path


def xmllint_errors(xml_file: Path, dtd_file: Path) -> str:
    """``xmllint --dtdvalid``'s complaints ("" when the file is valid)."""
    need("xmllint", "libxml2-utils")
    run = subprocess.run(
        ["xmllint", "--noout", "--dtdvalid", str(dtd_file), str(xml_file)],
        capture_output=True, text=True, timeout=60,
    )
    return "" if run.returncode == 0 else (run.stderr or f"exit {run.returncode}")


# -- pictures ---------------------------------------------------------------------------------


def barcode(gray: np.ndarray) -> int:
    """The frame number drawn across the top left (read from block centres)."""
    n = 0
    for bit in range(BITS):
        x = bit * BLOCK
        if gray[4 : BLOCK - 4, x + 4 : x + BLOCK - 4].mean() > 128:
            n |= 1 << bit
    return n


def frame_numbers(
    path: Path, *, rate: Fraction | None = None, turn: int = 0
) -> list[int]:
    """The barcode of every picture ffmpeg decodes from ``path`` (upright, as ffmpeg shows
    it), resampled to ``rate`` like an NLE conforms a file (ffmpeg's ``fps`` filter) when
    given. ``turn`` quarter turns counter-clockwise bring a rotated picture back to the way
    the barcode was drawn."""
    need("ffmpeg", "ffmpeg")
    w, h = video_size(path)
    vf = ["-vf", f"fps={rate.numerator}/{rate.denominator}"] if rate else []
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), *vf, "-f", "rawvideo", "-pix_fmt", "gray",
         "-"],
        capture_output=True, check=True, timeout=300,
    ).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, h, w)
    return [barcode(np.rot90(f, k=turn) if turn else f) for f in frames]


def video_size(path: Path) -> tuple[int, int]:
    """Displayed width and height (after the rotation ffmpeg applies on decode)."""
    info = ffprobe(path)
    stream = next(s for s in info["streams"] if s["codec_type"] == "video")
    w, h = int(stream["width"]), int(stream["height"])
    rotation = 0
    for side in stream.get("side_data_list", []):
        rotation = int(side.get("rotation", rotation) or 0)
    rotation = int(stream.get("tags", {}).get("rotate", rotation) or rotation)
    return (h, w) if rotation % 180 else (w, h)


def ffprobe(path: Path) -> dict:
    need("ffprobe", "ffmpeg")
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True, check=True, timeout=60, text=True,
    ).stdout
    return json.loads(out)


def start_timecode(path: Path) -> str:
    """The file's embedded start timecode (``00:00:00:00`` without one)."""
    info = ffprobe(path)
    for s in info["streams"]:
        tc = s.get("tags", {}).get("timecode")
        if tc:
            return tc
    return info["format"].get("tags", {}).get("timecode", "00:00:00:00")


# -- timecode and EDL -------------------------------------------------------------------------


def tc_frames(tc: str, rate: Fraction) -> int:
    """SMPTE timecode → frame count; ``;`` marks drop-frame (2 labels a minute at 29.97,
    4 at 59.94, none on every tenth minute)."""
    h, m, s, f = (int(p) for p in re.split("[:;.]", tc))
    nominal = round(rate)
    frames = ((h * 60 + m) * 60 + s) * nominal + f
    if ";" in tc:
        drop = nominal // 15
        minutes = h * 60 + m
        frames -= drop * (minutes - minutes // 10)
    return frames


def edl_events(text: str) -> list[dict[str, str]]:
    """CMX 3600 event lines: number, reel, channels, source and record in/out."""
    events = []
    pattern = re.compile(
        r"^(\d{3})\s+(\S+)\s+(\S+)\s+C\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$"
    )
    for line in text.splitlines():
        m = pattern.match(line)
        if m:
            keys = ("number", "reel", "channels", "src_in", "src_out", "rec_in", "rec_out")
            events.append(dict(zip(keys, m.groups(), strict=True)))
    return events
