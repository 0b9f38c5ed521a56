"""The headless front door: ``vidi-desktop probe|thumbs|analyze|export|render``.

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
from fractions import Fraction
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
    from vidi_desktop.analysis.run import AnalyzeOptions
    from vidi_desktop.paths import sample_clip
    from vidi_desktop.services.analyze import analyze_files

    files = [Path(f) for f in args.files]
    if args.sample:
        files.insert(0, sample_clip())
    if not files:
        raise CliError("nothing to analyze: give one or more media files, or --sample")
    chosen = dict(
        shots=args.shots,
        speech=args.speech,
        subtitles=args.subtitles,
        faces=args.faces,
        people=args.people,
        highlights=args.highlights or 0,
        reframe=args.reframe,
    )
    knobs = dict(
        sensitivity=args.sensitivity,
        highlight_seconds=args.highlight_seconds,
        silence_margin=args.margin,
        min_silence=args.min_silence,
        keep_pauses=args.keep_pauses,
        whisper_model=args.whisper_model,
    )
    options = AnalyzeOptions(**chosen, **knobs)
    if not options.any_analyser:
        # No analyser named: the embedded default's whole job.
        options = AnalyzeOptions.everything(**knobs, people=args.people)
    output = Path(args.output) if args.output else (None if args.json else Path("project.json"))
    with progress_bar("analyzing", not args.quiet and not args.json) as report:
        result = analyze_files(files, output, options, on_progress=report)
    if args.json:
        docs = [a.to_json(options) for a in result.analyses]
        print(json.dumps(docs[0] if len(docs) == 1 else docs, indent=2))
    elif not args.quiet:
        for line in result.summary_lines():
            print(line)
    return EXIT_OK


def _seconds(text: str) -> Fraction:
    """A duration in seconds: ``0.2``, ``1/5`` or ``200ms``."""
    t = text.strip().lower()
    try:
        value = Fraction(t[:-2]) / 1000 if t.endswith("ms") else Fraction(t.rstrip("s"))
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"not a duration in seconds: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


def _aspect(text: str) -> str:
    parts = text.replace("/", ":").split(":")
    if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise argparse.ArgumentTypeError(f"an aspect ratio like 9:16, got {text!r}")
    return f"{int(parts[0])}:{int(parts[1])}"


def _fraction01(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


# -- export ----------------------------------------------------------------------------------
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


# -- render ----------------------------------------------------------------------------------
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


def _size(text: str) -> tuple[int, int]:
    w, sep, h = text.lower().partition("x")
    if not sep or not w.isdigit() or not h.isdigit() or int(w) < 2 or int(h) < 2:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT like 1080x1920, got {text!r}")
    return int(w), int(h)


# -- parser ----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vidi-desktop",
        description="Find, review and export the moments that matter in raw footage.",
    )
    parser.add_argument("--version", action="version", version=f"vidi-desktop {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress or summaries")
    # The same two flags after the command name too (``analyze … -q``); SUPPRESS keeps a
    # flag given before the command from being reset by the sub-parser's default.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks and debug logs")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="no progress or summaries")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_parser = sub.add_parser

    def with_common(*args: Any, **kwargs: Any) -> argparse.ArgumentParser:
        return add_parser(*args, parents=[common], **kwargs)

    sub.add_parser = with_common  # type: ignore[method-assign]

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

    p = sub.add_parser(
        "analyze",
        help="analyse footage into a project of suggestions",
        description="Analyse footage with the built-in analysers (CPU, nothing downloaded). "
        "With no analyser flag, all of them run (people tubes only with --people).",
    )
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("--sample", action="store_true", help="include the bundled sample clip")
    p.add_argument("-o", "--output", metavar="PROJECT",
                   help="project file to write or update (default: project.json; "
                   "none with --json unless given)")
    p.add_argument("--json", action="store_true",
                   help="print the results as JSON (only the keys asked for)")
    g = p.add_argument_group("analysers")
    g.add_argument("--shots", action="store_true", help="shot boundaries: cuts, fades, dissolves")
    g.add_argument("--speech", action="store_true", help="speech, silences, silence cuts")
    g.add_argument("--subtitles", action="store_true", help="transcript and subtitle cues")
    g.add_argument("--faces", action="store_true", help="face tubes")
    g.add_argument("--people", action="store_true", help="person tubes (HOG; weak on real footage)")
    g.add_argument("--highlights", type=_positive_int, metavar="N", help="the N best clips")
    g.add_argument("--reframe", type=_aspect, metavar="W:H", help="crop path, e.g. 9:16")
    k = p.add_argument_group("settings")
    k.add_argument("--sensitivity", type=_fraction01, default=0.5,
                   help="shot detection sensitivity 0..1 (0.5)")
    k.add_argument("--highlight-seconds", type=_seconds, default=Fraction(30), metavar="S",
                   help="target highlight length (30)")
    k.add_argument("--margin", type=_seconds, default=Fraction(1, 5), metavar="S",
                   help="silence kept next to speech when cutting silences (0.2)")
    k.add_argument("--min-silence", type=_seconds, default=Fraction(1, 2), metavar="S",
                   help="shortest silence worth cutting (0.5)")
    k.add_argument("--keep-pauses", type=_seconds, default=None, metavar="S",
                   help="keep pauses between speech shorter than S whole")
    k.add_argument("--whisper-model", metavar="DIR",
                   help="a local CTranslate2 Whisper folder (default: bundled tiny.en)")
    p.set_defaults(func=_cmd_analyze)

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
    p.add_argument("--fcpxml-version", default="1.10", metavar="V",
                   help="FCPXML version, 1.3 to 1.13 (1.10)")
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
    p.add_argument("--size", type=_size, metavar="WxH",
                   help="output size (default: the source's, or 1080x1920 etc. when reframed)")
    p.add_argument("--burn-subtitles", action="store_true",
                   help="draw the accepted subtitle cues into the picture")
    p.add_argument("--no-reframe", action="store_true", help="ignore accepted crop paths")
    p.add_argument("--crf", type=int, default=18, help="H.264 quality, lower is better (18)")
    p.set_defaults(func=_cmd_render)

    from vidi_desktop.commands import register_all

    register_all(sub)
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
