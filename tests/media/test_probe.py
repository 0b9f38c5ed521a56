"""probe(): frame-exact facts on real footage and on clips made with known properties."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from vidi_desktop.core.rate import FrameRate
from vidi_desktop.media.probe import probe

# Known facts of ../shared/media (see its README); rate None means variable.
SHARED_FACTS = {
    "counter.mp4": dict(rate="10/1", frames=30, size=(1920, 1080), start=Fraction(0)),
    "delayed_start.mp4": dict(rate="25/1", frames=24, size=(480, 320), start=Fraction(1075, 1000)),
    "example.mp4": dict(rate="30/1", frames=1272, size=(1280, 720), start=Fraction(0)),
    "testvideo.mp4": dict(rate="30000/1001", frames=720, size=(1280, 720), start=Fraction(0)),
    "goldeneye-vfr-drop3.mp4": dict(rate=None, frames=160, size=(1280, 544), start=Fraction(0)),
    "fades.mp4": dict(rate="25/1", frames=250, size=(480, 320), start=Fraction(0)),
    "issue-134-rotate.mp4": dict(rate="24000/1001", frames=240, size=(1280, 544), start=0),
    "issue-195-aspect-ratio.mp4": dict(rate="25/1", frames=628, size=(704, 576), start=0),
    "issue-236-split-copy.mkv": dict(rate="24000/1001", frames=48, size=(1920, 1080), start=0),
}

CONTRACT_KEYS = {"file", "container", "duration", "start_time", "start_timecode", "video", "audio"}
VIDEO_KEYS = {"codec", "width", "height", "rate", "frames", "sar", "rotation"}
AUDIO_KEYS = {"codec", "sample_rate", "channels"}


@pytest.mark.parametrize("name", sorted(SHARED_FACTS))
def test_shared_clip_facts(shared_media: Path, name: str) -> None:
    facts = SHARED_FACTS[name]
    doc = probe(shared_media / name).to_json()
    assert doc.keys() >= CONTRACT_KEYS
    assert doc["video"].keys() >= VIDEO_KEYS
    assert doc["video"]["rate"] == facts["rate"]
    assert doc["video"]["frames"] == facts["frames"]
    assert (doc["video"]["width"], doc["video"]["height"]) == facts["size"]
    assert Fraction(doc["start_time_exact"]) == facts["start"]
    for a in doc["audio"]:
        assert a.keys() >= AUDIO_KEYS


def test_vfr_clip_has_no_rate_but_an_average(shared_media: Path) -> None:
    info = probe(shared_media / "goldeneye-vfr-drop3.mp4")
    assert info.video is not None and info.video.is_vfr
    assert info.to_json()["video"]["rate"] is None
    # 160 frames over ~10 s: about 16 fps on average (every third frame of 23.976 dropped).
    assert 15 < float(info.video.average_rate) < 17


def test_rotation_reported(shared_media: Path) -> None:
    info = probe(shared_media / "issue-134-rotate.mp4")
    assert info.video is not None
    assert info.video.rotation == 90
    assert info.video.display_size == (544, 1280)


def test_sar_and_display_aspect(shared_media: Path) -> None:
    doc = probe(shared_media / "issue-195-aspect-ratio.mp4").to_json()
    assert doc["video"]["sar"] == "16:11"
    assert doc["video"]["dar"] == "16:9"
    assert doc["video"]["display_width"] == 1024


def test_non_zero_start(shared_media: Path) -> None:
    info = probe(shared_media / "delayed_start.mp4")
    assert info.start_time == Fraction(43, 40)  # 13760 / 12800 s
    assert info.video is not None and info.video.start_pts == 13760


def test_audio_layout(shared_media: Path) -> None:
    doc = probe(shared_media / "example.mp4").to_json()
    assert doc["audio"] == [
        {"codec": "aac", "sample_rate": 48000, "channels": 2, "layout": "stereo", "stream_index": 1}
    ]


def test_matroska_container(shared_media: Path) -> None:
    doc = probe(shared_media / "issue-236-split-copy.mkv").to_json()
    assert doc["container"].startswith("matroska")
    assert len(doc["audio"]) == 1


def test_file_without_timecode_starts_at_zero(shared_media: Path) -> None:
    info = probe(shared_media / "example.mp4")
    assert info.start_timecode == "00:00:00:00"
    assert info.start_timecode_source == "default"


@pytest.mark.parametrize(
    ("ext", "rate", "timecode"),
    [
        ("mp4", Fraction(30000, 1001), "01:00:00;00"),
        ("mov", Fraction(30000, 1001), "00:59:59;28"),
        ("mov", Fraction(60000, 1001), "10:00:00;04"),
        ("mp4", Fraction(30000, 1001), "01:00:00:00"),  # 29.97 NDF stays NDF
        ("mp4", Fraction(24000, 1001), "01:00:00:00"),
        ("mov", Fraction(25), "10:00:00:00"),
        ("mkv", Fraction(30000, 1001), "01:00:00;00"),
    ],
)
def test_embedded_start_timecode(make_clip, ext: str, rate: Fraction, timecode: str) -> None:
    name = f"tc_{rate.numerator}_{timecode}.{ext}".replace(":", "-").replace(";", "_")
    clip = make_clip(name, frames=12, rate=rate, timecode=timecode)
    info = probe(clip)
    assert info.start_timecode == timecode
    assert info.start_timecode_source == "tmcd"
    assert info.video is not None and info.video.rate == FrameRate(rate)


def test_generated_vfr_pts_exact(make_clip) -> None:
    pts = [0, 1000, 2000, 3500, 4000, 6000, 7001, 8000]
    clip = make_clip("vfr.mp4", frames=len(pts), rate=30, pts=pts, time_base=Fraction(1, 30000))
    info = probe(clip)
    assert info.video is not None and info.video.is_vfr
    assert list(info.video.frame_index.pts) == pts


def test_audio_only_file(audio_only: Path) -> None:
    doc = probe(audio_only).to_json()
    assert doc["video"] is None
    assert doc["audio"][0]["sample_rate"] == 48000
    assert doc["audio"][0]["channels"] == 1
    assert abs(doc["duration"] - 1.0) < 0.05


def test_probe_is_cached_by_identity(small_clip: Path) -> None:
    """A second probe reads the frame table from the cache and agrees with the first."""
    first = probe(small_clip)
    second = probe(small_clip)
    assert first.video is not None and second.video is not None
    assert first.video.frame_index == second.video.frame_index
    assert first.to_json() == second.to_json()


def test_the_frame_table_is_the_same_with_the_sound_left_unread(small_clip: Path) -> None:
    """The scan reads only the picture packets (the demuxer skips the audio's): the same
    timestamps, keyframes and end as a scan that reads every packet."""
    import av

    from vidi_desktop.media.container import read_only
    from vidi_desktop.media.index import scan_stream

    scans = []
    for skip_sound in (False, True):
        with av.open(str(small_clip)) as container:
            video = container.streams.video[0]
            if skip_sound:
                read_only(container, video)
            scans.append(scan_stream(container, video, small_clip))
    assert len(scans[0].frames) == 60
    assert scans[1] == scans[0]
