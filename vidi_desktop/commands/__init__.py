"""CLI commands beyond the core five, one module each (``ask``, ``eval``, ``models``, ``gui``…).

Each module defines ``register(sub)`` that adds its sub-parser(s) with ``set_defaults(func=…)``.
Modules import nothing heavy at top level: the CLI imports every one of them to build
``--help``, and a headless command must stay fast.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util

COMMAND_MODULES = ("ask", "eval", "models", "gui", "batch", "search")
"""Registered in this order; a module not written yet is skipped."""


def register_all(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add every available command module's sub-parsers to ``sub``."""
    for name in COMMAND_MODULES:
        module_name = f"{__name__}.{name}"
        if importlib.util.find_spec(module_name) is None:
            continue
        importlib.import_module(module_name).register(sub)
