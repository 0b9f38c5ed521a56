"""Which built-in task a request asks for: sentence-embedding ranking plus rules.

A request is scored against every intent as ``max cosine similarity to its exemplars``
(MiniLM embeddings, :mod:`.embedder`) plus a bonus for the intent's strong keywords and for
parameters that only one intent uses (a quoted phrase, an explicit aspect ratio, a clip
count). The best intent wins when its score clears :data:`MIN_SCORE` and beats the runner-up
by :data:`MIN_MARGIN`; otherwise the request is ``unknown`` and the backend says what it can
do rather than guess.

Requests about what is *in the picture* ("when is the red car visible", "find the dog")
look a lot like served ones to an embedding ("every shot with a face"), so an explicit
detector looks for objects, colours, actions and open questions first; when it fires (and
the request is not about words being said) the answer is ``needs_vlm``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from vidi_desktop.models.builtin import intents as I
from vidi_desktop.models.builtin.params import Params, normalize, parse_params

if TYPE_CHECKING:
    import numpy as np

    from vidi_desktop.models.builtin.embedder import Embedder

KEYWORD_BONUS = 0.2
"""Added once to an intent when any of its keywords is in the request."""
PARAM_BONUS = 0.1
"""Added for a parameter only one intent uses (an explicit ratio, a count or clip length)."""
QUOTED_BONUS = 0.3
"""Added to phrase search when the request quotes words."""
UNSUPPORTED_BONUS = 0.5
"""Added to ``unsupported`` for a word naming a job no analyser does ("translate", "louder"):
it outweighs a served keyword in the same request ("translate the subtitles")."""
MIN_SCORE = 0.45
"""Below this nothing matched: the request is ``unknown``."""
MIN_MARGIN = 0.03
"""A winner without keywords must beat the runner-up by this much, or the request is unclear."""


@dataclass(frozen=True)
class RoutedRequest:
    """The router's decision: intent, parameters, score and why."""

    text: str
    intent: str
    params: Params
    score: float
    explanation: str
    scores: dict[str, float] = field(default_factory=dict)  # every intent's combined score
    visual: str | None = None  # what the visual-query detector recognised
    alternatives: tuple[str, ...] = ()  # close runners-up when the request is unclear
    also: tuple[RoutedRequest, ...] = ()  # further tasks of a compound request ("… and …")
    keyword: bool = False  # one of the intent's strong keywords is in the request

    @property
    def served(self) -> bool:
        """True when a built-in task answers it."""
        return self.intent in I.SERVED


# -- visual object queries ----------------------------------------------------------------------

