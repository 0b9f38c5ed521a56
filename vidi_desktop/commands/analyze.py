"""``vidi-desktop analyze FILE... [analyser flags] [-o PROJECT] [--json]``: the built-in
analysers, results added to a new or existing project as pending suggestions."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from vidi_desktop.commands.analyser_flags import add_analyser_flags, options_from_args
from vidi_desktop.commands.common import EXIT_OK, CliError, progress_bar


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``analyze`` command."""
    p = sub.add_parser(
        "analyze",
        help="analyse footage into a project of suggestions",
        description="Analyse footage with the built-in analysers (CPU, nothing downloaded). "
        "With no analyser flag, all of them run (people tubes only with --people).",
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="media files to analyse")
    p.add_argument("--sample", action="store_true", help="include the bundled sample clip")
    p.add_argument("-o", "--output", metavar="PROJECT",
                   help="project file to write or update (default: project.json; "
                   "none with --json unless given)")
    p.add_argument("--json", action="store_true",
                   help="print the results as JSON (only the keys asked for)")
    add_analyser_flags(p)
    p.set_defaults(func=_cmd_analyze)


def _cmd_analyze(args: argparse.Namespace) -> int:
    from vidi_desktop.paths import sample_clip
    from vidi_desktop.services.analyze import analyze_files

    files = [Path(f) for f in args.files]
    if args.sample:
        files.insert(0, sample_clip())
    if not files:
        raise CliError("nothing to analyze: give one or more media files, or --sample")
    options = options_from_args(args)
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
