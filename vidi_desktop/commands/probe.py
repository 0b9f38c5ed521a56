"""``vidi-desktop probe FILE... [--json]``: frame-exact facts about media files."""

from __future__ import annotations

import argparse
import json
from typing import Any

from vidi_desktop.commands.common import EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``probe`` command."""
    p = sub.add_parser(
        "probe",
        help="frame-exact facts about media files",
        description="Print what a media file holds, frame-exact: container, exact duration "
        "and start, embedded start timecode (DF/NDF), codec, size, frame rate or variable, "
        "frame count, pixel and display aspect, rotation, audio streams.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="media files to read")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_probe)


def _cmd_probe(args: argparse.Namespace) -> int:
    from vidi_desktop.media.probe import probe

    infos = [probe(f) for f in args.files]
    if args.json:
        docs = [i.to_json() for i in infos]
        print(json.dumps(docs[0] if len(docs) == 1 else docs, indent=2))
    else:
        for info in infos:
            print(format_probe(info.to_json()))
    return EXIT_OK


def format_probe(d: dict[str, Any]) -> str:
    """Human summary of a probe document."""
    lines = [d["file"]]
    size_mb = d.get("size", 0) / 1e6
    lines.append(f"  container  {d['container']} ({d.get('container_long', '')}), {size_mb:.1f} MB")
    tc_src = "embedded" if d.get("start_timecode_source") == "tmcd" else "none in file"
    lines.append(
        f"  duration   {d['duration']:.3f} s, starts at {d['start_time']:.3f} s, "
        f"start timecode {d['start_timecode']} ({tc_src})"
    )
    v = d.get("video")
    if v:
        avg = _rate_text(v["average_rate"])
        rate = _rate_text(v["rate"]) if v["rate"] else f"variable rate ({avg} on average)"
        rot = f", rotation {v['rotation']}°" if v["rotation"] else ""
        lines.append(
            f"  video      {v['codec']} {v['width']}x{v['height']}, {rate}, {v['frames']} frames, "
            f"SAR {v['sar']}, DAR {v['dar']}{rot}"
        )
    else:
        lines.append("  video      none")
    for a in d.get("audio", []):
        lines.append(
            f"  audio #{a['stream_index']}   {a['codec']} {a['sample_rate']} Hz, "
            f"{a['channels']} ch ({a['layout']})"
        )
    return "\n".join(lines)


def _rate_text(rate: str | None) -> str:
    """``"30000/1001"`` → ``"29.97 fps (30000/1001)"``, ``"25/1"`` → ``"25 fps"``."""
    if not rate:
        return "unknown rate"
    num, _, den = rate.partition("/")
    if den in ("", "1"):
        return f"{num} fps"
    return f"{int(num) / int(den):.3f}".rstrip("0").rstrip(".") + f" fps ({rate})"
