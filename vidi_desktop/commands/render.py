"""``vidi-desktop render PROJECT -o FILE``: the accepted edit rendered with PyAV."""

from __future__ import annotations

import argparse
from fractions import Fraction
from pathlib import Path
from typing import Any

from vidi_desktop.commands.common import EXIT_OK, nothing_accepted, progress_bar, size


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``render`` command."""
    p = sub.add_parser(
        "render",
        help="render the edit (or highlights) to a video file",
        description="Render the accepted edit to H.264/AAC with PyAV, frame-exact (or copying "
        "whole GOPs with --mode fast), accepted crop paths applied. With nothing accepted "
        "that cuts, keeps or reframes, the render is refused (exit status 2) and says what "
        "to run instead: `vidi-desktop review PROJECT --accept …`, --include pending, or "
        "--whole for the uncut file.",
    )
    p.add_argument("project", metavar="PROJECT", help="the project file to render")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="video file to write (.mp4, .mov or .mkv)")
    p.add_argument("--mode", choices=("exact", "fast"), default="exact",
                   help="exact: re-encode, frame-exact (default); fast: copy from keyframes")
    p.add_argument("--include", choices=("accepted", "pending", "all"), default="accepted",
                   help="which suggestions: accepted (default), pending, or all")
    p.add_argument("--kind", action="append", metavar="KIND",
                   help="build the cut from these suggestion kinds only (repeatable; a crop "
                   "path applies only when reframe is one of them): silences, cuts, "
                   "highlights, shots, reframe…, singular or plural")
    p.add_argument("--whole", action="store_true",
                   help="render the files uncut (without it, a render with nothing accepted "
                   "to cut, keep or reframe is refused)")
    p.add_argument("--per-highlight", action="store_true",
                   help="one file per highlight clip: NAME-01.mp4…")
    p.add_argument("--size", type=size, metavar="WxH",
                   help="output size (default: the source's, or 1080x1920 etc. when reframed)")
    p.add_argument("--burn-subtitles", action="store_true",
                   help="draw the accepted subtitle cues into the picture")
    p.add_argument("--no-reframe", action="store_true", help="ignore accepted crop paths")
    p.add_argument("--crf", type=int, default=18, help="H.264 quality, lower is better (18)")
    p.set_defaults(func=_cmd_render)


def _cmd_render(args: argparse.Namespace) -> int:
    from vidi_desktop.interchange.errors import NothingAcceptedError

    try:
        reports = _render(args)
    except NothingAcceptedError as exc:
        raise nothing_accepted(exc, args.project, args.include) from None
    if not args.quiet:
        for r in reports:
            exact = "frame-exact" if r.frame_exact else "NOT frame-exact"
            print(f"wrote {r.path}: {r.frames} frames ({duration_tc(r)}, "
                  f"{float(r.duration):.2f} s), {exact}")
            for note in r.notes:
                print(f"  note: {note}")
    return EXIT_OK


def _render(args: argparse.Namespace) -> list[Any]:
    from vidi_desktop.services.export import render_project

    with progress_bar("rendering", not args.quiet) as report:
        return render_project(
            Path(args.project),
            output=Path(args.output),
            mode=args.mode,
            include=args.include,
            kinds=args.kind or None,
            per_highlight=args.per_highlight,
            size=args.size,
            burn_subtitles=args.burn_subtitles,
            reframe=not args.no_reframe,
            crf=args.crf,
            on_progress=report,
            whole=args.whole,
        )


def duration_tc(report: Any) -> str:
    """A render's running time as timecode at its frame rate (HH:MM:SS:FF)."""
    from vidi_desktop.core.timecode import frames_to_timecode

    if not report.frames or not report.duration:
        return "00:00:00:00"
    # frames / duration is the exact output rate (30000/1001…) of a constant-rate render.
    return frames_to_timecode(report.frames, Fraction(report.frames) / Fraction(report.duration))
