"""What every command shares: exit statuses, the one-line usage error, the progress bar (or
line), the argparse types of typed values, and the hint when nothing accepted can be exported.

Nothing heavy is imported here (every command module imports this to build ``--help``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO, TypeVar

from vidi_desktop.core import values

if TYPE_CHECKING:
    from vidi_desktop.core.progress import ProgressFn
    from vidi_desktop.interchange.errors import NothingAcceptedError

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2  # bad input: missing/corrupt media, invalid project, unknown format
EXIT_INTERRUPTED = 130

T = TypeVar("T")


class CliError(Exception):
    """A usage problem the CLI reports in one line (exit status 2)."""


LINE_EVERY_S = 5.0
"""Without a terminal, at most one progress line this often (logs stay readable)."""


@contextmanager
def progress_bar(
    label: str,
    enabled: bool,
    *,
    stream: TextIO | None = None,
    clock: Callable[[], float] | None = None,
) -> Iterator[ProgressFn]:
    """Progress for one job, as one 0–100 % that never goes backwards: a rich bar on a
    terminal; without one, a plain line on stderr at most every :data:`LINE_EVERY_S`
    seconds; nothing with ``--quiet`` (``enabled`` False)."""
    from vidi_desktop.core.progress import Monotonic

    out = stream if stream is not None else sys.stderr
    if not enabled:
        yield lambda fraction, message="": None
        return
    if not out.isatty():
        yield Monotonic(_LineReporter(label, out, clock or time.monotonic))
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[detail]}"),
        transient=True,
        console=Console(file=out),
    ) as bar:
        task = bar.add_task(label, total=1.0, detail="")

        def update(fraction: float | None, message: str = "") -> None:
            bar.update(task, completed=fraction or 0.0, detail=message)

        yield Monotonic(update)


class _LineReporter:
    """``vidi-desktop: LABEL 42% (stage)`` on a stream, at most every LINE_EVERY_S seconds."""

    def __init__(self, label: str, stream: TextIO, clock: Callable[[], float]) -> None:
        self.label, self.stream, self.clock = label, stream, clock
        self.last = clock()  # the first line after LINE_EVERY_S: a short job prints none

    def __call__(self, fraction: float | None, message: str = "") -> None:
        now = self.clock()
        if now - self.last < LINE_EVERY_S:
            return
        self.last = now
        done = "" if fraction is None else f" {fraction * 100:.0f}%"
        detail = f" ({message})" if message else ""
        print(f"vidi-desktop: {self.label}{done}{detail}", file=self.stream, flush=True)


def arg_type(parse: Callable[[str], T]) -> Callable[[str], T]:
    """``parse`` (text → value, ValueError with a message) as an argparse ``type=``: its
    message becomes the usage error, instead of argparse's "invalid value"."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__  # argparse names the type in some messages
    return convert


seconds = arg_type(values.seconds)
aspect = arg_type(values.aspect)
fraction01 = arg_type(values.fraction01)
positive_int = arg_type(values.positive_int)
size = arg_type(values.size)


def nothing_accepted(error: NothingAcceptedError, project: str, include: str) -> CliError:
    """The one line ``export``/``render`` print when nothing accepted shapes the edit: what
    to run next (``review … --accept``, ``--include pending``, ``--whole``)."""
    from vidi_desktop.core.project.kinds import count_text, kind_info

    pending = error.pending
    quoted = _quote(project)
    if pending:
        kind = max(pending, key=lambda k: pending[k])
        word = next(iter(kind_info(kind).aliases), kind)
        waiting = ", ".join(count_text(n, k) for k, n in pending.items())
        return CliError(
            f"nothing {include} to export from {project} ({waiting} pending): accept them with "
            f"`vidi-desktop review {quoted} --accept kind={word}` (`review {quoted} --list` "
            "shows each one), take the pending ones with --include pending, or ask for the "
            "uncut file with --whole"
        )
    return CliError(
        f"nothing {include} shapes the edit of {project}: no cut, keep or highlight to apply "
        f"(`vidi-desktop review {quoted} --list` shows the suggestions); ask for the uncut "
        "file with --whole"
    )


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)
