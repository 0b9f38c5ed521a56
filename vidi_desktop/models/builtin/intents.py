"""What the built-in backend can be asked: intent names, exemplar phrasings, strong keywords.

The router ranks a request by its sentence-embedding similarity to each intent's
exemplars, so the exemplars are varied real phrasings (terse, polite, platform slang), not
one canonical sentence. Keywords are the words that settle a request on their own ("srt",
"dead air", "chapters"); each intent's keywords add a fixed bonus to its score. Parameters
(durations, counts, ratios) are read by :mod:`.params`, not here.

``needs_vlm`` is the intent of requests about what is *in the picture* (objects, colours,
actions): no built-in analyser can serve them, and the backend says which model would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vidi_desktop.models.builtin.params import NUMBER
from vidi_desktop.models.builtin.refusals import JOBS

_CLIP_NOUNS = r"(?:clips?|shorts|reels?|cuts|videos|segments|excerpts?|snippets?|teasers?|bits)"
_CLIP_LENGTH = r"(?:s|secs?|seconds?|mins?|minutes?)"

SCENES = "scenes"
SILENCES = "silences"
SUBTITLES = "subtitles"
HIGHLIGHTS = "highlights"
REFRAME = "reframe"
FIND_PHRASE = "find_phrase"
FACES = "faces"
CHAPTERS = "chapters"
SPEECH = "speech"
FILLERS = "fillers"
NEEDS_VLM = "needs_vlm"
HELP = "help"
UNSUPPORTED = "unsupported"  # editing jobs no built-in analyser does (stabilise, grade…)
UNKNOWN = "unknown"  # a routing outcome, not an intent: nothing matched well enough
UNREAD_WINDOW = "unread_window"  # a routing outcome: a part of the footage it cannot place


@dataclass(frozen=True)
class Intent:
    """One kind of request: its name, what it gives, how people ask for it."""

    name: str
    title: str  # for messages: "split into scenes"
    gives: str  # what comes back: "scene boundaries"
    exemplars: tuple[str, ...]
    keywords: tuple[str, ...] = ()  # regular expressions on the normalised request

    def keyword_hits(self, text: str) -> list[str]:
        """The keywords found in ``text`` (normalised: lower case, plain quotes)."""
        return [m.group(0) for k in self.keywords if (m := re.search(k, text))]


INTENTS: tuple[Intent, ...] = (
    Intent(
        SCENES,
        "split into scenes",
        "scene boundaries (cuts, fades, dissolves)",
        (
            "split into scenes",
            "split the video into shots",
            "find the cuts",
            "detect shot changes",
            "detect scene changes",
            "where does the camera angle change",
            "mark the scene boundaries",
            "find every hard cut and fade",
            "segment this clip into shots",
            "shot detection",
            "where are the transitions between shots",
            "add a marker at each cut",
            "separate the footage into its shots",
            "find where one shot ends and the next begins",
            "scene split",
            "find the dissolves and fades to black",
        ),
        (
            r"\bscenes?\b(?! (?:with|at|in|where|of)\b)",
            # Plural only: "this shot" is the footage, "the shots" what a detector finds.
            # "talking head shots", "face shots": shots of a thing, not shot detection.
            r"(?<!head )(?<!face )\bshots\b(?! (?:with|of|where|in which|showing)\b)",
            r"\bcamera angles?\b",
            r"\b(?:the|all|every|camera|hard|scene|shot) cuts?\b",
            r"\bcuts\b",
            r"\btransitions?\b",
            r"\bedit points?\b",
            r"\bfades?\b|\bdissolves?\b",
            r"\bshot (?:changes?|boundar(?:y|ies)|detection)\b",
        ),
    ),
    Intent(
        SILENCES,
        "remove the silences",
        "cut ranges over the silences",
        (
            "remove the silences",
            "cut out the silent parts",
            "cut the dead air",
            "tighten the pauses",
            "delete the long pauses",
            "get rid of the gaps between sentences",
            "remove the quiet parts",
            "trim silence from the interview",
            "jump cut the pauses out",
            "auto-cut silence",
            "remove pauses longer than a second",
            "shorten the silences between lines",
            "cut the empty space where no one is talking",
            "silence removal",
        ),
        (
            r"\bsilen(?:ce|ces|t)\b",
            r"\bdead (?:air|space)\b",
            r"\bpauses?\b",
            r"\bquiet (?:parts?|bits?|bits|gaps?|stretches|sections?)\b",
            r"\bgaps?\b",
            r"\bjump ?cuts?\b",
            r"\bbreaks between\b",
            r"\bnobody (?:talks|is talking|speaks)\b|\bno one (?:talks|is talking|speaks)\b",
        ),
    ),
    Intent(
        SUBTITLES,
        "subtitles",
        "subtitle cues from the transcript",
        (
            "subtitles",
            "make subtitles",
            "add captions to the video",
            "transcribe the audio",
            "transcribe it",
            "create an srt file",
            "generate closed captions",
            "write out everything that is said",
            "auto captions",
            "speech to text",
            "give me a transcript",
            "export subtitles as vtt",
            "caption the interview",
            "type out the dialogue",
        ),
        (
            r"\bsub(?:title)?s?\b",
            r"\bcaption",
            r"\btranscri(?:be|bed|pt|ption|bing)\b",
            r"\bsrt\b|\bvtt\b|\bwebvtt\b",
            r"\bspeech[- ]to[- ]text\b",
            r"\bwrite (?:down|out) (?:the )?(?:dialogue|what)\b",
            r"\bwhat (?:is|are) (?:they|he|she|people|you|we|i) (?:saying|talking about)\b",
        ),
    ),
    Intent(
        HIGHLIGHTS,
        "highlights",
        "highlight clips",
        (
            "ten 30-second highlights",
            "give me the best moments",
            "make highlights for social media",
            "cut three short clips for tiktok",
            "find the most engaging parts",
            "make a highlight reel",
            "pick the best 60 second clip",
            "clips worth sharing",
            "the most exciting moments",
            "give me some short clips",
            "make a teaser from the best bits",
            "find quotable moments for a promo",
            "what are the strongest moments",
            "a few clips for instagram reels",
            "create a trailer from the good parts",
        ),
        (
            r"\bhighlights?\b",
            r"\bbest (?:moments?|parts?|bits?|clips?|part)\b",
            r"\b(?:interesting|engaging|exciting|viral|juiciest|funniest|strongest)\b",
            # "top 5 moments", "the most quotable moments", "best 2 clips"
            rf"\b(?:most|best|top)\s+(?:{NUMBER}\s+|[a-z]+\s+)?(?:moments?|parts?|bits?|clips?|"
            r"quotes?|lines?|segments?|sections?)\b",
            r"\b(?:quotable|memorable|shareable|emotional|powerful|epic|iconic|standout|"
            r"stand-out|dramatic|touching|hilarious|insightful|key|golden|catchy|punchy|"
            r"clip-worthy)\s+(?:moments?|bits?|parts?|quotes?|lines?|clips?|segments?)\b",
            # a number or a length of clips: "5 clips of 30 seconds", "two 45s shorts"
            rf"\b{NUMBER}\s+(?:[a-z0-9-]+\s+)?{_CLIP_NOUNS}\b",
            rf"\b{_CLIP_NOUNS}\s+(?:of\s+)?(?:about\s+|around\s+)?\d+(?:\.\d+)?\s*-?\s*"
            rf"{_CLIP_LENGTH}\b",
            rf"\b\d+(?:\.\d+)?\s*-?\s*{_CLIP_LENGTH}\s+(?:long\s+)?{_CLIP_NOUNS}\b",
            r"\bteasers?\b|\btrailers?\b|\bpromos?\b|\bsizzle\b",
            r"\breel\b",
            r"\bcut-?downs?\b|\bsocial (?:clips?|posts?|media)\b",
        ),
    ),
    Intent(
        REFRAME,
        "reframe",
        "a moving crop path",
        (
            "reframe to 9:16",
            "make it vertical",
            "square crop",
            "crop to portrait",
            "reformat for tiktok",
            "convert the video to vertical for reels",
            "auto reframe for mobile",
            "change the aspect ratio",
            "crop the frame to follow the subject",
            "make a 4:5 version for the instagram feed",
            "turn the landscape video into portrait",
            "fit it to a phone screen",
        ),
        (
            r"\breframe\b|\breframing\b",
            r"\bcrop\b|\bcropping\b",
            r"\baspect\b",
            r"\bvertical\b|\bportrait\b|\bsquare\b",
            r"\bresize\b|\breformat\b|\bwidescreen\b",
        ),
    ),
    Intent(
        FIND_PHRASE,
        "find a phrase in the speech",
        "the moments a phrase is said",
        (
            "find where she says 'budget'",
            "when does he say hello",
            "find every mention of the project name",
            "where is the word 'launch' said",
            "search the transcript for a phrase",
            "find the moment they talk about money",
            "at what time does he mention the budget",
            "find the part where she says we did it",
            "look for the phrase 'next year'",
            "every time someone says um",
            "jump to the line 'I love you'",
            "where do they bring up the schedule",
            "find the part about the holidays",
        ),
        (
            r"\bsays?\b|\bsaid\b|\bsaying\b",
            r"\bmention(?:s|ed|ing)?\b",
            r"\btalks? about\b|\btalking about\b|\bspeaks? about\b",
            r"\bthe (?:word|phrase|line|term)\b",
            r"\b(?:part|bit|segment|portion|moment)s? about\b",
            r"\bcomes? up\b|\bbring(?:s)? up\b|\bdiscuss(?:es|ed|ing)?\b|\brefers? to\b",
        ),
    ),
    Intent(
        FACES,
        "shots with a face",
        "ranges where a face is on screen",
        (
            "every shot with a face",
            "find shots with people in them",
            "where is a face on screen",
            "keep only shots with someone in frame",
            "face detection",
            "find the close-ups of faces",
            "moments where a person is visible",
            "find interview shots with a person talking to camera",
            "which shots show someone's face",
            "track faces through the video",
        ),
        (
            r"\bfaces?\b|\bfacial\b",
            r"\btalking heads?\b",
            r"\b(?:a |any )?(?:person|people|someone|somebody|anyone|speaker|host|presenter|"
            r"guest|interviewee|interviewer) (?:is |are )?(?:appears? )?"
            r"(?:on camera|in (?:the )?(?:frame|shot|picture)|visible|on screen)\b",
            r"\bon[- ]camera\b",
        ),
    ),
    Intent(
        CHAPTERS,
        "chapters",
        "titled chapters",
        (
            "chapters",
            "make chapters",
            "split the talk into chapters by topic",
            "generate youtube chapter timestamps",
            "divide the podcast into sections",
            "where does the topic change",
            "make a chapter list with titles",
            "outline the video by subject",
            "create chapter markers",
            "break it into topics",
        ),
        (
            r"\bchapters?\b",
            r"\btopics?\b",
            r"\btable of contents\b|\boutline\b",
            r"\bsections?\b",
        ),
    ),
    Intent(
        SPEECH,
        "find the speech",
        "ranges where someone talks",
        (
            "find the speech",
            "where are people talking",
            "mark where someone speaks",
            "keep only the talking parts",
            "voice activity detection",
            "find the parts with dialogue",
            "when is anybody speaking",
            "show the spoken segments",
            "detect speech",
            "which parts have voices",
        ),
        (
            r"\bspeech\b(?! to text)",
            r"\btalking\b(?! about)(?! heads?)",
            r"\bspeaking\b(?! about)|\bspeaks?\b(?! about)|\bspoken\b",
            r"\b(?:people|someone|somebody|anyone|anybody|they|he|she) talks?\b(?! about)",
            r"\bdialogue\b|\bvoices?\b|\bvoice activity\b",
        ),
    ),
    Intent(
        FILLERS,
        "remove filler words",
        "cuts over filler words and repeated words",
        (
            "remove the filler words",
            "cut the ums and uhs",
            "delete every um",
            "find the filler words",
            "take out the hesitation sounds",
            "remove stutters and repeated words",
            "clean up the verbal tics",
            "strip the uhms and errs",
        ),
        (
            r"\b(?:u+m+s?|u+h+s?|uhms?|a+h+s?|e+r+s|e+r+m+s?|hmm+s?)\b",
            r"\bfillers?\b|\bfiller words?\b",
            r"\bhesitations?\b|\bhesitation (?:sounds?|noises?)\b",
            r"\bstutter\w*|\bstammer\w*|\bverbal tics?\b",
            r"\brepeated words?\b|\bword repetitions?\b|\bdouble words?\b",
        ),
    ),
    Intent(
        NEEDS_VLM,
        "find something in the picture",
        "needs a vision-language model",
        (
            "when is the red car visible",
            "find the dog",
            "show me every shot with a bicycle",
            "when does the man pick up the phone",
            "find the scenes at night",
            "where is the woman in the white dress",
            "what is written on the sign",
            "when does the goal happen",
            "find the explosion",
            "describe what happens in this video",
            "count the people on stage",
            "when does she open the door",
        ),
        (),
    ),
    Intent(
        UNSUPPORTED,
        "something else",
        "nothing: no built-in analyser does this",
        (
            "stabilize the shaky footage",
            "color grade the clip",
            "make the audio louder",
            "remove the background noise",
            "speed up the video",
            "add background music",
            "export to premiere",
            "translate it into spanish",
            "blur the license plate",
            "find the applause",
            "when does the music start",
            "fix the white balance",
            "render the final video",
            "add a title card",
            "make it 60 fps",
        ),
        # The jobs outside the product, each with what to offer instead (:mod:`.refusals`).
        tuple(job.pattern for job in JOBS),
    ),
    Intent(
        HELP,
        "help",
        "what the built-in backend can do",
        (
            "what can you do",
            "help",
            "what requests do you understand",
            "list your features",
            "how do I use this",
        ),
        (r"^help\b|\bwhat can you do\b|\bwhat do you (?:do|support|understand)\b",),
    ),
)

BY_NAME: dict[str, Intent] = {i.name: i for i in INTENTS}
SERVED: tuple[str, ...] = tuple(
    i.name for i in INTENTS if i.name not in (NEEDS_VLM, HELP, UNSUPPORTED)
)
"""The intents the built-in analysers answer (``Capabilities.builtin_tasks``)."""


def all_exemplars() -> list[tuple[str, str]]:
    """``(intent name, exemplar)`` for every exemplar, in a fixed order."""
    return [(i.name, e) for i in INTENTS for e in i.exemplars]
