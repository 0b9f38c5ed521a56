"""``vidi-desktop ask FILE "request"``: a plain-language request answered as suggestions."""

from __future__ import annotations

import argparse
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

from vidi_desktop.models.registry import BACKENDS, DEFAULT_BACKEND


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``ask`` command."""
    from vidi_desktop.cli import _seconds

    backends = "; ".join(f"{name}: {line}" for name, (_, _, line) in BACKENDS.items())
    p = sub.add_parser(
        "ask",
        help="ask for scenes, silences, subtitles, highlights… in plain language",
        description="Answer a plain-language request about FILE with suggestions in a project, "
        "e.g. 'remove the silences', 'split into scenes', 'ten 30-second highlights for "
        f"TikTok', 'find where she says \"budget\"'. Backends: {backends}.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("request", metavar="REQUEST")
    p.add_argument("-o", "--output", metavar="PROJECT",
                   help="project file to write or update (default: project.json; "
                   "none with --json unless given)")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--plan", action="store_true",
                   help="only say what the request would run (tasks and parameters, or why "
                   "not), without running any analyser or writing any file; with --json: "
                   '{"request", "backend", "file", "duration", "steps", "refusal"}')
    p.add_argument("--backend", choices=tuple(BACKENDS), default=DEFAULT_BACKEND,
                   help=f"who answers ({DEFAULT_BACKEND})")
    p.add_argument("--model", metavar="DIR", help="model folder for a VLM backend")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="a backend option, e.g. fps=2 or quantization=4bit (repeatable)")
    p.add_argument("--start", type=_seconds, metavar="S", help="only look from S seconds on")
    p.add_argument("--end", type=_seconds, metavar="S", help="only look before S seconds")
    p.set_defaults(func=_cmd_ask)


def parse_options(items: list[str]) -> dict[str, Any]:
    """``["fps=2", "quantization=4bit"]`` → ``{"fps": 2, "quantization": "4bit"}``."""
    from vidi_desktop.cli import CliError

    options: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--option wants KEY=VALUE, got {item!r}")
        try:
            options[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            options[key.strip()] = value
    return options


def _cmd_ask(args: argparse.Namespace) -> int:
    from vidi_desktop.cli import EXIT_OK, CliError, progress_bar
    from vidi_desktop.core.time import Time, TimeRange
    from vidi_desktop.services.ask import ask_file

    if args.plan:
        return _cmd_plan(args)
    options = parse_options(args.option)
    if args.model:
        options["model_path"] = args.model
    window = None
    if args.start is not None or args.end is not None:
        start = args.start or Fraction(0)
        if args.end is not None and args.end <= start:
            raise CliError("--end must be after --start")
        end = args.end if args.end is not None else Fraction(10**9)
        window = TimeRange.from_start_end(Time.exact(start), Time.exact(end))
    output = Path(args.output) if args.output else (None if args.json else Path("project.json"))
    with progress_bar("asking", not args.quiet and not args.json) as report:
        done = ask_file(args.file, args.request, output, args.backend, options, window, report)
    if args.json:
        print(json.dumps(answer_json(done), indent=2))
    elif not args.quiet:
        for line in summary_lines(done):
            print(line)
    return EXIT_OK


def _cmd_plan(args: argparse.Namespace) -> int:
    """``ask --plan``: route the request and print the plan; nothing runs, nothing is written."""
    from vidi_desktop.cli import EXIT_OK, CliError
    from vidi_desktop.models.builtin.plan import describe_step, plan_file

    if args.backend != "builtin":
        raise CliError(f"--plan shows what the built-in backend would run, not {args.backend}")
    if args.output:
        raise CliError("--plan writes nothing: leave out -o")
    selected = None
    if args.start is not None or args.end is not None:
        start = args.start or Fraction(0)
        end = args.end if args.end is not None else Fraction(10**9)
        if end <= start:
            raise CliError("--end must be after --start")
        selected = (start, end)
    plan = plan_file(args.file, args.request, selected)
    if args.json:
        print(json.dumps(plan, indent=2))
        return EXIT_OK
    print(f"{Path(plan['file']).name} ({plan['duration']:.3f} s): “{plan['request']}”")
    if plan["refusal"] is not None:
        print(f"won't run ({plan['refusal']['reason']}): {plan['refusal']['message']}")
    for i, step in enumerate(plan["steps"], 1):
        print(f"  {i}. {describe_step(step)}")
    return EXIT_OK


def answer_json(done: Any) -> dict[str, Any]:
    """The ``ask --json`` shape: the request, who answered, and the suggestions as stored."""
    from vidi_desktop.core.project import Answer
    from vidi_desktop.core.project.schema import suggestion_to_json

    result = done.result
    answers = [s.payload.text for s in result.suggestions if isinstance(s.payload, Answer)]
    return {
        "request": result.request.text,
        "backend": result.backend,
        "file": done.asset.path,
        "asset_id": done.asset.id,
        "project": str(done.project_path) if done.project_path else None,
        "elapsed_s": round(result.elapsed_s, 3),
        "answer": "\n".join(answers) if answers else None,
        "suggestions": [suggestion_to_json(s) for s in result.suggestions],
    }


def summary_lines(done: Any) -> list[str]:
    """What a person reads after ``ask``: answers in full, then counts and first few items."""
    from collections import Counter

    from vidi_desktop.core.project import Answer

    result = done.result
    lines = [
        f"answer: {s.payload.text}" for s in result.suggestions if isinstance(s.payload, Answer)
    ]
    counts = Counter(s.kind for s in result.suggestions if not isinstance(s.payload, Answer))
    for kind, n in sorted(counts.items()):
        shown = [s for s in result.suggestions if s.kind == kind][:5]
        lines.append(f"{n} {kind.replace('_', ' ')}{'s' if n != 1 else ''}:")
        for s in shown:
            extent = s.extent()
            where = (
                f"{float(extent.start.seconds):8.2f}–{float(extent.end_exclusive.seconds):.2f} s"
                if extent is not None else "         –"
            )
            lines.append(f"  {where}  {s.label}")
        if n > len(shown):
            lines.append(f"  … and {n - len(shown)} more")
    where = f"saved to {done.project_path}" if done.project_path else "not saved"
    n = len(result.suggestions)
    head = f"{n} suggestion{'s' if n != 1 else ''} in {result.elapsed_s:.1f} s"
    if done.project_path:
        # Re-running a request adds only what the project does not hold yet.
        head += f": {len(done.added_ids)} new, {done.already_there} already there"
    lines.append(f"{head}; {where}")
    return lines
