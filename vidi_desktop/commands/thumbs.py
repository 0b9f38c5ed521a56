"""``vidi-desktop thumbs FILE [-n 10] [--height 90] [-o DIR]``: timeline thumbnails as PNG."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from vidi_desktop.commands.common import EXIT_OK, CliError, positive_int


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``thumbs`` command."""
    p = sub.add_parser("thumbs", help="write timeline thumbnails as PNG files")
    p.add_argument("file", metavar="FILE")
    p.add_argument("-n", "--count", type=positive_int, default=10, help="how many (10)")
    p.add_argument("--height", type=positive_int, default=90, help="pixel height (90)")
    p.add_argument("-o", "--output", metavar="DIR", help="folder (default: <name>_thumbs)")
    p.add_argument("--json", action="store_true", help="list what was written as JSON")
    p.set_defaults(func=_cmd_thumbs)


def _cmd_thumbs(args: argparse.Namespace) -> int:
    from vidi_desktop.core.errors import MissingStreamError
    from vidi_desktop.core.timecode import frames_to_timecode
    from vidi_desktop.media.probe import probe
    from vidi_desktop.media.thumbnails import encode_png, thumbnails

    info = probe(args.file)
    if info.video is None:
        raise MissingStreamError(f"{info.path}: has no video stream (audio-only file?)")
    out_dir = Path(args.output or f"{Path(args.file).stem}_thumbs")
    if out_dir.exists() and not out_dir.is_dir():
        raise CliError(f"{out_dir}: exists and is not a folder")
    thumbs = thumbnails(args.file, count=args.count, height=args.height)
    out_dir.mkdir(parents=True, exist_ok=True)
    rate = info.video.timecode_rate
    written = []
    for i, t in enumerate(thumbs):
        tc = frames_to_timecode(t.frame, rate).replace(":", "-").replace(";", "-")
        target = out_dir / f"thumb_{i + 1:03d}_{tc}.png"
        target.write_bytes(encode_png(t.image))
        written.append({"file": str(target), "frame": t.frame, "time": float(t.time.seconds)})
    if args.json:
        print(json.dumps(written, indent=2))
    else:
        for w in written:
            print(f"{w['file']}  frame {w['frame']}  {w['time']:.3f} s")
    return EXIT_OK
