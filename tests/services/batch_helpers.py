"""Helpers shared by the batch tests: input folders and output comparison."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from vidi_desktop.services.batch_index import INDEX_NAME, REPORT_NAME, without_timings


def two_folders_same_name(root: Path, shared: Path) -> Path:
    """``root/a/clip.mp4`` (testvideo: cuts, fades, a dissolve) and ``root/b/clip.mp4``
    (goldeneye: variable frame rate, two cuts) — the same name in two folders."""
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    shutil.copy2(shared / "testvideo.mp4", root / "a" / "clip.mp4")
    shutil.copy2(shared / "goldeneye-vfr-drop3.mp4", root / "b" / "clip.mp4")
    return root


def output_files(out: Path) -> dict[str, Path]:
    """Every file under ``out`` by relative path (the report and hidden files left out)."""
    return {
        p.relative_to(out).as_posix(): p
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != REPORT_NAME
    }


def comparable(path: Path) -> bytes:
    """The file's bytes, with what may differ between two runs (timings, the run's start
    stamp in each project's ``created``) taken out."""
    data = path.read_bytes()
    if path.name == INDEX_NAME:
        return json.dumps(without_timings(json.loads(data)), sort_keys=True).encode()
    if path.suffix == ".vidi":
        return _blank_created(data)
    return data


def assert_same_outputs(one: Path, two: Path) -> None:
    """Both output folders hold the same files with the same bytes (except timings)."""
    a, b = output_files(one), output_files(two)
    assert sorted(a) == sorted(b)
    for rel in a:
        assert comparable(a[rel]) == comparable(b[rel]), rel


def _blank_created(data: bytes) -> bytes:
    """A project file's bytes with the value of ``"created"`` emptied (nothing else)."""
    out, n = re.subn(rb'"created":"[^"]*"', b'"created":""', data)
    assert n == 1
    return out
