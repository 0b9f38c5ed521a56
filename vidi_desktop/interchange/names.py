"""Names NLEs are picky about: CMX reel names, ``file://localhost/`` URLs, XML-safe text.

A reel name is at most 8 letters or digits (CMX 3600); the full clip name travels in the
``* FROM CLIP NAME:`` comment. Names are unique per timeline, and never one of the reserved
reels that mean "no media" (``BL``, ``BLACK``, ``BARS``, ``AX``).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import quote, unquote, urlsplit

REEL_LENGTH = 8
_RESERVED_REELS = {"BL", "BLK", "BLACK", "BARS", "AX", "AUX"}
_WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]")
# XML 1.0 refuses most C0 control characters even when escaped.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def ascii_fold(text: str) -> str:
    """``"Café n°2"`` → ``"Cafe no2"``: accents dropped, other non-ASCII characters removed."""
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii")


def reel_name(name: str, used: set[str], length: int = REEL_LENGTH) -> str:
    """A CMX reel for a clip called ``name``, unique among ``used`` (which it joins).

    The file's stem with only letters and digits kept, cut to ``length`` characters; a
    clash or a reserved word gets a numbered tail (``CLIPNA01``).
    """
    stem = PurePosixPath(name.replace("\\", "/")).name
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    base = re.sub(r"[^A-Za-z0-9]", "", ascii_fold(stem))[:length] or "REEL"
    candidate = base
    n = 0
    while candidate.upper() in used or candidate.upper() in _RESERVED_REELS:
        n += 1
        tail = f"{n:02d}"
        if len(tail) >= length:  # pragma: no cover - more than 10^7 clashes
            raise ValueError("too many clips share one reel name")
        candidate = base[: length - len(tail)] + tail
    used.add(candidate.upper())
    return candidate


def file_url(path: str) -> str:
    """``/Media/A 01.mov`` → ``file://localhost/Media/A%2001.mov`` (Windows drives kept).

    FCP7 XML importers (Premiere, Resolve) want the ``localhost`` host and percent-encoding.
    """
    if _WINDOWS_PATH.match(path):
        posix = PureWindowsPath(path).as_posix()
        return "file://localhost/" + quote(posix, safe="/:")
    return "file://localhost" + quote(PurePosixPath(path).as_posix(), safe="/")


def plain_file_url(path: str) -> str:
    """``file:///Media/A%2001.mov``: the three-slash form FCPXML and OTIO use."""
    return file_url(path).replace("file://localhost", "file://", 1)


def path_from_url(url: str) -> str:
    """The local path of a ``file:`` URL (any host form), or ``url`` itself if it is a path."""
    if not url.lower().startswith("file:"):
        return url
    parts = urlsplit(url)
    path = unquote(parts.path)
    if re.match(r"^/[A-Za-z]:/", path):
        path = path[1:]
    return path


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry."""
    return _XML_BAD.sub("", text)


def edl_text(text: str) -> str:
    """One line of an EDL comment: no line breaks, printable."""
    return " ".join(xml_text(text).split())


def edl_name(text: str) -> str:
    """A name for an EDL comment in 7-bit ASCII (CMX 3600 is ASCII; NLEs mangle the rest).

    Accents are dropped (``é`` → ``e``); what has no ASCII form (CJK, emoji…) and the
    characters some readers treat specially (``%``, ``&``) are percent-encoded as UTF-8, so
    ``urllib.parse.unquote`` restores them: ``"Café & 日本"`` → ``"Cafe %26 %E6%97%A5%E6%9C%AC"``.
    """
    folded = "".join(
        ch for ch in unicodedata.normalize("NFKD", edl_text(text))
        if not unicodedata.combining(ch)
    )
    return "".join(_EDL_SAFE.get(ch) or quote(ch, safe="") for ch in folded)


def edl_path(path: str) -> str:
    """A file path for an EDL comment in 7-bit ASCII: as it is when it is plain printable
    ASCII, else its percent-encoded ``file://`` URL (decodes back to the exact path)."""
    flat = edl_text(path)
    if flat == path and all(ch in _EDL_SAFE for ch in path):
        return path
    return plain_file_url(path)


# Printable ASCII that passes through EDL comments untouched.
_EDL_SAFE = {chr(c): chr(c) for c in range(0x20, 0x7F) if chr(c) not in "%&"}
