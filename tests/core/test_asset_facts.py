"""An asset's probe facts, parsed once into a typed value; impossible stored facts refused."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import pytest

from vidi_desktop.core.errors import ProjectError
from vidi_desktop.core.project import (
    Asset,
    AssetFacts,
    AssetFactsError,
    Project,
    dumps,
    load_project,
)

# What ``probe --json`` writes for a 29.97 DF clip with stereo audio (keys as in media/probe).
PROBED = {
    "file": "/media/clip.mov",
    "container": "mov,mp4,m4a,3gp,3g2,mj2",
    "duration": 10.01,
    "start_time": 0.0,
    "start_timecode": "01:00:00;00",
    "video": {
        "codec": "h264",
        "width": 1440,
        "height": 1080,
        "rate": "30000/1001",
        "frames": 300,
        "sar": "4:3",
        "rotation": 90,
        "vfr": False,
        "average_rate": "30000/1001",
        "dar": "16:9",
        "display_width": 1080,
        "display_height": 1920,
        "time_base": "1/30000",
        "start_pts": 1001,
        "keyframes": 10,
        "pix_fmt": "yuv420p",
    },
    "audio": [{"codec": "aac", "sample_rate": 48000, "channels": 2, "layout": "stereo",
               "stream_index": 1}],
    "duration_exact": "1001/100",
    "start_time_exact": "1/30",
}


def test_probe_json_reads_as_typed_exact_facts() -> None:
    f = AssetFacts.from_info(PROBED)
    assert f.duration == Fraction(1001, 100) and f.start == Fraction(1, 30)
    assert f.start_timecode == "01:00:00;00" and f.drop_frame
    v = f.video
    assert v is not None and not v.vfr
    assert (v.rate, v.average_rate, v.frames) == (Fraction(30000, 1001),) * 2 + (300,)
    assert (v.width, v.height, v.sar, v.rotation) == (1440, 1080, Fraction(4, 3), 90)
    assert (v.display_width, v.display_height) == (1080, 1920)
    assert v.origin == Fraction(1001, 30000)
    assert [(a.codec, a.sample_rate, a.channels, a.stream_index) for a in f.audio] == [
        ("aac", 48000, 2, 1)
    ]


def test_variable_rate_is_none_with_the_average_kept() -> None:
    info = {"video": {"rate": None, "vfr": True, "average_rate": "24000/1001"}}
    v = AssetFacts.from_info(info).video
    assert v is not None and v.vfr and v.rate is None and v.average_rate == Fraction(24000, 1001)


def test_facts_are_built_once_with_the_asset() -> None:
    a = Asset.new("/media/clip.mov", 1, 2, info=PROBED)
    assert a.facts is a.facts and a.facts == AssetFacts.from_info(PROBED)
    assert a.extent() is not None and a.extent().start.seconds == Fraction(1, 30)


@pytest.mark.parametrize(
    "info",
    [
        {"video": {"rate": "n/a", "width": "wide", "frames": "many", "sar": "square"}},
        {"duration": "nonsense", "start_timecode": 3600, "audio": "stereo"},
        {"duration": "1e999999"},  # exponents are not probe's; never expanded to digits
        {"duration_exact": "0/0", "video": {"time_base": "1/0"}},
        {"video": ["not", "an", "object"], "audio": [1, None, "x"]},
    ],
)
def test_facts_of_types_probe_never_writes_read_as_unknown(info: dict) -> None:
    f = AssetFacts.from_info(info)
    assert f.duration is None and f.start == 0 and f.start_timecode is None and f.audio == ()
    if f.video is not None:
        assert (f.video.rate, f.video.width, f.video.frames, f.video.sar) == (
            None, None, None, Fraction(1)
        )
        assert f.video.time_base is None


@pytest.mark.parametrize(
    ("info", "key"),
    [
        ({"video": {"width": 1e9}}, "info.video.width"),
        ({"video": {"height": 10**12}}, "info.video.height"),
        ({"duration": "9" * 4299}, "info.duration"),
        ({"duration_exact": int("9" * 4299)}, "info.duration_exact"),
        ({"duration": 1e300}, "info.duration"),
        ({"start_time_exact": "-10000000000/3"}, "info.start_time_exact"),
        ({"video": {"frames": -5}}, "info.video.frames"),
        ({"video": {"frames": 2.5}}, "info.video.frames"),
        ({"video": {"rate": "1000000/1"}}, "info.video.rate"),
        ({"video": {"sar": "1:1000"}}, "info.video.sar"),
        ({"audio": [{"channels": 100000}]}, "info.audio[0].channels"),
        ({"audio": [{}, {"sample_rate": 10**12}]}, "info.audio[1].sample_rate"),
    ],
)
def test_impossible_facts_are_refused_naming_the_key(info: dict, key: str) -> None:
    with pytest.raises(AssetFactsError, match="^" + re.escape(key)):
        AssetFacts.from_info(info)


@pytest.mark.parametrize(
    ("video", "key"),
    [({"width": 1e9}, "width"), ({"frames": 10**12}, "frames")],
)
def test_a_hand_edited_project_with_impossible_facts_is_a_project_error(
    tmp_path: Path, video: dict, key: str
) -> None:
    good = Project(assets=(Asset("A", "/media/a.mp4", 10, 20, info={"duration": "12"}),))
    doc = json.loads(dumps(good))
    doc["assets"][0]["info"]["video"] = video
    path = tmp_path / "edited.vidi"
    path.write_text(json.dumps(doc))
    with pytest.raises(ProjectError, match=rf"assets\[0\].*info\.video\.{key}") as err:
        load_project(path)
    assert "\n" not in str(err.value) and len(str(err.value)) < 300


def test_a_4299_digit_duration_in_a_project_file_is_one_line(tmp_path: Path) -> None:
    good = Project(assets=(Asset("A", "/media/a.mp4", 10, 20, info={"duration": "12"}),))
    path = tmp_path / "edited.vidi"
    path.write_text(dumps(good).decode().replace('"12"', "9" * 4299))
    # The file reader refuses a number that long before any fact is parsed from it.
    with pytest.raises(ProjectError, match=r"a number with 4299 digits") as err:
        load_project(path)
    assert "\n" not in str(err.value) and len(str(err.value)) < 300


class _Ident:
    def __init__(self, path: str, size: int, mtime_ns: int) -> None:
        self.path, self.size, self.mtime_ns = path, size, mtime_ns


def test_find_asset_matches_path_size_and_mtime_all_three() -> None:
    a = Asset("A", "/media/a.mp4", 10, 20)
    b = Asset("B", "/media/b.mp4", 10, 20)
    project = Project(assets=(a, b))
    assert project.find_asset(_Ident("/media/b.mp4", 10, 20)) is b
    assert project.find_asset(_Ident("/media/b.mp4", 11, 20)) is None  # rewritten
    assert project.find_asset(_Ident("/media/b.mp4", 10, 21)) is None  # touched
    assert project.find_asset(_Ident("/media/c.mp4", 10, 20)) is None
