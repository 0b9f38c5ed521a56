"""Running a request again with other parameters: what it no longer proposes goes, decisions stay.

The window's preset popover runs "remove the silences" again with another threshold. Its new
suggestions land as every run's do (:mod:`.dedupe`: those equal to one the project holds are
left out); in the same undo step, the *pending* suggestions an earlier run of the same words
made on the same files — inside the request's scope, when it has one — that the new run does
not propose again are removed, so the timeline shows the new result, not both. Accepted and
rejected suggestions are never touched, nor answers (messages, kept for the history), nor
what other requests proposed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vidi_desktop.core.project.dedupe import frame_of, same_suggestion, split_new
from vidi_desktop.core.project.model import Answer, Project, ReviewState, Suggestion
from vidi_desktop.core.project.scope import scope_suggestion
from vidi_desktop.core.time import TimeRange

if TYPE_CHECKING:
    from vidi_desktop.core.project.document import ProjectDocument


@dataclass(frozen=True, slots=True)
class RerunOutcome:
    """What a run again did: added, already there, and the earlier pending ones it replaced."""

    added: tuple[Suggestion, ...]
    already: tuple[Suggestion, ...]
    replaced: tuple[Suggestion, ...]

    @property
    def added_ids(self) -> list[str]:
        return [s.id for s in self.added]

    def summary(self) -> str:
        """ "3 new, 2 already there, 4 replaced"."""
        text = f"{len(self.added)} new, {len(self.already)} already there"
        return text + (f", {len(self.replaced)} replaced" if self.replaced else "")


def superseded(
    project: Project,
    request: str,
    asset_ids: Collection[str],
    scope: TimeRange | None,
    incoming: Iterable[Suggestion],
) -> list[Suggestion]:
    """The pending suggestions of earlier runs of ``request`` that ``incoming`` replaces."""
    incoming = list(incoming)
    out = []
    for s in project.suggestions:
        if (
            s.state is not ReviewState.PENDING
            or s.request != request
            or s.asset_id not in asset_ids
            or isinstance(s.payload, Answer)
        ):
            continue
        if scope is not None and scope_suggestion(s, scope) is not s:
            continue  # outside the scope asked about: this run says nothing about it
        frame = frame_of(project.asset(s.asset_id))
        if not any(same_suggestion(s, new, frame) for new in incoming):
            out.append(s)
    return out


def land_rerun(
    document: ProjectDocument,
    suggestions: Iterable[Suggestion],
    request: str,
    asset_ids: Collection[str],
    scope: TimeRange | None = None,
) -> RerunOutcome:
    """Land a run again of ``request`` (see the module docstring) as one undo step."""
    incoming = list(suggestions)
    new, already = split_new(document.project, incoming)
    stale = superseded(document.project, request, asset_ids, scope, incoming)
    if not new and not stale:
        return RerunOutcome((), tuple(already), ())
    with document.transaction(f"Run again: {request[:60]}"):
        added = document.add_suggestions(new) if new else ()
        if stale:
            document.remove_suggestions(s.id for s in stale)
    return RerunOutcome(tuple(added), tuple(already), tuple(stale))
