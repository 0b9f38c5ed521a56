"""Every command's ``--help`` explains it: a description, and help for every option."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from vidi_desktop.cli import build_parser
from vidi_desktop.interchange.fcpxml_versions import FCPXML_VERSIONS


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every sub-parser, nested ones too (``models check``, ``eval predict tr``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(build_parser()))


def test_the_walk_finds_every_command() -> None:
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"analyze", "ask", "review", "export", "render", "probe", "batch"} <= names
    assert any(len(p) > 1 for p, _ in COMMANDS)  # nested sub-commands are walked too


@pytest.mark.parametrize("path, parser", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_a_command_has_a_description(
    path: tuple[str, ...], parser: argparse.ArgumentParser
) -> None:
    assert parser.description and len(parser.description.split()) >= 4, " ".join(path)


@pytest.mark.parametrize("path, parser", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_option_has_help(path: tuple[str, ...], parser: argparse.ArgumentParser) -> None:
    missing = [
        "/".join(a.option_strings) or a.dest
        for a in parser._actions
        if not isinstance(a, argparse._HelpAction | argparse._SubParsersAction)
        and (not a.help or a.help == argparse.SUPPRESS)
    ]
    assert missing == [], f"{' '.join(path)}: no help for {', '.join(missing)}"


def test_fcpxml_version_help_lists_exactly_the_versions_written() -> None:
    export = dict(COMMANDS)[("export",)]
    action = next(a for a in export._actions if "--fcpxml-version" in a.option_strings)
    assert tuple(action.choices) == FCPXML_VERSIONS
    assert f"FCPXML version: {', '.join(FCPXML_VERSIONS)} (" in action.help
