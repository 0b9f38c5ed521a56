"""``vidi-desktop eval``: score predictions on ByteDance's VUE benchmarks, or make them.

- ``eval stg --gt DIR --pred tubes.csv [--json]`` — VUE-STG (DIR holds query.csv,
  tubes.csv, video.csv); ``--json`` prints ``{"t_P", "t_R", "t_IoU", "v_P", "v_R", "v_IoU",
  "v_IoU_Int"}`` as fractions 0..1.
- ``eval tr --gt ground_truth.json --pred results.json [--json]`` — VUE-TR-V2; ``--json``
  prints ``{"overall": {"P", "R", "IoU"}, "<category>": {…}, …}`` in percent.
- ``eval predict stg|tr --queries … --videos DIR --backend NAME [--option k=v …] -o OUT`` —
  run a backend over the queries on local videos and write predictions the two commands
  above read.
"""

from __future__ import annotations

import argparse
import json
import sys

from vidi_desktop.commands.common import EXIT_OK, progress_bar
from vidi_desktop.models.registry import BACKENDS


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``eval`` command and its ``stg``, ``tr`` and ``predict`` sub-commands."""
    p = sub.add_parser(
        "eval",
        help="score predictions on the VUE-STG / VUE-TR-V2 benchmarks, or make them",
        description="Score a model's predictions on ByteDance's VUE benchmarks with the "
        "published metrics (figures comparable with the Vidi2 paper's), or run a backend "
        "over a benchmark's queries on local videos to make predictions.",
    )
    tasks = p.add_subparsers(dest="eval_task", metavar="TASK", required=True)

    s = tasks.add_parser(
        "stg", help="score VUE-STG object tubes",
        description="Score predicted object tubes against VUE-STG: temporal and spatial "
        "precision, recall and IoU as ByteDance published them.",
    )
    s.add_argument("--gt", required=True, metavar="DIR",
                   help="benchmark folder with query.csv, tubes.csv, video.csv")
    s.add_argument("--pred", required=True, metavar="CSV",
                   help="predicted tubes: query_id,time_ms,x0,y0,x1,y1")
    s.add_argument("--json", action="store_true", help="print the seven metrics as JSON")
    s.set_defaults(func=_cmd_stg)

    t = tasks.add_parser(
        "tr", help="score VUE-TR-V2 time ranges",
        description="Score predicted time ranges against VUE-TR-V2: precision, recall and "
        "IoU overall and per category, in percent.",
    )
    t.add_argument("--gt", required=True, metavar="JSON", help="ground_truth.json")
    t.add_argument("--pred", required=True, metavar="JSON",
                   help="results: a JSON list (or .jsonl) of {query_id, answer: [[s, e], …]}")
    t.add_argument("--json", action="store_true", help="print P/R/IoU per category as JSON")
    t.set_defaults(func=_cmd_tr)

    pr = tasks.add_parser(
        "predict",
        help="run a backend over benchmark queries on local videos",
        description="Run a backend over VUE queries; videos are looked up as "
        "VIDEOS/<video_id>.mp4 (or .mkv, .webm, .mov…). Queries whose video is missing are "
        "reported and skipped.",
    )
    which = pr.add_subparsers(dest="predict_task", metavar="TASK", required=True)
    for task, queries_help, out_help in (
        ("stg", "query.csv, or the benchmark folder holding it", "tubes.csv to write"),
        ("tr", "ground_truth.json (or a list of {query_id, video_id, query})",
         "results JSON to write"),
    ):
        q = which.add_parser(
            task, help=f"predictions for VUE-{task.upper()}",
            description=f"Ask a backend every VUE-{task.upper()} query on your local copy "
            "of its video and write the answers in the benchmark's prediction format.",
        )
        q.add_argument("--queries", required=True, metavar="PATH", help=queries_help)
        q.add_argument("--videos", required=True, metavar="DIR", help="folder of videos")
        q.add_argument("--backend", required=True, choices=tuple(BACKENDS), help="who answers")
        q.add_argument("--model", metavar="DIR", help="model folder for a VLM backend")
        q.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                       help="a backend option, e.g. fps=1 (repeatable)")
        q.add_argument("-o", "--output", required=True, metavar="FILE", help=out_help)
        q.set_defaults(func=_cmd_predict)


def _cmd_stg(args: argparse.Namespace) -> int:
    from vidi_desktop.models.eval.vue_stg import evaluate_stg

    scores = evaluate_stg(args.gt, args.pred)
    _notes(scores.missing, scores.extra, scores.queries)
    if args.json:
        print(json.dumps(scores.to_json(), indent=2))
        return EXIT_OK
    print(f"VUE-STG: {scores.queries} queries")
    print(f"  {'metric':<10} {'value':>6}  queries")
    for name, value in scores.means.items():
        shown = "-" if value is None else f"{value:.3f}"
        print(f"  {name:<10} {shown:>6}  {scores.counts[name]}")
    return EXIT_OK


def _cmd_tr(args: argparse.Namespace) -> int:
    from vidi_desktop.models.eval.vue_tr import evaluate_tr, percent_text

    scores = evaluate_tr(args.gt, args.pred)
    _notes(scores.missing, scores.extra, scores.groups["overall"].queries)
    if args.json:
        print(json.dumps(scores.to_json(), indent=2))
        return EXIT_OK
    print("VUE-TR-V2 (area under the curve, %)")
    print(f"  {'category':<14} {'queries':>7} {'P':>6} {'R':>6} {'IoU':>6}")
    for name, g in scores.groups.items():
        print(
            f"  {name:<14} {g.queries:>7} {percent_text(g.precision):>6} "
            f"{percent_text(g.recall):>6} {percent_text(g.iou):>6}"
        )
    return EXIT_OK


def _notes(missing: tuple[str, ...], extra: int, queries: int) -> None:
    """Say on stderr what the figures do not show: unanswered and unknown queries."""
    if missing:
        print(
            f"note: {len(missing)} of {queries} queries have no prediction and score as "
            f"empty (e.g. {missing[0]})",
            file=sys.stderr,
        )
    if extra:
        print(f"note: {extra} predicted queries are not in the ground truth and were ignored",
              file=sys.stderr)


def _cmd_predict(args: argparse.Namespace) -> int:
    from vidi_desktop.commands.ask import parse_options
    from vidi_desktop.models.eval import predict
    from vidi_desktop.models.registry import create_backend

    options = parse_options(args.option)
    if args.model:
        options["model_path"] = args.model
    if args.predict_task == "stg":
        queries = predict.read_stg_queries(args.queries)
        run = predict.predict_stg
    else:
        queries = predict.read_tr_queries(args.queries)  # type: ignore[assignment]
        run = predict.predict_tr  # type: ignore[assignment]
    backend = create_backend(args.backend, options)
    with progress_bar(f"VUE-{args.predict_task.upper()}", not args.quiet) as report:
        done = run(backend, queries, args.videos, args.output, progress=report)  # type: ignore[arg-type]
    if not args.quiet:
        for line in done.summary_lines():
            print(line)
    return EXIT_OK
