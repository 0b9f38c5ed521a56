"""``vidi-desktop gui [FILE_OR_PROJECT ...]``: the window, or a scripted run of it.

With ``--request`` and/or ``--screenshot`` the window opens on the files, runs the request
through the model thread, waits for the suggestions to land, saves the window as PNG and
exits (status 2 with one line if the request fails). Works without a display: with no
``DISPLAY``/``WAYLAND_DISPLAY`` a scripted run uses Qt's offscreen platform.
Nothing from Qt is imported until the command runs (the CLI imports this module for --help).
"""

from __future__ import annotations

import argparse

from vidi_desktop.commands.common import CliError
from vidi_desktop.models.registry import BACKENDS


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``gui`` command."""
    p = sub.add_parser(
        "gui",
        help="open the window (or run a request in it and save a screenshot)",
        description="Open the editor's window on media files and/or a project. With "
        "--request/--screenshot: run the request, wait for its suggestions, save the "
        "window as PNG and exit.",
    )
    p.add_argument("files", nargs="*", metavar="FILE_OR_PROJECT",
                   help="media files to add, or a project to open")
    p.add_argument("--screenshot", metavar="OUT.png", help="save the window as PNG and exit")
    p.add_argument("--request", metavar="TEXT", help="a plain-language request to run first")
    p.add_argument("--backend", choices=tuple(BACKENDS),
                   help="who answers (default: the one chosen in Settings)")
    p.add_argument("--timeout", type=float, default=600.0, metavar="S",
                   help="give up on a scripted run after S seconds (600)")
    p.add_argument("--size", default="1440x900", metavar="WxH",
                   help="window size of a scripted run (1440x900)")
    p.add_argument("--edit", action="store_true",
                   help="show the accepted edit (the viewer's Edit mode) before the "
                   "--export-frame or --screenshot")
    p.add_argument("--seek", metavar="TIMECODE",
                   help="go to TIMECODE before the --export-frame or --screenshot: of the "
                   "edit with --edit (01:00:00:00 = its first frame), else of the first file")
    p.add_argument("--export-frame", metavar="OUT.png",
                   help="write the frame on screen at full resolution as PNG and exit")
    p.set_defaults(func=_cmd_gui)


def _cmd_gui(args: argparse.Namespace) -> int:
    from vidi_desktop.core.values import size as parse_size
    from vidi_desktop.qt.app import run_window

    try:
        size = parse_size(args.size)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if args.timeout <= 0:
        raise CliError("--timeout must be positive")
    return run_window(
        args.files,
        request=args.request,
        screenshot=args.screenshot,
        backend=args.backend,
        timeout_s=args.timeout,
        size=size,
        edit=args.edit,
        seek=args.seek,
        export_frame=args.export_frame,
    )
