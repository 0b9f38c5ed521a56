"""The analyser flags of ``analyze`` and ``batch``, read from the analyser registry.

``--NAME`` (or ``--NAME VALUE``) for each analyser an editor can ask for, a flag for each of
their settings, and back from the parsed flags to
:class:`~vidi_desktop.analysis.options.AnalyzeOptions`: a newly registered analyser gets its
flags in both commands without a line here.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from vidi_desktop.analysis import registry
from vidi_desktop.commands.common import CliError, arg_type

if TYPE_CHECKING:
    from vidi_desktop.analysis.options import AnalyzeOptions


def add_analyser_flags(
    parser: argparse.ArgumentParser, group: argparse._ArgumentGroup | None = None
) -> None:
    """An "analysers" group (or ``group``) with a flag per analyser, then a "settings"
    group with a flag per setting."""
    group = group or parser.add_argument_group("analysers")
    settings = parser.add_argument_group("settings")
    specs = registry.specs()
    for spec in specs:
        if spec.asked is None:
            continue
        flag = "--" + spec.name.replace("_", "-")
        if spec.asked.parse is None:
            group.add_argument(flag, dest=spec.name, action="store_true", help=spec.help)
        else:
            group.add_argument(flag, dest=spec.name, type=arg_type(spec.asked.parse),
                               default=spec.asked.off, metavar=spec.asked.metavar,
                               help=spec.help)
    for spec in specs:
        for param in spec.params:
            if param.flag is not None:
                settings.add_argument(
                    param.flag,
                    dest=param.field,
                    type=arg_type(param.parse) if param.parse is not None else None,
                    default=param.default,
                    metavar=param.metavar,
                    help=param.help,
                )


def options_from_args(
    args: argparse.Namespace, analyze_list: str | None = None, **run: Any
) -> AnalyzeOptions:
    """The options the flags ask for: every analyser of the default job when none is named.

    ``analyze_list`` is ``batch --analyze a,b``: each named analyser as if asked for without
    a value. ``run`` sets options that belong to no analyser (``thumbnails``…).
    """
    from vidi_desktop.analysis.options import AnalyzeOptions

    specs = registry.specs()
    chosen = {s.name: getattr(args, s.name) for s in specs if s.asked is not None}
    for name in (analyze_list or "").split(","):
        name = name.strip().lower()
        if not name:
            continue
        if name not in chosen:
            raise CliError(f"--analyze: unknown analyser {name!r} ({', '.join(chosen)})")
        chosen[name] = chosen[name] or registry.spec(name).asked.on  # type: ignore[union-attr]
    knobs = {p.field: getattr(args, p.field) for s in specs for p in s.params if p.flag}
    options = AnalyzeOptions(**chosen, **knobs, **run)
    if not options.any_analyser:
        options = AnalyzeOptions.everything(**knobs, **run)
    return options
