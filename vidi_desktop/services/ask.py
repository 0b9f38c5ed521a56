"""``ask``: a plain-language request about footage, answered as suggestions in a project.

The request runs on a :class:`~vidi_desktop.models.runner.ModelRunner` (the same worker the GUI
uses), so a backend that fails, runs out of memory or answers nonsense changes nothing: the
project gets the asset and the suggestions in one undoable step only when the request
succeeded, and is saved atomically.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vidi_desktop.core.errors import CancelledError, VidiError
from vidi_desktop.core.progress import ProgressFn
from vidi_desktop.core.project import Answer
from vidi_desktop.models.protocol import AssetRef, Request, RequestError

if TYPE_CHECKING:
    from vidi_desktop.core.project import Asset, ProjectDocument, Suggestion
    from vidi_desktop.core.project.dedupe import AddOutcome
    from vidi_desktop.core.project.rerun import RerunOutcome
    from vidi_desktop.core.time import TimeRange
    from vidi_desktop.models.runner import RunResult


def build_request(
    document: ProjectDocument,
    text: str,
    asset_ids: Iterable[str] | None = None,
    window: TimeRange | None = None,
    options: Mapping[str, Any] | None = None,
) -> Request:
    """A request about ``asset_ids`` of the project (default: all of them)."""
    project = document.project
    ids = list(asset_ids) if asset_ids is not None else [a.id for a in project.assets]
    refs = []
    for asset_id in ids:
        if not project.has_asset(asset_id):
            raise RequestError(f"asset {asset_id!r} is not in the project")
        refs.append(AssetRef.from_asset(project.asset(asset_id)))
    return Request(text, tuple(refs), window, dict(options or {}))


def apply_result(document: ProjectDocument, result: RunResult) -> list[str]:
    """Add a successful result's new suggestions to the project in one undoable step."""
    return land_result(document, result).added_ids


def land_result(
    document: ProjectDocument, result: RunResult, *, rerun: bool = False
) -> AddOutcome | RerunOutcome:
    """Land a successful result: its suggestions the project does not hold yet are added in
    one undoable step; those equal to existing ones are left out and existing decisions stay
    as they are (:mod:`~vidi_desktop.core.project.dedupe`). ``rerun``: the request was run
    again with other parameters, and the pending suggestions its earlier runs made that it
    no longer proposes go in the same step (:mod:`~vidi_desktop.core.project.rerun`)."""
    from vidi_desktop.core.project.dedupe import add_new_suggestions
    from vidi_desktop.core.project.rerun import land_rerun

    if not result.ok:
        raise VidiError(result.error or f"the request ended {result.state}")
    suggestions = [s for s in result.suggestions if document.project.has_asset(s.asset_id)]
    if len(suggestions) != len(result.suggestions):
        raise RequestError("the answer refers to footage that is no longer in the project")
    if rerun:
        request = result.request
        assets = {a.asset_id for a in request.assets}
        return land_rerun(document, suggestions, request.text, assets, request.window)
    return add_new_suggestions(document, suggestions)


LOAD_SHARE = 0.2
"""The share of ``ask``'s progress that loading the backend fills."""


class RequestRefused(VidiError):
    """The backend did not serve the request (out of its reach, not understood): its answer
    says why and what would; nothing is added to the project."""


def refusal_of(suggestions: Iterable[Suggestion]) -> str | None:
    """The message of an answer that declines the request (``metadata.vidi.refusal``), when
    that is all the backend answered; None when it served the request."""
    items = list(suggestions)
    declines = [s for s in items if isinstance(s.metadata.get("vidi"), dict)
                and s.metadata["vidi"].get("refusal") and isinstance(s.payload, Answer)]
    if not declines or len(declines) != len(items):
        return None
    return " ".join(" ".join(s.payload.text.split()) for s in declines)  # type: ignore[attr-defined]


@dataclass
class AskResult:
    """What ``ask`` did: the run's result, the asset asked about, the project written."""

    result: RunResult
    asset: Asset
    project_path: Path | None
    added_ids: list[str]
    already_there: int = 0  # suggestions left out as equal to ones the project held


def ask_file(
    path: str | os.PathLike[str],
    text: str,
    output: str | os.PathLike[str] | None,
    backend: str = "builtin",
    options: Mapping[str, Any] | None = None,
    window: TimeRange | None = None,
    on_progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> AskResult:
    """Answer ``text`` about the media file at ``path``; suggestions go to the project ``output``.

    The file joins the project if it is not there yet (same path, size and mtime = same
    asset). ``output`` None answers without writing anything. Raises :class:`VidiError` with
    the backend's one-line message when the request fails; the project file is untouched.
    """
    from vidi_desktop.core.project.sync import save_locked
    from vidi_desktop.media.probe import probe
    from vidi_desktop.models.runner import RUNNING, ModelRunner, RunState
    from vidi_desktop.services.analyze import asset_from_probe, open_or_new
    from vidi_desktop.services.output_guard import refuse_overwriting_media

    out = Path(output) if output is not None else None
    if out is not None:
        refuse_overwriting_media([out], [path])
    document = open_or_new(out) if out is not None else None
    info = probe(path, allow_truncated=True)
    asset = document.project.find_asset(info.identity) if document is not None else None
    is_new = asset is None
    if asset is None:
        asset = asset_from_probe(info)
    request = Request(text, (AssetRef.from_asset(asset),), window, {})

    # One 0–100 % for the whole job: loading the backend fills the first fifth, the
    # request the rest (both report 0–1 of their own part).
    share = [0.0, LOAD_SHARE]

    def report(request_id: str, fraction: float | None, message: str) -> None:
        if message == RUNNING:
            share[:] = [LOAD_SHARE, 1.0]
        if on_progress is not None:
            overall = None if fraction is None else share[0] + (share[1] - share[0]) * fraction
            on_progress(overall, message)

    runner = ModelRunner(on_progress=report).start()
    try:
        handle = runner.submit(request, backend, options)
        while not handle.done:
            if cancel is not None and cancel.is_set():
                handle.cancel()
            handle.wait(0.1)
    except KeyboardInterrupt:
        handle.cancel()
        handle.wait(30)
        raise
    finally:
        runner.close()
    result = handle.result
    assert result is not None
    if result.state is RunState.CANCELLED:
        raise CancelledError("cancelled: nothing was changed")
    if not result.ok:
        raise VidiError(f"{backend}: {result.error}")
    refusal = refusal_of(result.suggestions)
    if refusal is not None:
        raise RequestRefused(f"{backend}: {refusal} (nothing was changed)")

    added: list[str] = []
    already = 0
    if document is not None and out is not None:
        with document.transaction(f"Ask: {text[:60]}"):
            if is_new:
                document.add_asset(asset)
            landed = land_result(document, result)
        added, already = landed.added_ids, len(landed.already)
        # Under the project lock, merged with whatever another writer saved meanwhile.
        save_locked(document, out)
    return AskResult(result, asset, out, added, already)
