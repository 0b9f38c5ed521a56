"""The headless front door: ``vidi-desktop probe|thumbs|analyze|export``.

Start-up must stay fast (``--help`` well under half a second): nothing heavy is imported at
module level; each command imports what it needs. Errors the user can fix (bad files, bad
projects) print one line and exit with status 2; ``--debug`` shows tracebacks.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from vidi_desktop import __version__

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2  # bad input: missing/corrupt media, invalid project, unknown format
EXIT_INTERRUPTED = 130

EXPORT_FORMATS = ("edl", "fcp7", "fcpxml", "otio", "srt", "vtt", "csv", "json")


class CliError(Exception):
    """A usage problem the CLI reports in one line (exit status 2)."""


# -- progress --------------------------------------------------------------------------------
@contextmanager
def progress_bar(label: str, enabled: bool) -> Iterator[Callable[[float | None, str], None]]:
    """A rich progress bar on a terminal; silent when piped or with ``--quiet``."""
    if not enabled or not sys.stderr.isatty():
        yield lambda fraction, message="": None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[detail]}"),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=1.0, detail="")

        def update(fraction: float | None, message: str = "") -> None:
            bar.update(task, completed=fraction or 0.0, detail=message)

        yield update


# -- probe -----------------------------------------------------------------------------------
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


# -- thumbs ----------------------------------------------------------------------------------
def _cmd_thumbs(args: argparse.Namespace) -> int:
    from vidi_desktop.core.timecode import frames_to_timecode
    from vidi_desktop.media.probe import probe
    from vidi_desktop.media.thumbnails import encode_png, thumbnails

    info = probe(args.file)
    if info.video is None:
        from vidi_desktop.core.errors import MissingStreamError

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


# -- analyze ---------------------------------------------------------------------------------
def _cmd_analyze(args: argparse.Namespace) -> int:
    from vidi_desktop.paths import sample_clip
    from vidi_desktop.services.analyze import AnalyzeOptions, analyze_files

    files = [Path(f) for f in args.files]
    if args.sample:
        files.insert(0, sample_clip())
    if not files:
        raise CliError("nothing to analyze: give one or more media files, or --sample")
    output = Path(args.output)
    options = AnalyzeOptions()
    with progress_bar("analyzing", not args.quiet) as report:
        result = analyze_files(files, output, options, on_progress=report)
    if not args.quiet:
        for line in result.summary_lines():
            print(line)
    return EXIT_OK


# -- export ----------------------------------------------------------------------------------
def _cmd_export(args: argparse.Namespace) -> int:
    from vidi_desktop.services.export import export_project

    export_project(
        Path(args.project),
        fmt=args.format,
        output=Path(args.output),
        include=args.include,
        kinds=args.kind or None,
    )
    if not args.quiet:
        print(f"wrote {args.output}")
    return EXIT_OK


# -- parser ----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vidi-desktop",
        description="Find, review and export the moments that matter in raw footage.",
    )
    parser.add_argument("--version", action="version", version=f"vidi-desktop {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress or summaries")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("probe", help="frame-exact facts about media files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_probe)

    p = sub.add_parser("thumbs", help="write timeline thumbnails as PNG files")
    p.add_argument("file", metavar="FILE")
    p.add_argument("-n", "--count", type=_positive_int, default=10, help="how many (10)")
    p.add_argument("--height", type=_positive_int, default=90, help="pixel height (90)")
    p.add_argument("-o", "--output", metavar="DIR", help="folder (default: <name>_thumbs)")
    p.add_argument("--json", action="store_true", help="list what was written as JSON")
    p.set_defaults(func=_cmd_thumbs)

    p = sub.add_parser("analyze", help="analyse footage into a project of suggestions")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("--sample", action="store_true", help="include the bundled sample clip")
    p.add_argument("-o", "--output", default="project.json", metavar="PROJECT",
                   help="project file to write (default: project.json)")
    p.set_defaults(func=_cmd_analyze)

    p = sub.add_parser("export", help="export a project's edit or suggestions")
    p.add_argument("project", metavar="PROJECT")
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p.add_argument("--include", choices=("accepted", "pending", "all"), default="accepted")
    p.add_argument("--kind", action="append", metavar="KIND",
                   help="only suggestions of this kind (repeatable)")
    p.set_defaults(func=_cmd_export)
    return parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``vidi-desktop`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.command is None:
        return _launch_gui_or_help(parser)
    from vidi_desktop.core.errors import VidiError

    try:
        return int(args.func(args))
    except (VidiError, CliError) as exc:
        if args.debug:
            raise
        print(f"vidi-desktop: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("vidi-desktop: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"vidi-desktop: internal error: {type(exc).__name__}: {exc} (run with --debug)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _launch_gui_or_help(parser: argparse.ArgumentParser) -> int:
    """The GUI once ``vidi_desktop.qt`` exists; until then, the CLI help."""
    import importlib.util

    if importlib.util.find_spec("vidi_desktop.qt.app") is not None:
        from vidi_desktop.qt.app import run_gui  # type: ignore[import-not-found]

        return int(run_gui())
    parser.print_help()
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
