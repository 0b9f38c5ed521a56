"""``vidi-desktop analyze FILE... [analyser flags] [-o PROJECT] [--json]``: the built-in
analysers, results added to a new or existing project as pending suggestions."""

from __future__ import annotations

import argparse
import json
from fractions import Fraction
from pathlib import Path

from vidi_desktop.commands.common import (
    EXIT_OK,
    CliError,
    aspect,
    fraction01,
    positive_int,
    progress_bar,
    seconds,
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``analyze`` command."""
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
    g.add_argument("--highlights", type=positive_int, metavar="N", help="the N best clips")
    g.add_argument("--reframe", type=aspect, metavar="W:H", help="crop path, e.g. 9:16")
    k = p.add_argument_group("settings")
    k.add_argument("--sensitivity", type=fraction01, default=0.5,
                   help="shot detection sensitivity 0..1 (0.5)")
    k.add_argument("--highlight-seconds", type=seconds, default=Fraction(30), metavar="S",
                   help="target highlight length (30)")
    k.add_argument("--margin", type=seconds, default=Fraction(1, 5), metavar="S",
                   help="silence kept next to speech when cutting silences (0.2)")
    k.add_argument("--min-silence", type=seconds, default=Fraction(1, 2), metavar="S",
                   help="shortest silence worth cutting (0.5)")
    k.add_argument("--keep-pauses", type=seconds, default=None, metavar="S",
                   help="keep pauses between speech shorter than S whole")
    k.add_argument("--whisper-model", metavar="DIR",
                   help="a local CTranslate2 Whisper folder (default: bundled tiny.en)")
    p.set_defaults(func=_cmd_analyze)


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
