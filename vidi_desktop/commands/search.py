"""``vidi-desktop search INDEX "query"``: find phrases and things on screen across a batch."""

from __future__ import annotations

import argparse
import json
from fractions import Fraction
from typing import TYPE_CHECKING

from vidi_desktop.commands.common import EXIT_OK, progress_bar, seconds
from vidi_desktop.interchange.formats import formats_of

if TYPE_CHECKING:
    from vidi_desktop.services.corpus_search import SearchResult


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``search`` command."""

    p = sub.add_parser(
        "search",
        help="search a batch index: what is said (transcripts) and what is seen",
        description="Search the files of a batch index (OUTDIR or OUTDIR/index.json) for a "
        "phrase in the transcripts and, visually, for faces, people, cuts, fades and "
        "dissolves (built in) or anything a vision-language model backend finds. Prints "
        "file + time range per hit; --export writes every hit as one selects timeline.",
    )
    p.add_argument("index", metavar="INDEX", help="a batch output folder or its index file")
    p.add_argument("query", metavar="QUERY", help="words said, or what is seen (quote it)")
    p.add_argument("--mode", choices=("all", "transcript", "visual"), default="all",
                   help="which hits: all (default), transcript or visual")
    p.add_argument("--json", action="store_true", help="print the hits as JSON")
    p.add_argument("--export", metavar="FILE",
                   help="write the hits as one timeline, in the format its extension names: "
                        + ", ".join(f.suffix for f in formats_of("timeline")))
    p.add_argument("--handles", type=seconds, default=Fraction(0), metavar="S",
                   help="seconds added before and after each hit in the export (0)")
    p.add_argument("--backend", metavar="NAME",
                   help="a model backend for visual queries (e.g. qwen-vl); default: built-in")
    p.add_argument("--model", metavar="DIR", help="model folder for the backend")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="a backend option (repeatable)")
    p.set_defaults(func=_cmd_search)


def _cmd_search(args: argparse.Namespace) -> int:
    from vidi_desktop.core.errors import VidiError
    from vidi_desktop.services.corpus_search import (
        BackendVisualSearch,
        export_selects,
        load_index,
        search,
    )

    index = load_index(args.index)
    visual = None
    if args.backend and args.mode != "transcript":
        from vidi_desktop.commands.ask import parse_options
        from vidi_desktop.models.registry import create_backend

        options = parse_options(args.option)
        if args.model:
            options["model_path"] = args.model
        visual = BackendVisualSearch(create_backend(args.backend, options))
    try:
        with progress_bar("searching", not args.quiet and not args.json) as report:
            hits = search(index, args.query, mode=args.mode, visual=visual, on_progress=report)
    finally:
        if visual is not None:
            visual.close()
    written = None
    if args.export and hits:
        try:
            written = export_selects(index, hits, args.export, handles=args.handles)
        except VidiError:
            if not args.json and not args.quiet:
                _print_hits(hits)  # the hits are worth seeing even if the export failed
            raise
    if args.json:
        print(json.dumps({
            "query": args.query,
            "hits": [h.to_json() for h in hits],
            "notes": hits.notes,
            "export": str(written) if written else None,
        }, indent=2))
        return EXIT_OK
    if not args.quiet:
        _print_hits(hits)
        if written:
            print(f"wrote {written}")
        elif args.export:
            print("nothing exported: no hits")
    return EXIT_OK


def _print_hits(hits: SearchResult) -> None:
    for h in hits:
        start, end = float(h.range.start.seconds), float(h.range.end_exclusive.seconds)
        print(f"{h.key}  {start:9.3f} - {end:9.3f} s  [{h.kind}]  {h.text}")
    for note in hits.notes:
        print(f"note: {note}")
    print(f"{len(hits)} hit(s) in {len({h.key for h in hits})} file(s)")
