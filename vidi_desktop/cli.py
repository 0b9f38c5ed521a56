"""The headless front door: ``vidi-desktop COMMAND …`` (and the window with no command).

This module assembles the parser from the command modules in :mod:`vidi_desktop.commands`
and maps errors to exit statuses; the commands themselves live there. Start-up must stay
fast (``--help`` well under half a second): nothing heavy is imported at module level; each
command imports what it needs when it runs. Errors the user can fix (bad files, bad
projects) print one line and exit with status 2; ``--debug`` shows tracebacks.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any

from vidi_desktop import __version__
from vidi_desktop.commands import register_all
from vidi_desktop.commands.common import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
)


def build_parser() -> argparse.ArgumentParser:
    """The ``vidi-desktop`` parser with every command's sub-parser."""
    parser = argparse.ArgumentParser(
        prog="vidi-desktop",
        description="Find, review and export the moments that matter in raw footage.",
    )
    parser.add_argument("--version", action="version", version=f"vidi-desktop {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress or summaries")
    # The same two flags after the command name too (``analyze … -q``); SUPPRESS keeps a
    # flag given before the command from being reset by the sub-parser's default.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks and debug logs")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="no progress or summaries")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_parser = sub.add_parser

    def with_common(*args: Any, **kwargs: Any) -> argparse.ArgumentParser:
        return add_parser(*args, parents=[common], **kwargs)

    sub.add_parser = with_common  # type: ignore[method-assign]
    register_all(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``vidi-desktop`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.command is None:
        from vidi_desktop.qt.app import run_gui

        return int(run_gui())
    from vidi_desktop.core.errors import VidiError

    try:
        return int(args.func(args))
    except (VidiError, CliError) as exc:
        if args.debug:
            raise
        print(f"vidi-desktop: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("vidi-desktop: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"vidi-desktop: internal error: {type(exc).__name__}: {exc} (run with --debug)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
