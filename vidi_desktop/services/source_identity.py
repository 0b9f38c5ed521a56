"""Trust the file, not the project: a source must still be the file the project describes.

A project remembers each source's path, size, mtime and probe facts. If the file at that
path was replaced — a shorter take copied over it, a re-export, a proxy — an edit made on
the old one no longer lands on the same frames: a render would repeat the last frame and
call itself frame-exact, an EDL would point past the end. Before rendering or exporting,
every source the output uses is checked; a mismatch is refused with one line naming the
file and what differs (size, duration, frame count, picture size).

A file whose size and mtime are those recorded is the same file without looking further,
unless ``probe_always`` (render: its frame sizes and counts drive allocations, so they come
from the file, never from a project that may have been edited by hand). A file that is not
there is left to the caller (an NLE export still makes sense: the NLE relinks).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from vidi_desktop.core.errors import MediaError
from vidi_desktop.interchange.errors import ExportError

if TYPE_CHECKING:
    from vidi_desktop.core.project import Asset, Project
    from vidi_desktop.media.probe import MediaInfo

# Durations written by probe are exact; a hand-made or older project may hold rounded
# seconds. Half a millisecond is far below one frame at any real rate.
_DURATION_SLACK = Fraction(1, 2000)


def used_asset_ids(project: Project, include: str, kinds: Iterable[str] | None) -> set[str]:
    """The assets an export of ``include``/``kinds`` can touch: the edit's and the selected
    suggestions'."""
    from vidi_desktop.interchange.timeline import expand_kinds, select_suggestions

    wanted = expand_kinds(tuple(kinds)) if kinds else None
    ids = {s.asset_id for s in select_suggestions(project, include, wanted)}
    ids.update(c.asset_id for c in project.edit)
    return ids


def check_sources(
    project: Project,
    asset_ids: Iterable[str],
    *,
    probe_always: bool = False,
) -> None:
    """Refuse (:class:`ExportError`) a source that is not the file the project describes."""
    for asset_id in sorted(set(asset_ids)):
        if project.has_asset(asset_id):
            check_source(project.asset(asset_id), probe_always=probe_always)


def check_source(asset: Asset, *, probe_always: bool = False) -> None:
    """One asset; see :func:`check_sources`. A missing file passes (the caller decides)."""
    from vidi_desktop.media.probe import probe

    try:
        st = os.stat(asset.path)
    except (OSError, ValueError):
        return
    if not probe_always and (st.st_size, st.st_mtime_ns) == (asset.size, asset.mtime_ns):
        return
    try:
        info = probe(asset.path, allow_truncated=True)
    except MediaError as exc:
        raise ExportError(f"{asset.name}: the source cannot be read any more ({exc})") from None
    differences = _differences(asset, info, st.st_size)
    if differences:
        raise ExportError(
            f"{asset.name}: the file at {asset.path} is not the one in the project "
            f"({'; '.join(differences)}): re-analyze it or put the original back"
        )


def _differences(asset: Asset, info: MediaInfo, size: int) -> list[str]:
    facts: dict[str, Any] = asset.info if isinstance(asset.info, dict) else {}
    out: list[str] = []
    if size != asset.size:
        out.append(f"size {asset.size} → {size} bytes")
    stored = _stored_duration(facts)
    if stored is None or abs(stored - info.duration) > _DURATION_SLACK:
        was = "unknown" if stored is None else f"{float(stored):.3f} s"
        out.append(f"duration {was} → {float(info.duration):.3f} s")
    video = facts.get("video") if isinstance(facts.get("video"), dict) else None
    if (video is None) != (info.video is None):
        out.append("video stream " + ("added" if video is None else "gone"))
    elif video is not None and info.video is not None:
        now = info.video
        if video.get("frames") != now.frames:
            out.append(f"{_short(video.get('frames'))} → {now.frames} frames")
        if (video.get("width"), video.get("height")) != (now.width, now.height):
            was = f"{_short(video.get('width'))}x{_short(video.get('height'))}"
            out.append(f"picture {was} → {now.width}x{now.height}")
    return out


def _stored_duration(facts: dict[str, Any]) -> Fraction | None:
    for key in ("duration_exact", "duration"):
        value = facts.get(key)
        if isinstance(value, bool) or value is None:
            continue
        try:
            text = str(value)
            if len(text) > 64:  # a hand-edited 4000-digit number is no duration
                return None
            return Fraction(text)
        except (ValueError, ZeroDivisionError):
            return None
    return None


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 12 else text[:12] + "…"
