"""Opening media files with PyAV, turning every failure into a specific, one-line error."""

from __future__ import annotations

import os
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from vidi_desktop.core.errors import (
    CorruptMediaError,
    EmptyFileError,
    MediaNotFoundError,
    MissingStreamError,
    NotAFileError,
    NotMediaError,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    import av.container
    import av.stream

# Signatures of containers whose damage we can name: when one of these fails to open, the
# file is a broken video (truncated, moov atom missing) rather than "not media".
_CONTAINER_MAGIC: tuple[tuple[int, bytes], ...] = (
    (4, b"ftyp"),  # MP4 / MOV / 3GP
    (4, b"moov"),
    (4, b"mdat"),
    (4, b"wide"),
    (4, b"free"),
    (0, b"\x1a\x45\xdf\xa3"),  # Matroska / WebM
    (0, b"RIFF"),  # AVI / WAV
    (0, b"OggS"),
    (0, b"\x00\x00\x01\xba"),  # MPEG-PS
    (0, b"\x47"),  # MPEG-TS sync byte
    (0, b"ID3"),
)


def check_file(path: str | os.PathLike[str]) -> Path:
    """Make sure ``path`` is a non-empty regular file before FFmpeg sees it.

    FFmpeg would block forever reading a FIFO and gives vague errors for directories.
    """
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise MediaNotFoundError(f"{p}: no such file") from None
    except PermissionError:
        raise MediaNotFoundError(f"{p}: permission denied") from None
    except OSError as exc:
        raise MediaNotFoundError(f"{p}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise NotAFileError(f"{p}: is a folder, not a media file")
    if not stat.S_ISREG(st.st_mode):
        raise NotAFileError(f"{p}: is not a regular file")
    if st.st_size == 0:
        raise EmptyFileError(f"{p}: is empty (0 bytes)")
    if not os.access(p, os.R_OK):
        raise MediaNotFoundError(f"{p}: permission denied")
    return p


def looks_like_container(path: Path) -> bool:
    """True when the first bytes carry a known container signature."""
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    return any(head[off : off + len(magic)] == magic for off, magic in _CONTAINER_MAGIC)


@contextmanager
def open_media(path: str | os.PathLike[str]) -> Iterator[av.container.InputContainer]:
    """Open ``path`` for reading; raise a :mod:`vidi_desktop.core.errors` error if it can't be."""
    import av

    p = check_file(path)
    try:
        container = av.open(str(p), mode="r", metadata_errors="replace")
    except av.error.FileNotFoundError:
        raise MediaNotFoundError(f"{p}: no such file") from None
    except av.error.PermissionError:
        raise MediaNotFoundError(f"{p}: permission denied") from None
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        if looks_like_container(p):
            raise CorruptMediaError(
                f"{p}: damaged or truncated media file ({_ffmpeg_reason(exc)})"
            ) from None
        raise NotMediaError(f"{p}: not a video or audio file FFmpeg can read") from None
    try:
        if not any(s.type in ("video", "audio") for s in container.streams):
            raise MissingStreamError(f"{p}: has no video or audio stream")
        yield container
    finally:
        container.close()


def video_stream(container: av.container.InputContainer, path: object) -> av.stream.Stream:
    """The main video stream (not a cover-art picture), or MissingStreamError."""
    for s in container.streams.video:
        # Attached pictures (album art) are video streams with one frame: not footage; a
        # stream FFmpeg has no decoder for (a damaged codec id) cannot be shown either.
        if not (s.disposition & _attached_pic_flag()) and s.codec_context is not None:
            return s
    raise MissingStreamError(f"{path}: has no video stream (audio-only file?)")


def audio_stream(container: av.container.InputContainer, path: object) -> av.stream.Stream:
    """The first audio stream FFmpeg can decode, or MissingStreamError."""
    for s in container.streams.audio:
        if s.codec_context is not None:
            return s
    raise MissingStreamError(f"{path}: has no audio stream")


def decodable_audio(container: av.container.InputContainer) -> list[av.stream.Stream]:
    """The audio streams that have a decoder (a damaged header can name an unknown codec)."""
    return [s for s in container.streams.audio if s.codec_context is not None]


def read_only(container: av.container.InputContainer, stream: av.stream.Stream) -> None:
    """Tell the demuxer to skip every stream but ``stream``: in an MP4 or MOV their packets
    are then not even read from disk (a talk's 28,000 audio packets when only the pictures'
    timestamps are wanted, its pictures when only the sound is). For a container opened for
    that one stream only; PyAV versions without ``Stream.discard`` read them as before."""
    import av

    discard = getattr(getattr(getattr(av, "stream", None), "Discard", None), "all", None)
    if discard is None:
        return
    for other in container.streams:
        if other.index != stream.index:
            try:
                other.discard = discard
            except (AttributeError, TypeError, ValueError):
                return


def _attached_pic_flag() -> int:
    import av

    return int(av.stream.Disposition.attached_pic)


def _ffmpeg_reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).split(":")[0].strip().rstrip(".") or type(exc).__name__
