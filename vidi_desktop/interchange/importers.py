"""Import back: an EDL, FCP7 XML, FCPXML or OTIO file mapped onto the project's assets.

For editors who start in their NLE, and for round trips. Each clip of the first video track
(or of the first audio track when there is no video) is matched to an asset by, in order:
the file path (exact, then the file name alone, for media that moved), the clip name, and
the CMX reel name as vidi writes it. Its source range, counted by the NLE from the file's
start timecode, becomes an exact range of the asset. Clips that match nothing, or that
reach outside their file, are reported one line each and left out.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vidi_desktop.core.project import Asset, EditClip, Project
from vidi_desktop.core.time import TimeRange
from vidi_desktop.interchange.errors import ExportError, ImportFileError
from vidi_desktop.interchange.names import path_from_url, reel_name
from vidi_desktop.interchange.otio_readers import read_any
from vidi_desktop.interchange.sources import SourceMedia

if TYPE_CHECKING:
    import opentimelineio as otio

MAX_CLIPS = 100_000  # far beyond any real timeline; a bound on work for a hostile file


@dataclass(frozen=True, slots=True)
class ImportedClip:
    """One clip of the file, on an asset: frames ``first … end - 1`` at ``record_in``."""

    asset_id: str
    first: int
    end: int
    range: TimeRange
    record_in: int
    name: str
    enabled: bool = True
    matched_by: str = "path"


@dataclass
class ImportResult:
    """Clips matched onto assets, in record order, and what could not be matched."""

    clips: list[ImportedClip] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)

    def edit(self) -> tuple[EditClip, ...]:
        """The matched clips as a project edit (enabled clips, record order)."""
        return tuple(
            EditClip.new(c.asset_id, c.range)
            for c in sorted(self.clips, key=lambda c: c.record_in)
            if c.enabled
        )


def import_timeline(
    project: Project, path: str | os.PathLike[str], *, rate: Fraction | None = None
) -> ImportResult:
    """Read ``path`` (``.edl``, ``.xml``, ``.fcpxml``, ``.otio``) and match it onto ``project``.

    ``rate`` is the EDL's frame rate (an EDL does not state it); by default the rate of the
    project's first video asset.
    """
    sources = _sources(project)
    if rate is None:
        video = [s for s in sources.values() if s.has_video] or list(sources.values())
        rate = video[0].rate.value if video else Fraction(25)
    timeline = read_any(Path(path), rate)
    return match_timeline(project, timeline, sources)


def match_timeline(
    project: Project,
    timeline: otio.schema.Timeline,
    sources: dict[str, SourceMedia] | None = None,
) -> ImportResult:
    """Match an OTIO timeline's clips onto ``project``'s assets."""
    import opentimelineio as otio

    sources = sources or _sources(project)
    tracks = list(timeline.video_tracks()) or list(timeline.audio_tracks())
    result = ImportResult()
    if not tracks:
        result.unmatched.append("the file has no video or audio track")
        return result
    track = tracks[0]
    offset = 0.0
    if track.source_range is not None:
        offset = -track.source_range.start_time.to_seconds()  # EDL: the reader's record shift
    for n, item in enumerate(track, 1):
        if n > MAX_CLIPS:
            raise ImportFileError(f"more than {MAX_CLIPS} clips on one track")
        if not isinstance(item, otio.schema.Clip):
            continue
        label = f"clip {n} ({item.name or 'unnamed'})"
        asset, how = _match(project, item)
        if asset is None:
            result.unmatched.append(f"{label}: no asset matches its file, name or reel")
            continue
        src = sources[asset.id]
        sr = item.source_range or item.available_range()
        first = _frames(sr.start_time, src) - src.tc_start
        count = _frames(sr.duration, src)
        end = first + count
        if first < 0 or end > src.frames or count <= 0:
            result.unmatched.append(
                f"{label}: frames {first}–{end} lie outside {asset.name} (0–{src.frames})"
            )
            continue
        rec = item.range_in_parent().start_time
        record_seconds = rec.to_seconds() + offset
        record_in = round(record_seconds * float(rec.rate))
        result.clips.append(
            ImportedClip(
                asset_id=asset.id,
                first=first,
                end=end,
                range=src.range_of(first, end),
                record_in=record_in,
                name=item.name,
                enabled=item.enabled,
                matched_by=how,
            )
        )
    return result


def _frames(t: Any, src: SourceMedia) -> int:
    """An OTIO time as whole frames of ``src`` (exact when the rates agree)."""
    if abs(t.rate - float(src.rate.value)) < 1e-6:
        return round(t.value)
    return round(t.value / t.rate * float(src.rate.value))


def _sources(project: Project) -> dict[str, SourceMedia]:
    out = {}
    for a in project.assets:
        try:
            out[a.id] = SourceMedia.from_asset(a)
        except ExportError as exc:
            raise ImportFileError(str(exc)) from None
    if not out:
        raise ImportFileError("the project has no media to match clips onto")
    return out


def _match(project: Project, clip: Any) -> tuple[Asset | None, str]:
    """The asset a clip refers to, and how it was found."""
    url = getattr(clip.media_reference, "target_url", None) or ""
    if not url:
        url = clip.metadata.get("vidi", {}).get("path", "") if clip.metadata else ""
    if url:
        path = path_from_url(url)
        for a in project.assets:
            if _same_path(a.path, path):
                return a, "path"
        base = os.path.basename(path.replace("\\", "/")).lower()
        for a in project.assets:
            if os.path.basename(a.path).lower() == base or a.name.lower() == base:
                return a, "file name"
    name = (clip.name or "").strip().lower()
    for a in project.assets:
        if name and (a.name.lower() == name or Path(a.name).stem.lower() == name):
            return a, "clip name"
    reel = (clip.metadata.get("cmx_3600", {}) or {}).get("reel") if clip.metadata else None
    if reel:
        for a in project.assets:
            if reel_name(a.name, set()).upper() == str(reel).strip().upper():
                return a, "reel"
    return None, ""


def _same_path(a: str, b: str) -> bool:
    try:
        return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))
    except (ValueError, OSError):
        return False


def summary(result: ImportResult, assets: Sequence[Asset]) -> list[str]:
    """Human lines: how many clips matched per asset, then the unmatched ones."""
    names = {a.id: a.name for a in assets}
    counts: dict[str, int] = {}
    for c in result.clips:
        counts[c.asset_id] = counts.get(c.asset_id, 0) + 1
    lines = [f"{n} clip(s) on {names[a]}" for a, n in counts.items()]
    lines += [f"not matched: {u}" for u in result.unmatched]
    return lines
