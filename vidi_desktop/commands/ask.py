"""``vidi-desktop ask FILE "request"``: a plain-language request answered as suggestions."""

from __future__ import annotations

import argparse
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

from vidi_desktop.commands.common import EXIT_OK, CliError, progress_bar, seconds
from vidi_desktop.models.registry import BACKENDS, DEFAULT_BACKEND

SHOWN = 5
"""Items of each kind ``ask`` prints without ``--all``."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``ask`` command."""

    backends = "; ".join(f"{name}: {line}" for name, (_, _, line) in BACKENDS.items())
    p = sub.add_parser(
        "ask",
        help="ask for scenes, silences, subtitles, highlights… in plain language",
        description="Answer a plain-language request about FILE with suggestions in a project, "
        "e.g. 'remove the silences', 'split into scenes', 'ten 30-second highlights for "
        f"TikTok', 'find where she says \"budget\"'. Backends: {backends}.",
    )
    p.add_argument("file", metavar="FILE", help="the media file the request is about")
    p.add_argument("request", metavar="REQUEST",
                   help="what you want, in plain words (quote it)")
    p.add_argument("-o", "--output", metavar="PROJECT",
                   help="project file to write or update (default: project.json; "
                   "none with --json unless given)")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--all", action="store_true",
                   help=f"list every suggestion found (default: the first {SHOWN} of each kind)")
    p.add_argument("--plan", action="store_true",
                   help="only say what the request would run (tasks and parameters, or why "
                   "not), without running any analyser or writing any file; with --json: "
                   '{"request", "backend", "file", "duration", "steps", "refusal"}')
    p.add_argument("--backend", choices=tuple(BACKENDS), default=DEFAULT_BACKEND,
                   help=f"who answers ({DEFAULT_BACKEND})")
    p.add_argument("--model", metavar="DIR", help="model folder for a VLM backend")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="a backend option, e.g. fps=2 or quantization=4bit (repeatable)")
    p.add_argument("--start", type=seconds, metavar="S", help="only look from S seconds on")
    p.add_argument("--end", type=seconds, metavar="S", help="only look before S seconds")
    p.set_defaults(func=_cmd_ask)


def parse_options(items: list[str]) -> dict[str, Any]:
    """``["fps=2", "quantization=4bit"]`` → ``{"fps": 2, "quantization": "4bit"}``."""

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


def refuse_project_as_footage(path: str) -> None:
    """A clear error when FILE is a project (``ask p.vidi "…"``, a natural slip): ``ask``
    takes the footage, and the project with ``-o``."""
    from vidi_desktop.core.project.storage import PROJECT_SUFFIX

    file = Path(path)
    looks_like_project = file.suffix == PROJECT_SUFFIX
    if not looks_like_project and file.suffix == ".json" and file.is_file():
        try:
            with open(file, encoding="utf-8", errors="replace") as f:
                head = f.read(4096)
        except OSError:
            return  # the real read says what is wrong with it
        looks_like_project = head.lstrip().startswith("{") and "vidi-desktop.project" in head
    if looks_like_project:
        raise CliError(
            f"{path} is a project, not footage: ask about a file of it with "
            f"'vidi-desktop ask FILE REQUEST -o {path}'"
        )


def _cmd_ask(args: argparse.Namespace) -> int:
    from vidi_desktop.core.time import Time, TimeRange
    from vidi_desktop.services.ask import ask_file

    refuse_project_as_footage(args.file)
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
        for line in summary_lines(done, args.all):
            print(line)
    return EXIT_OK


def _cmd_plan(args: argparse.Namespace) -> int:
    """``ask --plan``: route the request and print the plan; nothing runs, nothing is written."""
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


def summary_lines(done: Any, show_all: bool = False) -> list[str]:
    """What a person reads after ``ask``: answers in full, then per kind the count and
    the first few items (all with ``show_all``) as timecode of the file, duration, label;
    a shortened list says how to see the rest."""
    import shlex

    from vidi_desktop.core.project import Answer, Project
    from vidi_desktop.core.project.kinds import count_text, kinds_in_order
    from vidi_desktop.services.review import rows

    result = done.result
    lines = [
        f"answer: {s.payload.text}" for s in result.suggestions if isinstance(s.payload, Answer)
    ]
    listed = rows(Project(assets=(done.asset,), suggestions=tuple(result.suggestions)))
    listed = [r for r in listed if r.kind != Answer.kind]
    order = {k: i for i, k in enumerate(kinds_in_order())}
    hidden = 0
    for kind in sorted({r.kind for r in listed}, key=lambda k: order.get(k, len(order))):
        mine = [r for r in listed if r.kind == kind]
        shown = mine if show_all else mine[:SHOWN]
        lines.append(f"{count_text(len(mine), kind)}:")
        for r in shown:
            where = f"{r.start_tc}–{r.end_tc}" if r.start_tc else "–"
            length = "" if r.frames is None else f"  {r.frames} fr"
            lines.append(f"  {r.id}  {where}{length}  {r.label}")
        if len(mine) > len(shown):
            hidden += len(mine) - len(shown)
            lines.append(f"  … and {len(mine) - len(shown)} more")
    if hidden:
        how = (f"`vidi-desktop review {shlex.quote(str(done.project_path))} --list`"
               if done.project_path else "--all")
        lines.append(f"({hidden} not shown: {how} lists every one)")
    where = f"saved to {done.project_path}" if done.project_path else "not saved"
    n = len(result.suggestions)
    head = f"{n} suggestion{'s' if n != 1 else ''} in {result.elapsed_s:.1f} s"
    if done.project_path:
        # Re-running a request adds only what the project does not hold yet.
        head += f": {len(done.added_ids)} new, {done.already_there} already there"
    lines.append(f"{head}; {where}")
    if done.project_path and listed:
        lines.append(f"next: vidi-desktop review {shlex.quote(str(done.project_path))} "
                     "--accept ID… (or kind=…), then export or render")
    return lines
