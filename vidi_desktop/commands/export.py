"""``vidi-desktop export PROJECT --format F -o FILE``: the edit or suggestions for an NLE."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vidi_desktop.commands.common import EXIT_OK
from vidi_desktop.interchange.fcpxml_versions import DEFAULT_VERSION, FCPXML_VERSIONS
from vidi_desktop.interchange.formats import FORMAT_IDS

EXPORT_FORMATS = FORMAT_IDS  # the format table, read live (a registered format is a choice)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``export`` command."""
    p = sub.add_parser("export", help="export a project's edit or suggestions")
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p.add_argument("--include", choices=("accepted", "pending", "all"), default="accepted")
    p.add_argument("--kind", action="append", metavar="KIND",
                   help="only suggestions of this kind (repeatable): a kind name or "
                        "shots, speech, highlights, chapters, subtitles, tubes, reframe")
    p.add_argument("--record-start", default="01:00:00:00", metavar="TC",
                   help="timecode of the sequence's first frame (01:00:00:00)")
    p.add_argument("--fcpxml-version", default=DEFAULT_VERSION, choices=FCPXML_VERSIONS,
                   metavar="V", help=f"FCPXML version: {', '.join(FCPXML_VERSIONS)} "
                                     f"({DEFAULT_VERSION})")
    p.add_argument("--no-markers", action="store_true",
                   help="leave out markers (shots, chapters, objects, undecided suggestions)")
    p.add_argument("--pending-as", choices=("clips", "markers", "disabled"), default="clips",
                   help="pending suggestions as clips (default), markers or disabled clips; "
                        "rejected ones are markers or, with 'disabled', disabled clips")
    p.add_argument("--subtitle-times", choices=("source", "timecode", "edit"),
                   default="source",
                   help="srt/vtt clock: from the file's start, on its timecode, or on the edit")
    p.add_argument("--per-highlight", action="store_true",
                   help="one file per highlight clip: NAME-01.ext, NAME-02.ext…")
    p.add_argument("--edl-video-only", action="store_true",
                   help="EDL events on V only (default: AA/V when the source has audio)")
    p.set_defaults(func=_cmd_export)


def _cmd_export(args: argparse.Namespace) -> int:
    from vidi_desktop.services.export import export_files

    result = export_files(
        Path(args.project),
        fmt=args.format,
        output=Path(args.output),
        include=args.include,
        kinds=args.kind or None,
        **_export_options(args),
    )
    for warning in result.warnings:
        print(f"vidi-desktop: warning: {warning}", file=sys.stderr)
    if not args.quiet:
        for path in result.paths:
            print(f"wrote {path}")
    return EXIT_OK


def _export_options(args: argparse.Namespace) -> dict[str, Any]:
    """The export flags beyond the json format's, as ``ExportOptions`` fields."""
    if args.format == "json":
        return {}
    return {
        "record_start": args.record_start,
        "fcpxml_version": args.fcpxml_version,
        "markers": not args.no_markers,
        "pending_as": args.pending_as,
        "subtitle_timing": args.subtitle_times,
        "per_highlight": args.per_highlight,
        "edl_audio": not args.edl_video_only,
    }
