"""``vidi-desktop export PROJECT -o FILE [--format F]``: the edit or suggestions for an NLE;
the format from the file's suffix unless ``--format`` says otherwise."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vidi_desktop.commands.common import EXIT_OK, CliError, nothing_accepted
from vidi_desktop.interchange.fcpxml_versions import DEFAULT_VERSION, FCPXML_VERSIONS
from vidi_desktop.interchange.formats import FORMAT_IDS, FORMATS, format_for_suffix

EXPORT_FORMATS = FORMAT_IDS  # the format table, read live (a registered format is a choice)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``export`` command."""
    p = sub.add_parser(
        "export",
        help="export a project's edit or suggestions",
        description="Write the accepted edit (or the suggestions chosen) for an NLE or a "
        "script: EDL, FCP7 XML, FCPXML, OTIO, MLT, SRT/VTT subtitles, CSV or JSON. The format "
        f"comes from the output's suffix ({_suffixes()}); --format overrides it. With "
        "nothing accepted the export is refused (exit status 2) and says what to run "
        "instead: `vidi-desktop review PROJECT --accept …`, --include pending, or --whole.",
    )
    p.add_argument("project", metavar="PROJECT", help="the project file to export")
    p.add_argument("--format", choices=EXPORT_FORMATS,
                   help="the format, when the output's suffix does not say it: "
                   f"{', '.join(EXPORT_FORMATS)}")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="the file to write (its suffix picks the format)")
    p.add_argument("--include", choices=("accepted", "pending", "all"), default="accepted",
                   help="which suggestions: accepted (default), pending, or all")
    p.add_argument("--kind", action="append", metavar="KIND",
                   help="only suggestions of this kind (repeatable): a kind name or word, "
                        "singular or plural: silences, cuts, shots, highlights, chapters, "
                        "subtitles, speech, tubes, reframe…")
    p.add_argument("--whole", action="store_true",
                   help="the files uncut, every cut and keep as a marker (without it, an "
                   "export with nothing accepted to cut or keep is refused)")
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


def _suffixes() -> str:
    return " ".join(dict.fromkeys(s for f in FORMATS.values() for s in f.suffixes))


def output_format(output: str, given: str | None) -> str:
    """The format asked for: ``--format``, else the one the output's suffix stands for."""
    if given:
        return given
    suffix = Path(output).suffix
    found = format_for_suffix(suffix) if suffix else None
    if found is None:
        said = f"'{suffix}'" if suffix else "no suffix"
        raise CliError(
            f"{output}: {said} names no export format; end the name with one of "
            f"{_suffixes()}, or give --format ({', '.join(EXPORT_FORMATS)})"
        )
    return found.id


def _cmd_export(args: argparse.Namespace) -> int:
    from vidi_desktop.interchange.errors import NothingAcceptedError
    from vidi_desktop.services.export import export_files

    args.format = output_format(args.output, args.format)
    try:
        result = export_files(
            Path(args.project),
            fmt=args.format,
            output=Path(args.output),
            include=args.include,
            kinds=args.kind or None,
            **_export_options(args),
        )
    except NothingAcceptedError as exc:
        raise nothing_accepted(exc, args.project, args.include) from None
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
        "whole": args.whole,
    }
