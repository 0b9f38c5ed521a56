"""The project document: assets, typed suggestions and their review, the edit, undo, files.

* :mod:`.facts` — an asset's probe facts as a typed value (:class:`AssetFacts`);
* :mod:`.model` — immutable values (:class:`Project`, :class:`Asset`, :class:`Suggestion`
  with its typed payloads, :class:`EditClip`);
* :mod:`.kinds` — the registry of suggestion kinds, each described with its payload class
  (names, ``--kind`` aliases, colours, marker, edit role);
* :mod:`.commands` — undoable commands, :class:`UndoStack` and transactions;
* :mod:`.document` — :class:`ProjectDocument`, the open project the GUI and CLI drive;
* :mod:`.consistency` — the edit the accepted suggestions make, and contradictions;
* :mod:`.events` — the event emitter views subscribe to;
* :mod:`.schema` / :mod:`.storage` — the versioned JSON format, atomic saves, autosaves.

Pure Python: nothing here imports Qt, PyAV, numpy or torch.
"""

from vidi_desktop.core.errors import CorruptProjectError, ProjectError, ProjectVersionError
from vidi_desktop.core.project.commands import (
    AddAsset,
    AddEditClip,
    AddSuggestions,
    Change,
    Command,
    MacroCommand,
    MoveEditClip,
    RemoveAsset,
    RemoveEditClip,
    RemoveSuggestions,
    RenameProject,
    ReplaceEdit,
    SetReviewState,
    SetSettings,
    UndoStack,
    UpdateEditClip,
    UpdateSuggestions,
)
from vidi_desktop.core.project.document import ProjectDocument
from vidi_desktop.core.project.edit import cut_from_edit, restore_to_edit
from vidi_desktop.core.project.events import Event, EventEmitter
from vidi_desktop.core.project.facts import AssetFacts, AssetFactsError, AudioFacts, VideoFacts
from vidi_desktop.core.project.fields import Fields, SchemaError
from vidi_desktop.core.project.model import (
    PAYLOAD_TYPES,
    TRANSITIONS,
    Answer,
    Asset,
    Box,
    Chapter,
    CutRange,
    EditClip,
    FileIdentityLike,
    HighlightClip,
    ObjectTube,
    Payload,
    Project,
    ProjectEditError,
    ReviewState,
    SceneBoundary,
    SilenceCut,
    SpeechRange,
    SubtitleCue,
    Suggestion,
    UnknownIdError,
    Word,
    new_id,
    payload_class,
    register_payload,
)
from vidi_desktop.core.project.schema import (
    CURRENT_VERSION,
    SCHEMA_NAME,
    UPGRADES,
    dumps,
    loads,
    project_from_json,
    project_to_json,
)
from vidi_desktop.core.project.storage import (
    PROJECT_SUFFIX,
    AutosaveEntry,
    ProjectNotFoundError,
    autosave,
    autosave_path,
    backup_path,
    discard_autosave,
    list_autosaves,
    load_autosave,
    load_project,
    save_project,
)

__all__ = [
    "CURRENT_VERSION",
    "PAYLOAD_TYPES",
    "PROJECT_SUFFIX",
    "SCHEMA_NAME",
    "TRANSITIONS",
    "UPGRADES",
    "AddAsset",
    "AddEditClip",
    "AddSuggestions",
    "Answer",
    "Asset",
    "AssetFacts",
    "AssetFactsError",
    "AudioFacts",
    "AutosaveEntry",
    "Box",
    "Change",
    "Chapter",
    "Command",
    "CorruptProjectError",
    "CutRange",
    "EditClip",
    "Event",
    "EventEmitter",
    "Fields",
    "FileIdentityLike",
    "HighlightClip",
    "MacroCommand",
    "MoveEditClip",
    "ObjectTube",
    "Payload",
    "Project",
    "ProjectDocument",
    "ProjectEditError",
    "ProjectError",
    "ProjectNotFoundError",
    "ProjectVersionError",
    "RemoveAsset",
    "RemoveEditClip",
    "RemoveSuggestions",
    "RenameProject",
    "ReplaceEdit",
    "ReviewState",
    "SceneBoundary",
    "SchemaError",
    "SetReviewState",
    "SetSettings",
    "SilenceCut",
    "SpeechRange",
    "SubtitleCue",
    "Suggestion",
    "UndoStack",
    "UnknownIdError",
    "UpdateEditClip",
    "UpdateSuggestions",
    "VideoFacts",
    "Word",
    "autosave",
    "autosave_path",
    "backup_path",
    "cut_from_edit",
    "discard_autosave",
    "dumps",
    "list_autosaves",
    "load_autosave",
    "load_project",
    "loads",
    "new_id",
    "payload_class",
    "project_from_json",
    "project_to_json",
    "register_payload",
    "restore_to_edit",
    "save_project",
]
