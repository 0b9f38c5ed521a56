"""Fixtures of the interchange tests (helpers live in ``interchange_fixtures``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import pytest
from interchange_fixtures import make_asset

from vidi_desktop.core.project import Asset, EditClip, Project
from vidi_desktop.core.time import Time, TimeRange


@pytest.fixture
def edit_project() -> Callable[..., tuple[Project, Asset, list[tuple[int, int]]]]:
    """A project whose edit is ``ranges`` (frame pairs) of one asset at ``rate``."""

    def make(
        rate: Fraction,
        frames: int,
        ranges: Sequence[tuple[int, int]],
        start_timecode: str = "00:00:00:00",
        **kwargs: Any,
    ) -> tuple[Project, Asset, list[tuple[int, int]]]:
        asset = make_asset(rate, frames, start_timecode, **kwargs)
        start = Fraction(kwargs.get("start_time", 0))
        edit = []
        for first, end in ranges:
            r = TimeRange.from_frames(first, end, rate)
            if start:
                offset = Time(start.numerator, Fraction(1, start.denominator))
                r = TimeRange(r.start + offset, r.duration)
            edit.append(EditClip.new(asset.id, r))
        project = Project(assets=(asset,), edit=tuple(edit), name="Edge test")
        return project, asset, list(ranges)

    return make


@pytest.fixture
def unwritable_dir(tmp_path):
    """A folder this process cannot create files in (``/sys`` when running as root)."""
    import os
    import tempfile
    from pathlib import Path

    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o500)
        yield folder
        folder.chmod(0o700)
        return
    folder = Path("/sys")
    try:
        fd, name = tempfile.mkstemp(dir=folder)
    except OSError:
        yield folder
        return
    os.close(fd)
    os.unlink(name)
    pytest.skip("no unwritable folder available to this (root) process")
