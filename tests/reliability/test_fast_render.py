"""Issue 16.9: ``render --mode fast`` on footage stream copy cannot carry.

It crashed (internal error) on ProRes, DNxHD, VP8, AV1, GIF, H.263, WMV2, DV, utvideo,
rawvideo, qtrle and some PyAV-written MKVs. Now a codec the container cannot hold (or a
copy the muxer refuses, or one that would not play) falls back to exact mode and says so;
what can be copied is copied and plays. Sources are made with Debian's ffmpeg.
"""

from __future__ import annotations

import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import pytest
from reliability_media import edit_project, ffmpeg, needs_ffmpeg

from vidi_desktop.cli import main
from vidi_desktop.media.synth import read_frame_number

pytestmark = needs_ffmpeg

SRC = "testsrc2=size={size}:rate=25"
# name, file, size, ffmpeg video options
CODECS = [
    ("prores", "prores.mov", "352x288", ["-c:v", "prores_ks"]),
    ("dnxhd", "dnxhd.mov", "1280x720", ["-c:v", "dnxhd", "-b:v", "90M", "-pix_fmt", "yuv422p"]),
    ("vp8", "vp8.webm", "352x288", ["-c:v", "libvpx", "-b:v", "1M"]),
    ("av1", "av1.mkv", "352x288", ["-c:v", "libaom-av1", "-cpu-used", "8", "-b:v", "200k"]),
    ("gif", "anim.gif", "352x288", ["-c:v", "gif"]),
    ("h263", "h263.3gp", "352x288", ["-c:v", "h263"]),
    ("wmv2", "wmv2.wmv", "352x288", ["-c:v", "wmv2"]),
    ("dv", "dv.dv", "720x576", ["-c:v", "dvvideo", "-pix_fmt", "yuv420p"]),
    ("utvideo", "ut.avi", "352x288", ["-c:v", "utvideo"]),
    ("rawvideo", "raw.avi", "352x288", ["-c:v", "rawvideo", "-pix_fmt", "yuv420p"]),
    ("qtrle", "qtrle.mov", "352x288", ["-c:v", "qtrle"]),
]
FRAMES = 12


def _encoder_exists(options: list[str]) -> bool:
    name = options[options.index("-c:v") + 1]
    listed = subprocess.run(["ffmpeg", "-hide_banner", "-encoders"], capture_output=True,
                            text=True, timeout=60).stdout
    return f" {name} " in listed


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("codecs")
    made = {}
    for name, file, size, options in CODECS:
        if not _encoder_exists(options):
            continue
        out = folder / file
        ffmpeg("-f", "lavfi", "-i", SRC.format(size=size), "-frames:v", str(FRAMES),
               *options, out)
        made[name] = out
    return made


def _decoded_frames(path: Path) -> int:
    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0))


@pytest.mark.parametrize("ext", [".mp4", ".mov", ".mkv"])
@pytest.mark.parametrize("codec", [c[0] for c in CODECS])
def test_fast_render_copies_or_falls_back_to_exact(sources, tmp_path, capsys, codec, ext):
    if codec not in sources:
        pytest.skip(f"this ffmpeg has no {codec} encoder")
    clip = tmp_path / sources[codec].name
    shutil.copy(sources[codec], clip)
    project = edit_project(clip, tmp_path / "p.json", [(2, 9)])
    out = tmp_path / f"cut{ext}"
    rc = main(["render", str(project), "--mode", "fast", "-o", str(out)])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "internal error" not in captured.err
    wrote = captured.out.splitlines()[0]
    frames = int(wrote.split(": ")[1].split(" frames")[0])
    assert _decoded_frames(out) == frames  # whatever was written plays, all of it
    if "rendered in exact mode" in captured.out:
        assert frames == 7 and "frame-exact" in wrote and "NOT" not in wrote


def test_a_pyav_written_mkv_copies(make_clip, tmp_path, capsys) -> None:
    from vidi_desktop.media.synth import sine

    src = make_clip("rel_pyav.mkv", frames=50, rate=Fraction(25), gop=10, audio=sine(440, .3))
    project = edit_project(src, tmp_path / "p.json", [(12, 31)])
    for ext in (".mp4", ".mov", ".mkv"):
        out = tmp_path / f"cut{ext}"
        assert main(["-q", "render", str(project), "--mode", "fast", "-o", str(out)]) == 0
        assert _decoded_frames(out) == 30  # whole GOPs: frames 10..39


def test_fast_render_of_a_transport_stream_starts_on_its_keyframe(make_clip, tmp_path):
    """TS seeks by dts and lands past the keyframe: the copy must still start on it."""
    src = make_clip("rel_fast_ts.mp4", frames=60, rate=Fraction(25), gop=15, bframes=2)
    ts = tmp_path / "clip.ts"
    ffmpeg("-i", src, "-c", "copy", "-f", "mpegts", ts)
    project = edit_project(ts, tmp_path / "p.json", [(20, 40)])
    out = tmp_path / "cut.mp4"
    assert main(["-q", "render", str(project), "--mode", "fast", "-o", str(out)]) == 0
    with av.open(str(out)) as c:
        numbers = [read_frame_number(f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
    assert numbers == list(range(15, 45))  # GOPs 15..29 and 30..44, every frame intact
