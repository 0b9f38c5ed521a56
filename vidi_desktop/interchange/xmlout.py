"""A small, fast, indented XML writer (ElementTree's serializer costs ~1 s for a 2,000-clip
FCP7 file; string building costs a fifth of that)."""

from __future__ import annotations

from vidi_desktop.interchange.names import xml_text

_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def escape(value: object) -> str:
    """``value`` as XML text or attribute content."""
    if isinstance(value, int):
        return str(value)
    return xml_text(str(value)).translate(_ESCAPE)


class XmlWriter:
    """Elements appended in document order: ``open``/``leaf``/``close``, then ``text()``."""

    def __init__(self, indent: str = "  ") -> None:
        self._lines: list[str] = []
        self._stack: list[str] = []
        self._indent = indent

    def open(self, tag: str, **attrs: object) -> None:
        self._lines.append(f"{self._pad()}<{tag}{_attrs(attrs)}>")
        self._stack.append(tag)

    def leaf(self, tag: str, text: object = None, **attrs: object) -> None:
        if text is None:
            self._lines.append(f"{self._pad()}<{tag}{_attrs(attrs)}/>")
        else:
            self._lines.append(f"{self._pad()}<{tag}{_attrs(attrs)}>{escape(text)}</{tag}>")

    def close(self) -> None:
        tag = self._stack.pop()
        self._lines.append(f"{self._pad()}</{tag}>")

    def text(self, header: str = "") -> str:
        if self._stack:
            raise ValueError(f"unclosed element <{self._stack[-1]}>")
        return header + "\n".join(self._lines) + "\n"

    def _pad(self) -> str:
        return self._indent * len(self._stack)


def _attrs(attrs: dict[str, object]) -> str:
    return "".join(f' {k}="{escape(v)}"' for k, v in attrs.items())
