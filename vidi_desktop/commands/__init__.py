"""The CLI commands, one module each; :mod:`.common` holds what they share.

Each module defines ``register(sub)`` that adds its sub-parser(s) with
``set_defaults(func=…)``. Modules import nothing heavy at top level: the CLI imports every
one of them to build ``--help``, and a headless command must stay fast.
"""

from __future__ import annotations

import argparse

from vidi_desktop.commands import (
    analyze,
    ask,
    batch,
    export,
    gui,
    models,
    probe,
    render,
    review,
    search,
    thumbs,
)
from vidi_desktop.commands import eval as eval_

COMMANDS = (
    probe, thumbs, analyze, ask, review, export, render, eval_, models, gui, batch, search
)
"""In the order ``--help`` lists them."""


def register_all(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add every command's sub-parsers to ``sub``."""
    for module in COMMANDS:
        module.register(sub)
