"""Held-out request phrasings for the built-in router, with the intent and parameters expected.

Written to sound like what editors type (casual, terse, with platform names, typos), and
kept apart from the exemplars in ``vidi_desktop/models/builtin/intents.py``: none of these
is an exemplar, and ``test_builtin_router`` checks that. ``params`` lists only what must be
read; windows are given as ``(start, end)`` seconds for footage ten minutes long.

``HELD_OUT`` scored 72/77 with the router's first version; its five misses were fixed by
general rules (a singular "shot" is not shot detection, "table of contents" is no table…),
so it is no longer blind. ``DEV`` holds the issue's own phrasings (several are exemplars too)
and a second set written later, scored once before tuning (40/45, 0.89): the honest figure
for phrasings the rules have never seen is about 0.9. See ``benchmarks/bench_routing.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

WINDOW_FOOTAGE_SECONDS = 600  # windows below are resolved against ten minutes of footage


@dataclass(frozen=True)
class Phrase:
    text: str
    intent: str
    params: dict[str, Any] = field(default_factory=dict)


HELD_OUT: list[Phrase] = [
    # -- scenes ---------------------------------------------------------------------------
    Phrase("can you break this footage up into its individual shots", "scenes"),
    Phrase("where are the edit points in this", "scenes"),
    Phrase("mark every camera cut", "scenes"),
    Phrase("scene detection please", "scenes"),
    Phrase("show me all the transitions", "scenes"),
    Phrase("chop it into separate scenes for the first 2 minutes", "scenes", {"window": (0, 120)}),
    Phrase("i need markers at each shot boundary", "scenes"),
    Phrase("list the cuts between 1:00 and 3:00", "scenes", {"window": (60, 180)}),
    # -- silences -----------------------------------------------------------------------------
    Phrase("get rid of the awkward silence", "silences"),
    Phrase("trim out all the gaps where nobody talks", "silences"),
    Phrase("jump cut the quiet bits", "silences"),
    Phrase(
        "remove dead space but leave pauses shorter than 0.7 seconds",
        "silences",
        {"keep_pauses": 0.7},
    ),
    Phrase("strip silence, 250ms padding", "silences", {"margin": 0.25}),
    Phrase("tighten up the pauses in the interview", "silences"),
    Phrase("delete any silence longer than 2 seconds", "silences", {"min_silence": 2}),
    Phrase("make it snappier by cutting the breaks between sentences", "silences"),
    # -- subtitles ----------------------------------------------------------------------------
    Phrase("add captions", "subtitles"),
    Phrase("generate an srt", "subtitles"),
    Phrase("i need a transcript of what they say", "subtitles"),
    Phrase("burn-in subs for the whole thing", "subtitles"),
    Phrase("write down the dialogue with timestamps", "subtitles"),
    Phrase("closed captions for the last 30 seconds", "subtitles", {"window": (570, 600)}),
    Phrase("caption this for accessibility", "subtitles"),
    # -- highlights ---------------------------------------------------------------------------
    Phrase(
        "make me five 20 second clips for reels",
        "highlights",
        {"count": 5, "duration": 20, "aspect": "9:16"},
    ),
    Phrase("pull the most interesting bits", "highlights"),
    Phrase("whats the best part of this video", "highlights"),
    Phrase("a dozen one-minute teasers", "highlights", {"count": 12, "duration": 60}),
    Phrase("cut a highlight reel", "highlights"),
    Phrase("top 3 moments from the second half", "highlights", {"count": 3, "window": (300, 600)}),
    Phrase("i want 2 shorts, 45s each", "highlights", {"count": 2, "duration": 45}),
    Phrase("find some viral clips", "highlights"),
    Phrase("extract the juiciest quotes as 15-second clips", "highlights", {"duration": 15}),
    # -- reframe ------------------------------------------------------------------------------
    Phrase("convert to portrait for instagram stories", "reframe", {"aspect": "9:16"}),
    Phrase("crop it to 4:5", "reframe", {"aspect": "4:5"}),
    Phrase("turn this widescreen shot into a vertical video", "reframe", {"aspect": "9:16"}),
    Phrase("make a 1:1 version", "reframe", {"aspect": "1:1"}),
    Phrase("auto reframe keeping the speaker centred", "reframe"),
    Phrase("resize for youtube shorts", "reframe", {"aspect": "9:16"}),
    Phrase("change the aspect ratio to square", "reframe", {"aspect": "1:1"}),
    # -- find a phrase ------------------------------------------------------------------------
    Phrase('where does he say "quarterly results"', "find_phrase", {"phrase": "quarterly results"}),
    Phrase("find the bit where she mentions the deadline", "find_phrase", {"phrase": "deadline"}),
    Phrase("every time the word 'synergy' comes up", "find_phrase", {"phrase": "synergy"}),
    Phrase("jump to when they say thank you", "find_phrase", {"phrase": "thank you"}),
    Phrase("locate ‘climate change’ in the talk", "find_phrase", {"phrase": "climate change"}),
    Phrase("when does the host talk about pricing", "find_phrase", {"phrase": "pricing"}),
    Phrase("search the audio for 'okay so'", "find_phrase", {"phrase": "okay so"}),
    Phrase(
        "did anyone say “merger” after 5:00",
        "find_phrase",
        {"phrase": "merger", "window": (300, 600)},
    ),
    # -- faces --------------------------------------------------------------------------------
    Phrase("show me the shots where someone's face is visible", "faces"),
    Phrase("which scenes have people's faces in them", "faces"),
    Phrase("keep only the clips with a person on camera", "faces"),
    Phrase("find the talking head shots", "faces"),
    Phrase("detect faces", "faces"),
    Phrase("track the faces in the first minute", "faces", {"window": (0, 60)}),
    # -- chapters -----------------------------------------------------------------------------
    Phrase("add youtube chapters", "chapters"),
    Phrase("break the lecture into sections by topic", "chapters"),
    Phrase("make a table of contents with timestamps", "chapters"),
    Phrase("split the podcast into 6 chapters", "chapters", {"count": 6}),
    Phrase("what are the main topics and where do they start", "chapters"),
    Phrase("chapter markers please", "chapters"),
    # -- speech -------------------------------------------------------------------------------
    Phrase("where is someone speaking", "speech"),
    Phrase("mark the dialogue parts", "speech"),
    Phrase("keep just the bits with talking", "speech"),
    Phrase("detect voice activity", "speech"),
    Phrase("find all spoken sections", "speech"),
    Phrase("when do people talk in the first 5 min", "speech", {"window": (0, 300)}),
    # -- needs a VLM --------------------------------------------------------------------------
    Phrase("when does the blue truck drive past", "needs_vlm"),
    Phrase("find the cat", "needs_vlm"),
    Phrase("every shot with a dog in it", "needs_vlm"),
    Phrase("show me where the logo is on screen", "needs_vlm"),
    Phrase("when is the guy in the green jacket visible", "needs_vlm"),
    Phrase("what is she holding", "needs_vlm"),
    Phrase("find the sunset shots", "needs_vlm"),
    Phrase("track the ball", "needs_vlm"),
    Phrase("when does the kid start dancing", "needs_vlm"),
    Phrase("locate all the scenes at the beach", "needs_vlm"),
    Phrase("how many people are in the room", "needs_vlm"),
    Phrase("find the moment the bottle falls over", "needs_vlm"),
]

DEV: list[Phrase] = [
    Phrase("split into scenes", "scenes"),
    Phrase("detect shot changes in the last minute", "scenes", {"window": (540, 600)}),
    Phrase("find the cuts", "scenes"),
    Phrase("cut the dead air", "silences"),
    Phrase("remove the silences, keep pauses under 0.5 s", "silences", {"keep_pauses": 0.5}),
    Phrase("tighten the pauses to 0.4 seconds", "silences", {"margin": 0.2}),
    Phrase("subtitles", "subtitles"),
    Phrase("transcribe it", "subtitles"),
    Phrase(
        "ten 30-second highlights for TikTok",
        "highlights",
        {"count": 10, "duration": 30, "aspect": "9:16"},
    ),
    Phrase("give me 3 short clips", "highlights", {"count": 3}),
    Phrase("best moments", "highlights"),
    Phrase("reframe to 9:16", "reframe", {"aspect": "9:16"}),
    Phrase("make it vertical", "reframe", {"aspect": "9:16"}),
    Phrase("square crop for Instagram", "reframe", {"aspect": "1:1"}),
    Phrase("find where she says 'budget'", "find_phrase", {"phrase": "budget"}),
    Phrase("every shot with a face", "faces"),
    Phrase("chapters", "chapters"),
    Phrase("find the speech", "speech"),
    Phrase("where are people talking", "speech"),
    Phrase("when is the red car visible", "needs_vlm"),
    Phrase("find the dog", "needs_vlm"),
    # A second set, written after HELD_OUT was tuned on and scored once untouched (40/45:
    # "social cutdowns", "discuss the new product", "wave at the camera", "find the giraffe"
    # and "what are they saying" missed), then tuned on.
    Phrase("detect every scene change in this vlog", "scenes"),
    Phrase("how many shots are there", "scenes"),
    Phrase("segment by camera angle", "scenes"),
    Phrase("place markers on all cuts and crossfades", "scenes"),
    # Filler words became a task of their own (issue 15): this is fillers, then silences.
    Phrase("remove all the umms and silent gaps", "fillers"),
    Phrase("cut silence over 1s", "silences", {"min_silence": 1}),
    Phrase("make the edit tighter, no long pauses", "silences"),
    Phrase("kill the dead air at the start and end", "silences"),
    Phrase("shorten gaps between lines to 0.3 seconds", "silences", {"margin": 0.15}),
    Phrase("subtitle this in english", "subtitles"),
    Phrase("export a vtt", "subtitles"),
    Phrase("what are they saying, give me text", "subtitles"),
    Phrase(
        "captions for the middle section from 2:00 to 4:00", "subtitles", {"window": (120, 240)}
    ),
    Phrase(
        "find 4 clips that would do well on tiktok", "highlights", {"count": 4, "aspect": "9:16"}
    ),
    Phrase("grab the best 10 seconds", "highlights", {"duration": 10}),
    Phrase("make a 60 second recap", "highlights", {"duration": 60}),
    Phrase("clip the funniest moments", "highlights"),
    Phrase("i need social cutdowns", "highlights"),
    Phrase("9x16 please", "reframe", {"aspect": "9:16"}),
    Phrase("make a vertical version for tiktok", "reframe", {"aspect": "9:16"}),
    Phrase("crop for instagram feed", "reframe"),
    Phrase("keep the subject centered in a square frame", "reframe"),
    Phrase("find 'thank you so much'", "find_phrase", {"phrase": "thank you so much"}),
    Phrase("where does the ceo mention layoffs", "find_phrase", {"phrase": "layoffs"}),
    Phrase("timestamp every time he says basically", "find_phrase", {"phrase": "basically"}),
    Phrase("when do they discuss the new product", "find_phrase", {"phrase": "new product"}),
    Phrase("shots with faces only", "faces"),
    Phrase("find close-ups of the interviewee's face", "faces"),
    Phrase("where is somebody on screen", "faces"),
    Phrase("split into chapters with titles", "chapters"),
    Phrase("give me youtube timestamps for each topic", "chapters"),
    Phrase("organize the webinar into parts by subject", "chapters"),
    Phrase("where is there talking", "speech"),
    Phrase("select all the speaking parts", "speech"),
    Phrase("find voice", "speech"),
    Phrase("when does the train arrive", "needs_vlm"),
    Phrase("find every shot with a horse", "needs_vlm"),
    Phrase("when does he wave at the camera", "needs_vlm"),
    Phrase("find the shots filmed at night", "needs_vlm"),
    Phrase("find the part with the fireworks", "needs_vlm"),
    Phrase("when does the woman in red appear", "needs_vlm"),
    Phrase("is there a laptop anywhere", "needs_vlm"),
    Phrase("find the slow motion shots", "needs_vlm"),
    Phrase("who is the man in the suit", "needs_vlm"),
    Phrase("find the giraffe", "needs_vlm"),
]
