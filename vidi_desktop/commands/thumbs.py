"""``vidi-desktop thumbs FILE [-n 10] [--height 90] [-o DIR]``: timeline thumbnails as PNG."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from vidi_desktop.commands.common import EXIT_OK, positive_int


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``thumbs`` command."""
    p = sub.add_parser(
        "thumbs",
        help="write timeline thumbnails as PNG files",
        description="Write evenly spaced thumbnails of a video as PNG files, as the "
        "timeline shows them (cached, so a second run is instant).",
    )
    p.add_argument("file", metavar="FILE", help="the video to take thumbnails of")
    p.add_argument("-n", "--count", type=positive_int, default=10, help="how many (10)")
    p.add_argument("--height", type=positive_int, default=90, help="pixel height (90)")
    p.add_argument("-o", "--output", metavar="DIR", help="folder (default: <name>_thumbs)")
    p.add_argument("--json", action="store_true", help="list what was written as JSON")
    p.set_defaults(func=_cmd_thumbs)


def _cmd_thumbs(args: argparse.Namespace) -> int:
    from vidi_desktop.services.thumb_files import write_thumbnails

    out_dir = Path(args.output or f"{Path(args.file).stem}_thumbs")
    written = write_thumbnails(args.file, out_dir, args.count, args.height)  # all or nothing
    if args.json:
        print(json.dumps(written, indent=2))
    else:
        for w in written:
            print(f"{w['file']}  frame {w['frame']}  {w['time']:.3f} s")
    return EXIT_OK
