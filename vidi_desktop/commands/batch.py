"""``vidi-desktop batch FOLDER_OR_GLOB... -o OUTDIR``: many files, one project each, an index."""

from __future__ import annotations

import argparse
import json
from fractions import Fraction
from pathlib import Path

from vidi_desktop.analysis import registry
from vidi_desktop.commands.analyser_flags import add_analyser_flags, options_from_args
from vidi_desktop.commands.common import EXIT_OK, EXIT_USAGE, positive_int, progress_bar, seconds


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``batch`` command."""
    p = sub.add_parser(
        "batch",
        help="analyse many files: one project (and EDL/SRT) per file, an index, resumable",
        description="Analyse every media file under the folders and globs given into OUTDIR: "
        "KEY.vidi (project), KEY.json (analyze --json), optional KEY.edl / KEY.srt, and "
        "index.json + report.txt. Files whose results are current are skipped; a file that "
        "fails is listed in the report and the batch goes on (exit status 2 if any failed). "
        "With no analyser flag, all of them run.",
    )
    p.add_argument("sources", nargs="+", metavar="FOLDER_OR_GLOB",
                   help="folders (searched for media) or glob patterns of files")
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="results folder")
    p.add_argument("--json", action="store_true", help="print the run's summary as JSON")
    g = p.add_argument_group("analysers")
    g.add_argument("--analyze", metavar="LIST",
                   help="comma-separated analysers: " + ",".join(registry.names()))
    add_analyser_flags(p, g)
    e = p.add_argument_group("outputs")
    e.add_argument("--edl", action="store_true", help="also KEY.edl per file")
    e.add_argument("--edl-kind", action="append", metavar="KIND",
                   help="what the EDL cuts by (default: shots, else silences, else highlights)")
    e.add_argument("--srt", action="store_true", help="also KEY.srt per file (with --subtitles)")
    r = p.add_argument_group("running")
    r.add_argument("-j", "--workers", type=positive_int, default=1, metavar="N",
                   help="worker processes on this machine (1: in this process)")
    r.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="run on Ray: no ADDRESS starts a local instance; 'auto' or "
                   "ray://host:10001 joins a cluster (pip install 'vidi-desktop[ray]')")
    r.add_argument("--ray-gpus-per-task", type=float, default=0.0, metavar="G",
                   help="GPUs each Ray task reserves (for VLM analysers; 0)")
    r.add_argument("--ray-retries", type=int, default=2, metavar="N",
                   help="retries of a task whose Ray worker died (2)")
    r.add_argument("--chunk-minutes", type=seconds, default=Fraction(10), metavar="M",
                   help="split files longer than this into chunks when every analyser asked "
                   "is chunk-safe, like shots (10)")
    r.add_argument("--no-chunks", action="store_true", help="never split a file")
    r.add_argument("--overlap", type=seconds, default=None, metavar="S",
                   help="context decoded past each chunk edge (default: twice the shot "
                   "detector's memory, ~26 s)")
    r.add_argument("--force", action="store_true", help="analyse even files that are current")
    p.set_defaults(func=_cmd_batch)


def _cmd_batch(args: argparse.Namespace) -> int:
    from vidi_desktop.services.batch import BatchSettings, run_batch

    settings = BatchSettings(
        options=options_from_args(args, args.analyze, thumbnails=0, waveform=False),
        exports=tuple(x for x, on in (("edl", args.edl), ("srt", args.srt)) if on),
        edl_kinds=tuple(args.edl_kind) if args.edl_kind else None,
        workers=args.workers,
        chunk_seconds=None if args.no_chunks else args.chunk_minutes * 60,
        overlap_seconds=args.overlap,
        force=args.force,
    )
    engine = None
    if args.ray is not None:
        from vidi_desktop.services.ray_batch import RayEngine

        engine = RayEngine(
            args.ray or None,
            gpus_per_task=args.ray_gpus_per_task,
            max_retries=args.ray_retries,
        )
    with progress_bar("batch", not args.quiet and not args.json) as report:
        result = run_batch(args.sources, Path(args.output), settings, engine=engine,
                           on_progress=report)
    if args.json:
        print(json.dumps({
            "index": str(result.index.path),
            "analysed": result.analysed,
            "current": result.current,
            "failed": [
                {"key": k, "error": result.index.entries[k].error} for k in result.failed
            ],
            "ignored": result.index.ignored,
            "seconds": round(result.seconds, 3),
        }, indent=2))
    elif not args.quiet:
        for line in result.summary_lines():
            print(line)
    return EXIT_USAGE if result.failed else EXIT_OK