_COLOURS = (
    r"red|blue|green|yellow|orange|purple|pink|brown|grey|gray|white|black|silver|golden|gold|"
    r"beige|turquoise|navy"
)
_OBJECTS = (
    # vehicles, animals, things people hold, places, weather, text in the picture
    r"cars?|trucks?|lorr(?:y|ies)|bus(?:es)?|bikes?|bicycles?|motorcycles?|motorbikes?|"
    r"trains?|planes?|airplanes?|aeroplanes?|helicopters?|boats?|ships?|vans?|taxis?|vehicles?|"
    r"drones?|dogs?|puppy|puppies|cats?|kittens?|birds?|horses?|cows?|sheep|animals?|pets?|"
    r"fish|balls?|phones?(?! screen| sized| size|-sized| format)|smartphones?|laptops?|"
    r"computers?|cups?|mugs?|bottles?|glass(?:es)?|chairs?|tables?(?! of contents)|desks?|"
    r"sofas?|couch|beds?|"
    r"doors?|windows?|books?|bags?|backpacks?|umbrellas?|hats?|caps?|shirts?|t-shirts?|"
    r"jackets?|coats?|dress(?:es)?|shoes?|sunglasses|ties?|logos?|signs?|banners?|posters?|"
    r"flags?|trees?|flowers?|sky|sun|sunsets?|sunrises?|moon|beach(?:es)?|ocean|sea|lakes?|"
    r"rivers?|mountains?|forests?|snow|rain|fire|smoke|explosions?|streets?|roads?|city|"
    r"buildings?|house|kitchen|room|stage|crowd|food|pizza|cake|knife|knives|guns?|weapons?|"
    r"guitars?|pianos?|drums?|microphones?|mic|products?|boxe?s?|goals?|referee|night|"
    r"daylight|underwater|aerial|scoreboard|whiteboard|slides?|screen ?shots?|license plates?|"
    r"number plates?|graffiti"
)
_ACTIONS = (
    r"danc(?:e|es|ing|ed)|jump(?:s|ing|ed)|run(?:s|ning)|ran|walk(?:s|ing|ed)|"
    r"driv(?:e|es|ing)|drove|fall(?:s|ing)|fell|drop(?:s|ped|ping)|throw(?:s|ing|n)?|threw|"
    r"catch(?:es|ing)|caught|kick(?:s|ing|ed)|scor(?:e|es|ing|ed)|wav(?:es|ing|ed)|"
    r"smil(?:e|es|ing)|kiss(?:es|ing)?|hug(?:s|ging)?|fight(?:s|ing)?|eat(?:s|ing)?|"
    r"drink(?:s|ing)?|cook(?:s|ing)?|rid(?:e|es|ing)|swim(?:s|ming)?|sit(?:s|ting)|"
    r"stand(?:s|ing)|hold(?:s|ing)|wear(?:s|ing)|open(?:s|ed)|clos(?:es|ed)|"
    r"pick(?:s|ed)? up|put(?:s)? down|enter(?:s|ing|ed)|leav(?:es|ing) (?:the|frame)|"
    r"point(?:s|ing)? at|crash(?:es|ing|ed)?|explod(?:e|es|ing)|arriv(?:e|es|ing)|"
    r"turns? around|nods?|cr(?:y|ies|ying)|"
    # base forms, as in "when does he wave": editing verbs (cut, jump, close…) stay out
    r"wave|run|walk|fall|throw|catch|kick|smile|fight|eat|drink|ride|swim|sit|stand|hold|"
    r"wear|enter"
)
_VISIBLE = (
    r"visible|on screen|on-screen|in (?:the )?(?:frame|picture|shot|background)|in view|seen|"
    r"(?:dis)?appear(?:s|ing|ed)?|shows? up|comes? into (?:view|frame)"
)
_PEOPLE_SERVED = (
    r"face|faces|person|people|someone|somebody|anyone|anybody|speaker|speakers|host|"
    r"presenter|interviewer|guest|talking heads?"
)
_SPEECH_VETO = re.compile(
    r"\b(?:says?|said|saying|mention(?:s|ed|ing)?|talks? about|talking about|speaks? about|"
    r"discuss(?:es|ed|ing)?|brings? up|refers? to|"
    r"the (?:word|phrase|term|line)|quote|transcri\w*|subtitles?|captions?)\b"
)
_VISUAL_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("object", re.compile(rf"\b(?:(?:{_COLOURS}) )?(?:{_OBJECTS})\b")),
    (
        "colour",
        re.compile(
            rf"\b(?:{_COLOURS})(?:-\w+)? (?!frames?\b|screen\b|bars?\b|and\b|or\b)[a-z]{{3,}}"
        ),
    ),
    ("action", re.compile(rf"\b(?:{_ACTIONS})\b")),
    (
        "question",
        re.compile(
            r"^(?:what|who|which one|how many|how much|why|describe|summari[sz]e|count|"
            r"identify|read)\b"
        ),
    ),
    (
        "visible",
        re.compile(
            rf"\b(?:the |a |an )?(?!(?:{_PEOPLE_SERVED})\b)(?P<thing>[a-z]+) (?:is |are )?"
            rf"(?:{_VISIBLE})\b"
        ),
    ),
]
_NOT_THINGS = frozenset(
    """it that this what who is are was were be been one they them he she him her something
    anything everything nothing everyone everybody does do did appear appears visible
    screen""".split()  # noqa: SIM905
)
# Shot kinds and looks that only a model that sees the picture can tell apart.
_SHOT_LOOKS = re.compile(
    r"\b(?:wide|establishing|aerial|drone|b-roll|over the shoulder|pov|slow[- ]motion|"
    r"outdoors?|indoors?|outside|inside|dark|bright|blurry|out of focus)\b"
)


def visual_query(text: str, params: Params) -> str | None:
    """What the request wants found in the picture ("red car", "dancing"), or None.

    ``text`` is the normalised request; words in quotes never count (they are words to
    find in the speech), nor does anything in a request about what is said.
    """
    t = text
    if params.quoted and params.phrase:
        t = t.replace(normalize(params.phrase), " ")
    if _SPEECH_VETO.search(t):
        return None
    for kind, pattern in _VISUAL_RULES:
        m = pattern.search(t)
        if m is None:
            continue
        if kind == "question" and _served_keyword(t):
            continue  # "what are the main topics", "what's the best part"
        if kind == "action" and _served_keyword(t) and not _has_subject(t):
            continue  # "jump cut the pauses": a verb of editing, not of the picture
        if kind == "visible" and m["thing"] in _NOT_THINGS:
            continue
        return m.group(0).strip()
    m = _SHOT_LOOKS.search(t)
    if m and re.search(r"\b(?:shots?|scenes?|clips?|parts?|moments?|footage)\b", t):
        return m.group(0)
    return None


