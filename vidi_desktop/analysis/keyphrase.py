"""A title from a passage's own words: its key phrase.

Editors title a clip or a chapter with what it is about — "Honey bees", "The waggle dance"
— not with a list of its frequent words. Without a language model, the classic way
(RAKE, Rose et al. 2010) works well on speech: cut the text at stop words and punctuation,
keep the runs of content words as candidate phrases, and score each phrase by how much its
words belong to this passage rather than to the rest of the footage (term frequency here ×
inverse frequency over the other sentences). A phrase of two or three words beats a single
word unless the single word is much stronger.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_PHRASE = 3  # words; longer runs are cut into their best sub-run

# Function words and the commonest verbs and adverbs: they join phrases, they do not name
# what a passage is about.
STOPWORDS = frozenset(
    """a an the and or but if then so of to in on at by for with from as is are was were be
    been being it its it's this that these those i you he she we they me him her us them my
    your his our their what which who whom whose how why when where not no yes do does did
    done have has had having just like um uh oh okay ok well really very can could would
    should will shall may might must there here about into onto over out up down off than
    too also all any some more most such only own same now get gets got go goes going gone
    gonna know knows think thinks say says said one two let lets let's we're i'm you're
    they're that's there's don't doesn't didn't can't won't isn't aren't wasn't i've we've
    you've make makes made take takes took give gives gave use uses used see sees saw look
    looks come comes came keep keeps want wants need needs tell tells told put puts find
    finds found turn turns call calls seem seems many much every each other another few
    both either neither again always never often still even ever yet already almost around
    because while although though since until unless whether without within through during
    before after above below between among against toward towards across along behind
    beyond instead rather quite pretty something anything nothing everything someone
    anyone everyone thing things way ways lot lots kind sort bit hello hi thanks thank
    today yeah right sure maybe actually basically near far away less least next last
    first second third zero three four five six seven eight nine ten eleven twelve
    thirteen fifteen twenty thirty forty fifty sixty seventy eighty ninety hundred
    hundreds thousand thousands million millions billion billions half quarter percent
    day days year years time times week weeks minute minutes second seconds hour hours
    become becomes became including according despite except per via upon inside outside
    beside besides onto""".split()  # noqa: SIM905
)


# Common English verbs (base forms; -s, -es, -ed, -d forms are derived): a phrase names a
# thing, so these end it. A generic list, not tuned to any footage.
_VERBS = frozenset(
    """add allow appear ask begin believe bring build buy carry cause change climb collect
    consider continue cook create cross cut decide describe die drink drive drop eat
    explain fall feel fill follow form grow happen help hold hope include learn leave
    lie live lose love measure meet move offer open pass pay plan play produce pull push
    raise reach read release remain remember rent report return rise run seem sell send
    serve set show sit speak spend stand start stay stop suggest talk taste teach travel
    throw force try understand visit wait walk warn watch win wish wonder work
    write""".split()  # noqa: SIM905
)
_IRREGULAR = frozenset(
    """began begun brought built bought caught chose drank drove ate fell felt flew grew
    held kept knew led left lost met paid ran rose sent sold spent spoke stood taught
    thought threw thrown understood woke wore won wrote burst""".split()  # noqa: SIM905
)


def _is_verb(w: str) -> bool:
    if w in _VERBS or w in _IRREGULAR:
        return True
    for suffix, cut in (("ies", "y"), ("ied", "y"), ("es", ""), ("s", ""), ("ed", ""),
                        ("d", "")):
        if w.endswith(suffix) and w[: len(w) - len(suffix)] + cut in _VERBS:
            return True
    return False


def _is_stop(word: str) -> bool:
    """A stop word, a common verb, or an adverb in -ly (violently, roughly): none names
    what a passage is about."""
    w = word.lower()
    if w in STOPWORDS or _is_verb(w):
        return True
    return len(w) > 5 and w.endswith("ly") and w not in _LY_NOUNS


_LY_NOUNS = frozenset(
    ["family", "italy", "supply", "assembly", "rally", "anomaly", "monopoly", "butterfly"]
)
# Words after which the next word is usually a verb, and before which the previous one is:
# "it returns", "reaches the surface". Phrases are trimmed there (no tagger needed).
_SUBJECTS = frozenset("it they we i you he she who which that this".split())  # noqa: SIM905
_OBJECT_STARTS = frozenset(
    """the a an his her its their our your my this these those them it him
    us me""".split()  # noqa: SIM905
)

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*|[.,;:!?…]")


def _stem(word: str) -> str:
    """A crude plural fold, so "bee" and "bees" count as one word."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def content_words(text: str) -> list[str]:
    """The passage's content words, lower-case and plural-folded."""
    return [
        _stem(t.lower())
        for t in _TOKEN.findall(text)
        if t[0].isalnum() and not _is_stop(t) and len(t) > 2
    ]


