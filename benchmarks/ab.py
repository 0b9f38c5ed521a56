"""Before/after in one run: a benchmark against the code of another git revision, interleaved.

On a shared machine, two benchmark runs minutes apart measure the load as much as the code.
This runs the *same* benchmark script alternately on the working tree's ``vidi_desktop`` and
on a revision's (exported with ``git archive`` into a temporary folder; nothing in the
repository changes), round after round, and reports per metric the median over rounds of
each side, their ratio (after / before) and the load average during the rounds.

The benchmark must honour ``VIDI_BENCH_CODE`` (the folder to import ``vidi_desktop`` from)
and ``--json PATH`` (a JSON object of results, nested objects allowed, numbers as leaves).

    .venv/bin/python benchmarks/ab.py --baseline main --rounds 5 -- \\
        benchmarks/bench_timeline_paint.py --frames 100
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def export(rev: str, into: Path) -> Path:
    """``vidi_desktop`` (and ``resources``) of ``rev`` unpacked under ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", rev, "vidi_desktop", "resources"],
        check=True, capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def flat(tree: object, prefix: str = "") -> dict[str, float]:
    """Numbers of a nested JSON object, keyed by their path (``a / b / c``)."""
    out: dict[str, float] = {}
    if isinstance(tree, dict):
        for key, value in tree.items():
            out.update(flat(value, f"{prefix} / {key}" if prefix else str(key)))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            out.update(flat(value, f"{prefix} / {i}"))
    elif isinstance(tree, int | float) and not isinstance(tree, bool):
        out[prefix] = float(tree)
    return out


def run_once(code: Path, bench: list[str], out: Path) -> dict[str, float]:
    env = dict(os.environ, VIDI_BENCH_CODE=str(code), PYTHONPATH=str(code))
    subprocess.run([sys.executable, *bench, "--json", str(out)], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    report = json.loads(out.read_text())
    used = report.get("code") if isinstance(report, dict) else None
    if used is not None and Path(used).resolve().parent != code.resolve():
        raise SystemExit(f"the benchmark measured {used}, not the code under {code}")
    return flat(report)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--baseline", default="main", help="git revision to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keys", default="_ms", help="report metrics whose name contains this")
    parser.add_argument("--json", type=Path, help="write the comparison here")
    parser.add_argument("bench", nargs=argparse.REMAINDER, help="-- script.py [args]")
    args = parser.parse_args(argv)
    bench = [a for a in args.bench if a != "--"] if args.bench else []
    if not bench:
        parser.error("name the benchmark after --")
    sides: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    loads: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "before"
        base.mkdir()
        export(args.baseline, base)
        for r in range(args.rounds):
            order = [("before", base), ("after", REPO)]
            if r % 2:
                order.reverse()  # neither side always runs first (caches, thermal state)
            for name, code in order:
                loads.append(os.getloadavg()[0])
                sides[name].append(run_once(code, bench, Path(tmp) / f"{name}{r}.json"))
                print(f"round {r + 1}/{args.rounds}: {name} done", file=sys.stderr)
    keys = [k for k in sides["after"][0] if args.keys in k and k in sides["before"][0]]
    table = {}
    print(f"{' '.join(bench)}: {args.rounds} interleaved rounds, medians; before = "
          f"{args.baseline}, after = working tree; load average "
          f"{min(loads):.1f}–{max(loads):.1f} on {os.cpu_count()} cores")
    print(f"{'metric':<48}{'before':>10}{'after':>10}{'after/before':>14}")
    for k in keys:
        b = statistics.median(s[k] for s in sides["before"] if k in s)
        a = statistics.median(s[k] for s in sides["after"] if k in s)
        ratio = a / b if b else float("nan")
        table[k] = {"before": b, "after": a, "ratio": ratio}
        print(f"{k:<48}{b:>10.2f}{a:>10.2f}{ratio:>14.2f}")
    if args.json:
        args.json.write_text(json.dumps(
            {"bench": bench, "baseline": args.baseline, "rounds": args.rounds,
             "load": [min(loads), max(loads)], "metrics": table}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
