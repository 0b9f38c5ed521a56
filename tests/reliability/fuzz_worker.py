"""The fuzz test's worker process: runs the CLI on one input after another, in-process.

Reads case lines (``index<TAB>path<TAB>workdir``) on stdin; for each prints ``START index``,
then one ``RESULT`` JSON line per command with its exit status and the last line it wrote
to stderr. The parent kills this process when a case runs past its limit (a hang) and
starts a new one for the cases left. One interpreter for all cases keeps 200+ inputs fast.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import traceback
from pathlib import Path


def run(argv: list[str]) -> tuple[int, str]:
    from vidi_desktop.cli import main

    err, out = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            rc = main(argv)
    except SystemExit as exc:  # argparse
        rc = int(exc.code or 0)
    except BaseException:
        return 99, "uncaught: " + traceback.format_exc().splitlines()[-1]
    lines = [line for line in err.getvalue().splitlines() if line.strip()]
    return rc, lines[-1] if lines else ""


def case(path: Path, work: Path, fast: bool) -> list[dict[str, object]]:
    work.mkdir(parents=True, exist_ok=True)
    project = work / "p.json"
    commands = [
        ["-q", "probe", str(path), "--json"],
        ["-q", "analyze", str(path), "--shots", "-o", str(project)],
        ["-q", "thumbs", str(path), "-n", "3", "--height", "32", "-o", str(work / "thumbs")],
    ]
    results = []
    for argv in commands:
        rc, last = run(argv)
        results.append({"argv": argv[1], "rc": rc, "err": last})
    if project.exists():
        mode = "fast" if fast else "exact"
        # --whole: shot boundaries alone shape no edit, and a render of nothing accepted
        # is refused unless the uncut file is asked for (issue 15).
        argv = ["-q", "render", str(project), "--include", "all", "--mode", mode, "--whole",
                "-o", str(work / "out.mp4")]
        rc, last = run(argv)
        results.append({"argv": f"render-{mode}", "rc": rc, "err": last})
    return results


def main() -> None:
    for line in sys.stdin:
        index, path, work = line.rstrip("\n").split("\t")
        print(f"START {index}", flush=True)
        for result in case(Path(path), Path(work), int(index) % 3 == 0):
            print("RESULT " + json.dumps(result), flush=True)
        print(f"END {index}", flush=True)


if __name__ == "__main__":
    main()
