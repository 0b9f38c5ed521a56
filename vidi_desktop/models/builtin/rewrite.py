"""A request as typed → the plain English the router reads.

Editors type fast, in their own language, in shorthand. Before routing, the request is
rewritten word by word (quoted words are never touched — they are words to find):

1. shorthand expanded ("pls", "b4", "2nd", "w/", "jumpcut");
2. a Spanish, French, German or Portuguese request (seen by its accents, its little words or
   a word of the product's vocabulary in that language, :mod:`.lexicon`) translated to its
   English word-for-word equivalent: "quita los silencios" → "remove the silences",
   "sous-titres pour les 2 premières minutes" → "subtitles for the first 2 minutes";
3. near-misses of the product's own words corrected ("portait" → "portrait", "chnages" →
   "changes"): one edit for words of 5–7 letters, two from 8, same first letter, never for a
   word the router knows, and only when one word is nearest;
4. speech negated is silence: "the part where nobody speaks", "sections without any speech"
   become "where there is silence", "with silence".

Everything here is plain Python on strings: no model.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from vidi_desktop.models.builtin import lexicon as L
from vidi_desktop.models.builtin.params import NUMBER

_QUOTED = re.compile(
    r"\"[^\"]+\"|[“„][^”“„]+[”“]|‘[^’]+’|«[^»]+»|(?<![\w'])'[^']+?'(?![\w'])"
)
_TOKEN = re.compile(r"[^\W_][\w'&/-]*|w/o?\b")
_ACCENTED = re.compile(r"[àâäáãåçèéêëìíîïñòóôöõùúûüßœæ]")


@dataclass(frozen=True)
class Rewritten:
    """The text the router reads, and what was changed (for the routing explanation)."""

    text: str
    changes: tuple[str, ...] = ()
    language: str | None = None  # "foreign" when a translation was made


def strip_accents(text: str) -> str:
    """``"vídeo"`` → ``"video"``, ``"länger"`` → ``"langer"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ß", "ss")


def rewrite(text: str) -> Rewritten:
    """The request in the router's plain English (see the module docstring)."""
    changes: list[str] = []
    pieces: list[str] = []
    at = 0
    for m in _QUOTED.finditer(text):
        pieces.append(text[at : m.start()])
        pieces.append(m.group(0))
        at = m.end()
    pieces.append(text[at:])
    plain = " ".join(pieces[0::2])
    foreign = _is_foreign(plain)
    out: list[str] = []
    for i, piece in enumerate(pieces):
        if i % 2:
            out.append(piece)  # quoted: verbatim, case and all
        else:
            out.append(_rewrite_plain(piece, foreign, changes))
    result = re.sub(r"\s+", " ", "".join(out)).strip()
    result = _negated_speech(result, changes)
    return Rewritten(result, tuple(changes), "foreign" if foreign else None)


# -- steps ------------------------------------------------------------------------------------


def _is_foreign(text: str) -> bool:
    low = text.lower()
    if _ACCENTED.search(low):
        return True
    for tok in _TOKEN.findall(low):
        key = strip_accents(tok)
        if key in L.FOREIGN_MARKERS:
            return True
        if key in L.FOREIGN_WORDS and key not in L.AMBIGUOUS and L.FOREIGN_WORDS[key] != key:
            return True
    return False


def _rewrite_plain(text: str, foreign: bool, changes: list[str]) -> str:
    t = text.lower().replace("’", "'")
    if foreign:
        t = strip_accents(t)
        for phrase, english in _phrases():
            t, n = re.subn(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", english, t)
            if n:
                changes.append(f"{phrase} → {english}")
    t = _TOKEN.sub(lambda m: _word(m.group(0), foreign, changes), t)
    if foreign:
        # "les 2 premières minutes": the number comes before "first/last" in these languages.
        t = re.sub(rf"\b({NUMBER}) (first|last) (seconds?|minutes?|hours?)\b", r"\2 \1 \3", t)
    return t


def _word(token: str, foreign: bool, changes: list[str]) -> str:
    key = strip_accents(token)
    if token in L.SHORTHAND:
        return _changed(token, L.SHORTHAND[token], changes)
    if foreign:
        for table in (L.FOREIGN_WORDS, L.FOREIGN_NUMBERS, L.FUNCTION_WORDS):
            if key in table:
                return _changed(token, table[key], changes)
    elif key in L.FOREIGN_WORDS and key not in L.AMBIGUOUS:
        return _changed(token, L.FOREIGN_WORDS[key], changes)
    fixed = correct_typo(token)
    if fixed is not None:
        return _changed(token, fixed, changes)
    return token


def _changed(before: str, after: str, changes: list[str]) -> str:
    if before != after:
        changes.append(f"{before} → {after}" if after else f"{before} dropped")
    return after


@lru_cache(maxsize=1)
def _phrases() -> list[tuple[str, str]]:
    # Longest first: "mas largos que" before "mas de".
    return sorted(L.FOREIGN_PHRASES.items(), key=lambda kv: -len(kv[0]))


# -- typos ------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """Words never corrected: the exemplars', the keywords' and common English words."""
    from vidi_desktop.models.builtin import intents as I

    words: set[str] = set(L.DOMAIN_WORDS) | set(L.COMMON_WORDS)
    for _, exemplar in I.all_exemplars():
        words.update(_TOKEN.findall(exemplar.lower()))
    for intent in I.INTENTS:
        for pattern in intent.keywords:
            words.update(re.findall(r"[a-z]{3,}", pattern))
    return frozenset(words)


def correct_typo(word: str) -> str | None:
    """The domain word ``word`` is a near-miss of, or None (see the module docstring)."""
    if not word.isalpha() or len(word) < 5 or word in known_words():
        return None
    budget = 1 if len(word) < 8 else 2
    best: list[str] = []
    best_d = budget + 1
    for target in L.DOMAIN_WORDS:
        if target[0] != word[0] or abs(len(target) - len(word)) > budget:
            continue
        d = _distance(word, target, budget)
        if d < best_d:
            best, best_d = [target], d
        elif d == best_d:
            best.append(target)
    if not best or best_d > budget:
        return None
    # "scens" is as near "scene" as "scenes": the same word, take the shorter.
    stems = {b.rstrip("s") for b in best}
    return min(best, key=len) if len(stems) == 1 else None


def _distance(a: str, b: str, limit: int) -> int:
    """Damerau–Levenshtein distance (adjacent swaps count one), stopping past ``limit``."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


# -- speech negated ---------------------------------------------------------------------------

_NOBODY = re.compile(
    r"\b(?:nobody|no one|no-one|noone|none of them)(?:'s|\s+is|\s+are|\s+was)?\s+"
    r"(?:speak(?:s|ing)?|talk(?:s|ing)?|say(?:s|ing)? (?:anything|a word)|"
    r"said anything|utter(?:s|ing)? a word)\b"
)
_WITHOUT_SPEECH = re.compile(
    r"\b(?P<neg>without(?:\s+any)?|with\s+no|no|zero|free\s+of|devoid\s+of|lacking)\s+"
    r"(?:speech|talking|dialogue|dialog|voices?|speaking|narration|voice-?over|words)\b"
)


def _negated_speech(text: str, changes: list[str]) -> str:
    out = _NOBODY.sub(lambda m: _note(m, "there is silence", changes), text)
    return _WITHOUT_SPEECH.sub(
        lambda m: _note(m, "with silence" if m["neg"].startswith("without") else "silence",
                        changes),
        out,
    )


def _note(m: re.Match[str], replacement: str, changes: list[str]) -> str:
    changes.append(f"{m.group(0)} → {replacement}")
    return replacement