_FIND_THING = re.compile(
    r"^(?:please )?(?:find|show(?: me)?|locate|spot|track|search for|look for|where(?:'s| is| are))"
    r" (?:all |every |each |any )?(?:of )?(?:the |a |an |my |our |his |her |their |some )?"
    r"(?P<obj>[a-z][a-z-]*(?: [a-z][a-z-]*)?)$"
)
_SERVED_WORDS = frozenset(
    """scene scenes shot shots cut cuts transition transitions edit edits fade fades silence
    silences silent pause pauses gap gaps dead air quiet speech talking talk dialogue voice
    voices speaking spoken subtitle subtitles sub subs caption captions transcript highlight
    highlights moment moments best part parts bit bits clip clips chapter chapters section
    sections topic topics face faces person people speaker speakers someone word words phrase
    good interesting funny important key main start end beginning middle black frames
    dissolves""".split()  # noqa: SIM905
)


def unknown_thing(text: str) -> str | None:
    """The thing in a bare "find the giraffe" when no served word names it, else None."""
    m = _FIND_THING.match(text)
    if m is None:
        return None
    words = m["obj"].split()
    return None if any(w in _SERVED_WORDS for w in words) else m["obj"]


def _served_keyword(text: str) -> bool:
    return any(i.keyword_hits(text) for i in I.INTENTS if i.name in I.SERVED)


def _has_subject(text: str) -> bool:
    subject = r"\b(?:he|she|they|it|the \w+|someone|somebody|man|woman|kid|guy|girl|boy)\b"
    return bool(re.search(rf"{subject} (?:\w+ )?(?:{_ACTIONS})\b", text))


_CONJUNCTION = re.compile(
    r"(?:,\s*|\s+)(?:and then|and also|and|then|plus|as well as|also)\s+|\s*[;,]\s*"
)

# -- the router -----------------------------------------------------------------------------------


