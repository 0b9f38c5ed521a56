"""Which built-in task a request asks for: sentence-embedding ranking plus rules.

A request is scored against every intent as ``max cosine similarity to its exemplars``
(MiniLM embeddings, :mod:`.embedder`) plus a bonus for the intent's strong keywords and for
parameters that only one intent uses (a quoted phrase, an explicit aspect ratio, a clip
count). The best intent wins when its score clears :data:`MIN_SCORE` and beats the runner-up
by :data:`MIN_MARGIN`; otherwise the request is ``unknown`` and the backend says what it can
do rather than guess.

Requests about what is *in the picture* ("when is the red car visible", "find the dog")
look a lot like served ones to an embedding ("every shot with a face"), so an explicit
detector looks for objects, colours, actions, "shots with the <thing>", someone doing
something and open questions first; when it fires (and the request is not about words being
said) the answer is ``needs_vlm``. An editing job no analyser does ("stabilize", "translate
the subs") is ``unsupported`` before anything else (:mod:`.refusals`: with what to do
instead).

Before all that, the request is read as plain English (:mod:`.rewrite`: typos, shorthand,
Spanish/French/German/Portuguese); after it, a compound request is split into its tasks,
each with its own parameters (:mod:`.compound`), and a part of the footage no rule can place
("during the Q&A") makes the request ``unread_window`` rather than run on all of it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from vidi_desktop.models.builtin import intents as I
from vidi_desktop.models.builtin.compound import split_tasks
from vidi_desktop.models.builtin.params import Params, normalize, parse_params
from vidi_desktop.models.builtin.refusals import Job, unsupported_job
from vidi_desktop.models.builtin.rewrite import rewrite

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
    job: Job | None = None  # the editing job outside the product it asks for (unsupported)
    read_as: str | None = None  # the request as the router read it, when rewritten

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


# "shots with the giraffe", "moments with the trophy": a thing no analyser knows.
_UNITS = (
    r"(?:shots?|scenes?|clips?|moments?|parts?|bits?|frames?|footage|times?|segments?|"
    r"sections?|everything|anything|close-?ups?)"
)
_WITH_THING = re.compile(
    rf"\b{_UNITS}\s+(?:with|of|showing|featuring|containing|including|that shows?)\s+"
    # A determiner first: "with the giraffe" is a thing, "with high sensitivity" a setting.
    r"(?P<np>(?:a|an|the|some|any|his|her|their|my|our|that|this|these|those)\s+"
    r"[\w'-]+(?:\s+[\w'-]+){0,2})"
)
_NP_STOP = frozenset(
    """in on at where that which when while from during for to and or but as by than
    then""".split()  # noqa: SIM905
)
_NP_SKIP = frozenset(
    "a an the some any his her their my our its this that these those".split()  # noqa: SIM905
)
_NOT_A_THING = frozenset(
    """face faces facial person people persons someone somebody anyone anybody everyone
    speaker speakers host hosts guest guests presenter presenters interviewer interviewee
    him her them me us you it talking speaking speech dialogue dialog voice voices silence
    silences sound audio words word subtitles captions quotes quote lines video clip footage
    interview recording talk podcast film movie vlog best most top key good great
    interesting funny funniest exciting engaging strongest emotional memorable quotable
    highlights highlight action cut cuts transitions fades dissolves each every all
    length about around seconds second minutes minute secs sec mins min hours margin margins
    padding handles buffer duration title titles timestamp timestamps label labels marker
    markers sensitivity threshold confidence score aspect ratio crop format""".split()  # noqa: SIM905
)
# "when the guy hands over the envelope", "where does the chef plate the dish": someone doing
# something in the picture. Verbs of speech are what the transcript answers.
_PERSON = (
    r"(?:guy|man|men|woman|women|lady|girl|boy|kid|kids|child|children|chef|cook|person|"
    r"speaker|host|guest|presenter|player|players|driver|dancer|singer|actor|actress|teacher|"
    r"doctor|customer|athlete|goalkeeper|referee|baby|couple|bride|groom|waiter|worker)"
)
_EVENT_QUESTION = re.compile(
    r"\b(?:when|where|how|why|at what point)\s+(?:does|did|do|will)\s+"
    r"(?:(?P<pron>he|she|they|someone|somebody|it)|(?:the|a|an|his|her|their|my|our)\s+"
    r"(?:\w+\s+)?(?P<noun>[a-z]+))\s+(?P<verb>[a-z]+)"
)
_EVENT_STATEMENT = re.compile(rf"\b(?:he|she|the\s+{_PERSON})\s+(?P<verb>[a-z]+s)\b")
_NOT_EVENTS = frozenset(
    """say says said mention mentions talk talks speak speaks discuss discusses bring brings
    refer refers ask asks answer answers explain explains tell tells pause pauses stop stops
    is was has does gets appears appear disappears disappear shows show comes come goes go
    be have get seem seems look looks need needs want wants start starts begin begins end
    ends change changes finish finishes""".split()  # noqa: SIM905
)
_SPEECH_AFTER = re.compile(r"^\s*(?:talking|speaking|to talk|to speak|saying)\b")


def _thing_with(text: str) -> str | None:
    """The thing in "shots with the giraffe" when no served word names it."""
    for m in _WITH_THING.finditer(text):
        words: list[str] = []
        for w in m["np"].split():
            if w in _NP_STOP:
                break
            if w not in _NP_SKIP:
                words.append(w)
        if not words or any(w in _NOT_A_THING or any(c.isdigit() for c in w) for w in words):
            continue
        if any(w.endswith("'s") and w[:-2] in _NOT_A_THING for w in words):
            continue
        return " ".join(words)
    return None


def _event(text: str) -> str | None:
    """Someone doing something ("the guy hands over", "does the chef plate"), or None."""
    for m in _EVENT_QUESTION.finditer(text):
        if m["noun"] and (m["noun"] in _NOT_A_THING or m["noun"] in _SERVED_WORDS):
            continue
        if m["verb"] in _NOT_EVENTS or _SPEECH_AFTER.match(text[m.end() :]):
            continue
        return m.group(0)
    for m in _EVENT_STATEMENT.finditer(text):
        if m["verb"] in _NOT_EVENTS or _SPEECH_AFTER.match(text[m.end() :]):
            continue
        return m.group(0)
    return None


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
    return _thing_with(t) or _event(t)


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
    dissolves filler fillers um ums uh uhs hesitations stutters""".split()  # noqa: SIM905
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

        The request is first rewritten into the plain English the rules read (typos,
        shorthand, other languages: :mod:`.rewrite`). A compound request ("split into scenes
        and add subtitles") comes back as its first task with the others in ``also``, each
        with its own parameters (:mod:`.compound`). A served request that names a part of the
        footage no rule can place ("during the Q&A") is ``unread_window``, never run on all of
        it.
        """
        started = time.perf_counter()
        try:
            read = rewrite(text)
            whole = self._route(read.text)
            whole = replace(whole, text=text, read_as=read.text if read.changes else None)
            if not whole.served:
                return whole
            protect = [whole.params.phrase or ""]
            if whole.params.window is not None:
                protect.append(whole.params.window.text)
            parts = split_tasks(read.text, protect, self._route) or [whole]
            unread = next((p for p in parts if p.params.unread_window), None)
            if unread is not None:
                return replace(
                    whole,
                    intent=I.UNREAD_WINDOW,
                    params=unread.params,
                    explanation=f"names a part of the footage it cannot place "
                    f"({unread.params.unread_window!r})",
                    also=(),
                )
            if len(parts) == 1:
                head = parts[0]
                return replace(head, text=text, read_as=whole.read_as,
                               explanation=whole.explanation if head.intent == whole.intent
                               else f"{head.intent}: with its modifiers ({head.explanation})")
            head, *rest = parts
            return replace(
                head,
                text=text,
                read_as=whole.read_as,
                also=tuple(rest),
                explanation=("compound request: " + " + ".join(p.intent for p in parts)),
            )
        finally:
            self.last_latency_s = time.perf_counter() - started

    def _route(self, text: str) -> RoutedRequest:
        params = parse_params(text)
        norm = normalize(text)
        # Quoted words are what to find, not what to do: embed the request without them.
        embed_text = norm
        if params.quoted and params.phrase:
            embed_text = norm.replace(normalize(params.phrase), "something")
        if params.window is not None and params.window.text:
            # Nor is the window ("scenes in the last quarter"): it says where, not what.
            embed_text = re.sub(r"\s+", " ", embed_text.replace(params.window.text, " ")).strip()
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
        job = unsupported_job(scan)
        if job is not None:
            # An editing job no analyser does, even about something in the picture ("blur
            # the licence plate", "replace the sky"): say so, and what it can do instead.
            return replace(
                decide(I.UNSUPPORTED, f"asks for {job[0].what} ({job[1]!r})"), job=job[0]
            )
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
        keyed = [
            n for n in I.SERVED if any(r.startswith("keyword") for r in reasons.get(n, ()))
        ]
        if scores[best] < MIN_SCORE and keyed == [best]:
            # One served task named outright and no other ("subs please", "9x16"): the
            # keyword settles it even where word vectors find the wording unfamiliar.
            return decide(best, f"{best}: its keyword alone ({'; '.join(reasons[best])})")
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