def _phrases(text: str) -> list[list[str]]:
    """Runs of content words (as written), cut at stop words and punctuation, without the
    verb-like word at either end (after a subject pronoun, before an object's article)."""
    tokens = _TOKEN.findall(text)
    runs: list[list[str]] = []
    current: list[str] = []
    before = ""  # the token before the current run
    for token in [*tokens, "."]:
        word = token.strip("'’-")
        if not word or not word[0].isalnum() or _is_stop(word) or len(word) < 3:
            if current:
                if len(current) > 1 and word.lower() in _OBJECT_STARTS:
                    current = current[:-1]
                if len(current) > 1 and before in _SUBJECTS:
                    current = current[1:]
                runs.append(current)
            current = []
            before = word.lower()
            continue
        if not current or current[-1].lower() != word.lower():  # "banana banana": one word
            current.append(word)
    out: list[list[str]] = []
    for run in runs:  # a run gives its sub-runs of up to MAX_PHRASE words
        out += [run[i : i + n] for n in range(1, min(MAX_PHRASE, len(run)) + 1)
                for i in range(len(run) - n + 1)]
    return out


@dataclass(frozen=True)
class Corpus:
    """In how many passages of the footage each content word occurs (build it once)."""

    frequency: Counter[str]
    passages: int

    @classmethod
    def of(cls, passages: Iterable[str]) -> Corpus:
        frequency: Counter[str] = Counter()
        n = 0
        for text in passages:
            frequency.update(set(content_words(text)))
            n += 1
        return cls(frequency, n)

    def without(self, passages: Iterable[str]) -> Corpus:
        """The corpus less some of its passages (a clip's own sentences)."""
        other = Corpus.of(passages)
        return Corpus(self.frequency - other.frequency, self.passages - other.passages)


def key_phrase(text: str, background: Sequence[str] | Corpus = ()) -> str:
    """The phrase of ``text`` that best says what it is about, capitalised ("" if none).

    ``background`` holds the other passages of the same footage (sentences, say), or their
    :class:`Corpus`: words common everywhere in it weigh less than words particular to
    ``text``.
    """
    candidates = _phrases(text)
    if not candidates:
        return ""
    here = Counter(content_words(text))
    corpus = background if isinstance(background, Corpus) else Corpus.of(background)
    n = corpus.passages

    def weight(word: str) -> float:
        stem = _stem(word.lower())
        df = corpus.frequency[stem]
        return here[stem] * (math.log((n + 1) / (df + 1)) + 1.0)

    seen: dict[tuple[str, ...], float] = {}
    first: dict[tuple[str, ...], int] = {}
    for i, run in enumerate(candidates):
        key = tuple(w.lower() for w in run)
        if key in seen:
            continue
        # The words' weights added up (RAKE): a two-word name beats either word alone; the
        # balance factor keeps a weak word from riding on a strong one.
        ws = [weight(w) for w in run]
        top = max(ws)
        seen[key] = sum(ws) * math.sqrt(min(ws) / top) if top > 0 else 0.0
        first.setdefault(key, i)
    best = max(seen, key=lambda k: (seen[k], -first[k]))
    if seen[best] <= 0:
        return ""
    return _as_title(best, candidates[first[best]])


def _as_title(key: tuple[str, ...], written: list[str]) -> str:
    words = [w if w.isupper() and len(w) > 1 else w.lower() for w in written]
    text = " ".join(words)
    return text[:1].upper() + text[1:]