class Router:
    """Routes requests with an :class:`Embedder` (loaded by :meth:`load`)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._names: list[str] = []
        self._matrix: np.ndarray | None = None
        self.last_latency_s: float | None = None

    @property
    def loaded(self) -> bool:
        return self._matrix is not None

    def load(self) -> None:
        """Load the embedder and embed every exemplar once (from the disk cache after that)."""
        self.embedder.load()
        pairs = I.all_exemplars()
        self._names = [n for n, _ in pairs]
        self._matrix = self.embedder.encode_fixed([e for _, e in pairs])
        # The first one-sentence forward pass starts the BLAS threads: pay it here, not on
        # the editor's first request.
        self.embedder.encode(["warm up the router"], cache=False)

    def similarities(self, text: str) -> dict[str, float]:
        """Each intent's best cosine similarity to ``text``."""
        if self._matrix is None:
            self.load()
        assert self._matrix is not None
        q = self.embedder.encode([text])[0]
        sims = self._matrix @ q
        best: dict[str, float] = {}
        for name, s in zip(self._names, sims.tolist(), strict=True):
            if s > best.get(name, -1.0):
                best[name] = s
        return best

    def route(self, text: str) -> RoutedRequest:
        """Decide what ``text`` asks for (see the module docstring).

        A compound request ("split into scenes and add subtitles") comes back as its first
        task with the others in ``also``, when every part is a served task named by a keyword.
        """
        started = time.perf_counter()
        try:
            whole = self._route(text)
            if whole.intent in (I.NEEDS_VLM, I.HELP):
                return whole
            parts = self._compound(text, whole.params, depth=0)
            if parts is None:
                return whole
            head, *rest = parts
            return replace(
                head,
                also=tuple(rest),
                explanation=("compound request: " + " + ".join(p.intent for p in parts)),
            )
        finally:
            self.last_latency_s = time.perf_counter() - started

    def _compound(self, text: str, whole: Params, depth: int) -> list[RoutedRequest] | None:
        """The request split at a conjunction into served tasks, or None."""
        if depth > 2:
            return None
        masked = text
        if whole.quoted and whole.phrase:
            # Never split inside quotes: "find 'salt and pepper'".
            masked = re.sub(re.escape(whole.phrase), lambda m: "x" * len(m[0]), text, count=1)
        for m in _CONJUNCTION.finditer(masked):
            left, right = text[: m.start()].strip(" ,;"), text[m.end() :].strip(" ,;")
            if not left or not right:
                continue
            first = self._task(left, whole)
            if first is None:
                continue
            later = self._compound(right, whole, depth + 1) or (
                [t] if (t := self._task(right, whole)) is not None else None
            )
            if later is None:
                continue
            intents = [first.intent, *(p.intent for p in later)]
            if len(set(intents)) == len(intents):
                return [first, *later]
        return None

    def _task(self, text: str, whole: Params) -> RoutedRequest | None:
        """``text`` as one part of a compound request: a served intent its keywords name."""
        part = self._route(text)
        if not part.served or not part.keyword:
            return None
        if part.params.window is None and whole.window is not None:
            # "in the first minute, split into scenes and add subtitles": both parts.
            part = replace(part, params=replace(part.params, window=whole.window))
        return part

    def _route(self, text: str) -> RoutedRequest:
        params = parse_params(text)
        norm = normalize(text)
        # Quoted words are what to find, not what to do: embed the request without them.
        embed_text = norm
        if params.quoted and params.phrase:
            embed_text = norm.replace(normalize(params.phrase), "something")
        sims = self.similarities(embed_text)
        scores: dict[str, float] = {}
        reasons: dict[str, list[str]] = {}
        scan = embed_text
        for intent in I.INTENTS:
            score = sims.get(intent.name, 0.0)
            why = [f"similarity {score:.2f}"]
            hits = intent.keyword_hits(scan)
            if intent.name == I.FIND_PHRASE and params.phrase is None:
                hits = []  # "what are they saying": a verb of speech but nothing to find
            if hits:
                score += UNSUPPORTED_BONUS if intent.name == I.UNSUPPORTED else KEYWORD_BONUS
                why.append("keyword " + ", ".join(repr(h) for h in hits[:3]))
            scores[intent.name] = score
            reasons[intent.name] = why
        if params.quoted and params.phrase:
            scores[I.FIND_PHRASE] += QUOTED_BONUS
            reasons[I.FIND_PHRASE].append("quoted phrase")
        if params.aspect_explicit and not any(r.startswith("keyword") for r in reasons[I.REFRAME]):
            # A ratio written out ("1:1") is as telling as the word "reframe".
            scores[I.REFRAME] += KEYWORD_BONUS
            reasons[I.REFRAME].append(f"keyword ratio {params.aspect}")
        if params.count is not None or params.duration is not None:
            scores[I.HIGHLIGHTS] += PARAM_BONUS
            reasons[I.HIGHLIGHTS].append("clip count/length")
        ranked = sorted(scores, key=lambda n: -scores[n])
        best, second = ranked[0], ranked[1]
        seen = visual_query(scan, params)

        def decide(intent: str, why: str, alternatives: tuple[str, ...] = ()) -> RoutedRequest:
            return RoutedRequest(
                text,
                intent,
                params,
                round(scores.get(intent, 0.0), 4),
                why,
                {k: round(v, 4) for k, v in scores.items()},
                seen,
                alternatives,
                keyword=any(r.startswith("keyword") for r in reasons.get(intent, ())),
            )

        if I.BY_NAME[I.HELP].keyword_hits(scan):
            return decide(I.HELP, "asks what the backend can do")
        if seen is not None:
            return decide(I.NEEDS_VLM, f"asks about something in the picture ({seen!r})")
        if scores[best] < MIN_SCORE or best == I.NEEDS_VLM:
            thing = unknown_thing(scan)
            if thing is not None:
                return decide(I.NEEDS_VLM, f"asks to find {thing!r}, which no analyser knows")
        if best == I.NEEDS_VLM and scores[best] >= MIN_SCORE:
            return decide(
                I.NEEDS_VLM,
                f"reads like a question about the picture (similarity {scores[best]:.2f})",
            )
        if scores[best] < MIN_SCORE:
            return decide(
                I.UNKNOWN,
                f"nothing matched well (best: {best}, {scores[best]:.2f} < {MIN_SCORE})",
                (best, second),
            )
        if best == I.UNSUPPORTED:
            return decide(
                I.UNSUPPORTED,
                f"asks for an editing job no built-in analyser does ({'; '.join(reasons[best])})",
                (second,),
            )
        if best == I.FIND_PHRASE and not params.phrase:
            return decide(I.UNKNOWN, "asks to find something said, but names no words", (best,))
        has_keyword = any(r.startswith("keyword") for r in reasons[best])
        if scores[best] - scores[second] < MIN_MARGIN and not has_keyword:
            return decide(
                I.UNKNOWN,
                f"unclear: {best} ({scores[best]:.2f}) or {second} ({scores[second]:.2f})",
                (best, second),
            )
        return decide(best, f"{best}: " + "; ".join(reasons[best]))
