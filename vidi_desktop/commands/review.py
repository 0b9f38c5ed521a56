"""``vidi-desktop review PROJECT [--list] [--json] [--accept SEL...] [--reject SEL...]
[--reset SEL...]``: the review queue without the window."""

from __future__ import annotations

import argparse
import json

from vidi_desktop.commands.common import EXIT_OK

SELECTION_HELP = (
    "SEL is one or more words: suggestion ids (or a unique start of one), 'all', "
    "kind=K (a kind word: silences, cuts, shots, highlights, speech…, singular or plural), "
    "state=pending|accepted|rejected, min-confidence=X, longer-than=SECONDS, "
    "shorter-than=SECONDS, asset=FILE. Ids add up, the other words narrow, e.g. "
    "--accept kind=silences longer-than=0.5"
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``review`` command."""
    p = sub.add_parser(
        "review",
        help="list, accept, reject or reset a project's suggestions",
        description="Review a project's suggestions from the command line, as the window's "
        "review queue does: list them in editor terms (timecode of each file, its start "
        "timecode honoured), or accept, reject or reset the ones a selection names. "
        "All changes of one call are one step, saved atomically; a selection that matches "
        "nothing, or accepted suggestions that would contradict each other, change nothing "
        f"(exit status 2). {SELECTION_HELP}.",
    )
    p.add_argument("project", metavar="PROJECT", help="the project file to review")
    p.add_argument("--list", action="store_true",
                   help="one line per suggestion: id, kind, state, start and end timecode, "
                   "duration, confidence, label (the default without --accept/--reject/--reset)")
    p.add_argument("--json", action="store_true",
                   help='the list as JSON: {"project", "suggestions": [{"id", "kind", "state", '
                   '"asset", "start", "end", "start_tc", "end_tc", "label", "confidence"}]}')
    for flag, what in (("accept", "accept (their cuts and keeps shape the edit)"),
                       ("reject", "reject (an accepted one's effect is taken back)"),
                       ("reset", "put back to pending")):
        p.add_argument(f"--{flag}", nargs="+", action="append", metavar="SEL",
                       help=f"{what} the suggestions SEL names (repeatable)")
    p.set_defaults(func=_cmd_review)


def _cmd_review(args: argparse.Namespace) -> int:
    from vidi_desktop.core.project import ReviewState, load_project
    from vidi_desktop.services.review import edit_summary, list_json, list_lines, review_file

    steps = [
        (state, given)
        for state, given in ((ReviewState.ACCEPTED, args.accept),
                             (ReviewState.REJECTED, args.reject),
                             (ReviewState.PENDING, args.reset))
        if given
    ]
    if steps:
        result = review_file(args.project, steps)
        project = result.project
        if not args.quiet and not args.json:
            for line in result.summary_lines():
                print(line)
            print(edit_summary(project))
    else:
        project = load_project(args.project)
    if args.json:
        print(json.dumps(list_json(project, args.project), indent=2, ensure_ascii=False))
    elif args.list or not steps:
        for line in list_lines(project):
            print(line)
    return EXIT_OK

