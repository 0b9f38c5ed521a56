"""``vidi-desktop render PROJECT -o FILE``: the accepted edit rendered with PyAV."""

from __future__ import annotations

import argparse
from pathlib import Path

from vidi_desktop.commands.common import EXIT_OK, progress_bar, size


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``render`` command."""
    p = sub.add_parser("render", help="render the edit (or highlights) to a video file")
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="video file to write (.mp4, .mov or .mkv)")
    p.add_argument("--mode", choices=("exact", "fast"), default="exact",
                   help="exact: re-encode, frame-exact (default); fast: copy from keyframes")
    p.add_argument("--include", choices=("accepted", "pending", "all"), default="accepted")
    p.add_argument("--kind", action="append", metavar="KIND",
                   help="build the cut from these suggestion kinds (repeatable)")
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
    from vidi_desktop.services.export import render_project

    with progress_bar("rendering", not args.quiet) as report:
        reports = render_project(
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
        )
    if not args.quiet:
        for r in reports:
            exact = "frame-exact" if r.frame_exact else "NOT frame-exact"
            print(f"wrote {r.path}: {r.frames} frames, {float(r.duration):.2f} s, {exact}")
            for note in r.notes:
                print(f"  note: {note}")
    return EXIT_OK
