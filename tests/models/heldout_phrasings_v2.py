"""A second held-out set for the built-in router: fresh editor phrasings with the plan expected.

Written (issue 13) before the router was tuned for them, and kept apart from the exemplars in
``vidi_desktop/models/builtin/intents.py`` (``test_builtin_router`` checks that none is an
exemplar). Each case gives the whole plan that ``ask FILE "request" --plan`` must print: its
steps in order (task + parameters) or its refusal reason. It covers the classes of miss the
issue lists: typos and shorthand; Spanish, French, German and Portuguese; windows spoken as
parts ("2nd half", "the intro"), and windows the router cannot read (reported as a refusal,
never ignored); compound requests with per-part parameters; "moments" questions; objects in
the picture that need a VLM; jobs outside the product; "the part where nobody speaks"; filler
words.

Parameters follow the plan contract: ``window`` ([start, end] seconds for footage
:data:`FOOTAGE_SECONDS` long), ``margin``, ``min_silence``, ``keep_pauses``, ``count``,
``duration``, ``aspect``, ``phrase``. A key not listed must be null in the plan (nothing read),
but only the keys a task uses are compared (a silence cut has no ``count``).

Scored by ``benchmarks/bench_routing.py --set v2 [--lexical]``. Before any tuning (commit
that added this file), intent / intent + parameters: MiniLM router 0.598 / 0.482, lexical
router 0.527 / 0.420 (112 phrasings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FOOTAGE_SECONDS = 600  # windows below are resolved against ten minutes of footage

# The plan keys each task uses (the others are always null for it).
TASK_KEYS: dict[str, tuple[str, ...]] = {
    "scenes": ("window",),
    "silences": ("window", "margin", "min_silence", "keep_pauses"),
    "subtitles": ("window",),
    "highlights": ("window", "count", "duration", "aspect"),
    "reframe": ("window", "aspect"),
    "find_phrase": ("window", "phrase"),
    "faces": ("window",),
    "chapters": ("window", "count"),
    "speech": ("window",),
    "fillers": ("window",),
}


@dataclass(frozen=True)
class Step:
    """One task of the expected plan with the parameters it must carry."""

    task: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """A request, what it is an example of, and the plan expected."""

    text: str
    kind: str  # the class of miss it tests
    steps: tuple[Step, ...] = ()
    refusal: str | None = None  # "needs_vlm" | "unsupported" (then ``steps`` is empty)


def S(task: str, **params: Any) -> Step:  # a short name: the cases below read as a table
    return Step(task, params)


def plan(text: str, kind: str, *steps: Step) -> Case:
    return Case(text, kind, tuple(steps))


def refuse(text: str, kind: str, reason: str) -> Case:
    return Case(text, kind, (), reason)


VLM = "needs_vlm"
NO = "unsupported"

CASES: list[Case] = [
    # -- typos and shorthand ------------------------------------------------------------------
    plan("portait mode pls", "typo", S("reframe", aspect="9:16")),
    plan("detect scene chnages", "typo", S("scenes")),
    plan("subs pls", "typo", S("subtitles")),
    plan("jumpcut the whole thing", "typo", S("silences")),
    plan("remove silnces", "typo", S("silences")),
    plan("5 hilights", "typo", S("highlights", count=5)),
    plan("transcibe this", "typo", S("subtitles")),
    plan("chapers for youtube", "typo", S("chapters")),
    plan("make it verticle", "typo", S("reframe", aspect="9:16")),
    plan("cut dead air b4 1 min", "typo", S("silences", window=(0, 60))),
    plan("captons for the 1st 2 mins", "typo", S("subtitles", window=(0, 120))),
    plan("find were he says 'pricing'", "typo", S("find_phrase", phrase="pricing")),
    plan("scene detect", "typo", S("scenes")),
    plan("3 highlihgts 30s ea", "typo", S("highlights", count=3, duration=30)),
    plan("auto-caption plz", "typo", S("subtitles")),
    plan("sqaure crop", "typo", S("reframe", aspect="1:1")),
    # -- Spanish, French, German, Portuguese ----------------------------------------------------
    plan("genera subtítulos", "es", S("subtitles")),
    plan("quita los silencios", "es", S("silences")),
    plan("divide el vídeo en escenas", "es", S("scenes")),
    plan("dame los mejores momentos", "es", S("highlights")),
    plan("ponlo en vertical para tiktok", "es", S("reframe", aspect="9:16")),
    plan(
        "cinco clips de 30 segundos para reels",
        "es",
        S("highlights", count=5, duration=30, aspect="9:16"),
    ),
    plan("ajoute des sous-titres", "fr", S("subtitles")),
    plan("supprime les silences", "fr", S("silences")),
    plan("découpe en scènes", "fr", S("scenes")),
    plan("les meilleurs moments de la vidéo", "fr", S("highlights")),
    plan("passe la vidéo en format vertical", "fr", S("reframe", aspect="9:16")),
    plan("sous-titres pour les 2 premières minutes", "fr", S("subtitles", window=(0, 120))),
    plan("Untertitel erstellen", "de", S("subtitles")),
    plan("Stille entfernen", "de", S("silences")),
    plan("in Szenen aufteilen", "de", S("scenes")),
    plan("die besten Momente als Highlights", "de", S("highlights")),
    plan("ins Hochformat bringen", "de", S("reframe", aspect="9:16")),
    plan("entferne die Pausen länger als 2 Sekunden", "de", S("silences", min_silence=2)),
    plan("gerar legendas", "pt", S("subtitles")),
    plan("remover os silêncios", "pt", S("silences")),
    plan("dividir em cenas", "pt", S("scenes")),
    plan("melhores momentos do vídeo", "pt", S("highlights")),
    plan("deixar na vertical", "pt", S("reframe", aspect="9:16")),
    plan(
        "3 cortes de 15 segundos com os melhores momentos",
        "pt",
        S("highlights", count=3, duration=15),
    ),
    # -- windows spoken as parts --------------------------------------------------------------
    plan("scene changes in the 2nd half", "window", S("scenes", window=(300, 600))),
    plan("subtitles for the last third", "window", S("subtitles", window=(400, 600))),
    plan("remove the silences in the final minute", "window", S("silences", window=(540, 600))),
    plan("captions for the intro only", "window", S("subtitles", window=(0, 60))),
    plan(
        "find highlights after the first 30 seconds",
        "window",
        S("highlights", window=(30, 600)),
    ),
    plan("detect faces in the first quarter", "window", S("faces", window=(0, 150))),
    plan("chapters for the middle third", "window", S("chapters", window=(200, 400))),
    plan("cut the pauses from the back half", "window", S("silences", window=(300, 600))),
    plan("transcribe the outro", "window", S("subtitles", window=(540, 600))),
    plan(
        "2 highlights from the last 20%",
        "window",
        S("highlights", count=2, window=(480, 600)),
    ),
    plan("speech in the opening 2 minutes", "window", S("speech", window=(0, 120))),
    plan("find the cuts after 2 min", "window", S("scenes", window=(120, 600))),
    # A part of the footage the router cannot place: said so, never ignored.
    refuse("remove silences during the Q&A", "window", NO),
    refuse("subtitles before the ad break", "window", NO),
    refuse("scene changes in the second act", "window", NO),
    # -- compound requests with per-part parameters --------------------------------------------
    plan(
        "10 highlights 20 seconds each, square",
        "compound",
        S("highlights", count=10, duration=20, aspect="1:1"),
    ),
    plan(
        "remove silences over 1 second, then add subtitles",
        "compound",
        S("silences", min_silence=1),
        S("subtitles"),
    ),
    plan("split into scenes and also make chapters", "compound", S("scenes"), S("chapters")),
    plan(
        "cut the dead air with 0.2s padding and then transcribe the first 2 minutes",
        "compound",
        S("silences", margin=0.2),
        S("subtitles", window=(0, 120)),
    ),
    plan(
        "subtitles, then 3 highlights of 15 seconds for tiktok",
        "compound",
        S("subtitles"),
        S("highlights", count=3, duration=15, aspect="9:16"),
    ),
    plan(
        "make it vertical then find the best 2 clips of 45 seconds",
        "compound",
        S("reframe", aspect="9:16"),
        S("highlights", count=2, duration=45),
    ),
    plan(
        "remove the ums, then cut silences longer than 1.5 s",
        "compound",
        S("fillers"),
        S("silences", min_silence=1.5),
    ),
    plan(
        "find faces in the first minute, and scene cuts in the last minute",
        "compound",
        S("faces", window=(0, 60)),
        S("scenes", window=(540, 600)),
    ),
    plan(
        "in the second half: subtitles and scene detection",
        "compound",
        S("subtitles", window=(300, 600)),
        S("scenes", window=(300, 600)),
    ),
    plan(
        "5 clips of 30 seconds in 4:5 plus chapters",
        "compound",
        S("highlights", count=5, duration=30, aspect="4:5"),
        S("chapters"),
    ),
    plan(
        "delete pauses but keep the ones under half a second, and also add captions",
        "compound",
        S("silences", keep_pauses=0.5),
        S("subtitles"),
    ),
    # -- "moments" questions are highlights ------------------------------------------------------
    plan("most quotable moments", "moments", S("highlights")),
    plan("best bits", "moments", S("highlights")),
    plan("what are the funniest moments", "moments", S("highlights")),
    plan("what's the most memorable part", "moments", S("highlights")),
    plan("pick the key moments for a recap", "moments", S("highlights")),
    plan("which moments would go viral", "moments", S("highlights")),
    plan("show me the emotional moments", "moments", S("highlights")),
    plan("top 5 moments", "moments", S("highlights", count=5)),
    # -- things in the picture: a VLM, never face detection, never a guess -------------------------
    refuse("shots with the giraffe", "visual", VLM),
    refuse("when the guy hands over the envelope", "visual", VLM),
    refuse("what colour is his shirt", "visual", VLM),
    refuse("find every shot of the red balloon", "visual", VLM),
    refuse("when does the lady put on her glasses", "visual", VLM),
    refuse("clips where the drone flies over the lake", "visual", VLM),
    refuse("every scene with the cake", "visual", VLM),
    refuse("where does the chef plate the dish", "visual", VLM),
    refuse("show the moments with the trophy", "visual", VLM),
    refuse("find shots where the person wears a helmet", "visual", VLM),
    refuse("when does the speaker pick up the mug", "visual", VLM),
    # -- jobs outside the product ----------------------------------------------------------------
    refuse("stabilize this", "unsupported", NO),
    refuse("denoise the audio", "unsupported", NO),
    refuse("translate the subs to german", "unsupported", NO),
    refuse("add a lower third with his name", "unsupported", NO),
    refuse("color correct the interview", "unsupported", NO),
    refuse("remove the echo", "unsupported", NO),
    refuse("add a crossfade between every shot", "unsupported", NO),
    refuse("upscale to 4k", "unsupported", NO),
    refuse("slow it down 50%", "unsupported", NO),
    refuse("dub it in spanish", "unsupported", NO),
    refuse("replace the sky", "unsupported", NO),
    # -- "where nobody speaks" is silence removal -----------------------------------------------
    plan("delete the part where nobody speaks", "nobody", S("silences")),
    plan("cut the parts where no one is talking", "nobody", S("silences")),
    plan("remove bits where nobody's saying anything", "nobody", S("silences")),
    plan("get rid of the sections without any speech", "nobody", S("silences")),
    plan("trim where there's no dialogue", "nobody", S("silences")),
    plan(
        "drop it wherever nobody talks for more than 2 seconds",
        "nobody",
        S("silences", min_silence=2),
    ),
    # -- filler words --------------------------------------------------------------------------
    plan("delete the ums and ahs", "fillers", S("fillers")),
    plan("remove fillers", "fillers", S("fillers")),
    plan("cut out all the uhs", "fillers", S("fillers")),
    plan("get rid of filler words in the first half", "fillers", S("fillers", window=(0, 300))),
    plan("clean up the hesitations and stutters", "fillers", S("fillers")),
    plan("remove the erms", "fillers", S("fillers")),
    # -- plain requests (the rest must not break) ------------------------------------------------
    plan("where does she bring up the rebrand", "plain", S("find_phrase", phrase="rebrand")),
    plan("find the close-ups with faces", "plain", S("faces")),
    plan("which parts have people talking", "plain", S("speech")),
    plan("chapterize the webinar into 5 parts", "plain", S("chapters", count=5)),
]


# -- scoring ------------------------------------------------------------------------------------


def _same(key: str, got: Any, want: Any) -> bool:
    if want is None or got is None:
        return got is None and want is None
    if key == "window":
        return [round(float(x), 3) for x in got] == [round(float(x), 3) for x in want]
    if isinstance(want, str):
        return str(got).lower() == want.lower()
    return abs(float(got) - float(want)) < 1e-6


def score_case(case: Case, plan: dict[str, Any]) -> tuple[bool, bool, str]:
    """``(intent right, intent and parameters right, what differs)`` for a plan's JSON.

    The intent is right when the plan's tasks are the expected ones in order (or it refuses
    for the expected reason); the parameters when every key each task uses has the expected
    value, null where the case lists none.
    """
    refusal = plan.get("refusal")
    steps = plan.get("steps") or []
    if case.refusal is not None:
        got = refusal["reason"] if refusal else [s["task"] for s in steps]
        ok = got == case.refusal
        return ok, ok, "" if ok else f"got {got}, want refusal {case.refusal}"
    tasks = [s["task"] for s in steps]
    want_tasks = [s.task for s in case.steps]
    if refusal is not None or tasks != want_tasks:
        got = f"refusal {refusal['reason']}" if refusal else tasks
        return False, False, f"got {got}, want {want_tasks}"
    wrong = []
    for step, want in zip(steps, case.steps, strict=True):
        for key in TASK_KEYS[want.task]:
            if not _same(key, step["params"].get(key), want.params.get(key)):
                wrong.append(f"{want.task}.{key}={step['params'].get(key)!r} "
                             f"(want {want.params.get(key)!r})")
    return True, not wrong, "; ".join(wrong)


# Written after the router was tuned on CASES (so CASES is no longer blind), then scored once
# untouched with both routers — the honest figure for phrasings the rules have never seen:
# MiniLM 1.000 intent / 0.975 intent+params, lexical 0.950 / 0.925 (40 phrasings; misses:
# "Untertitel für die erste Minute" lost its window, lexical "scenes in the last quarter"
# unrouted and "make it black and white" taken for a reframe). Then tuned on.
BLIND: list[Case] = [
    plan("subtitels please", "typo", S("subtitles")),
    plan("remove the silense", "typo", S("silences")),
    plan("chop into sceens", "typo", S("scenes")),
    plan("hightlights x3", "typo", S("highlights")),
    plan("make it 9x16 thx", "typo", S("reframe", aspect="9:16")),
    plan("haz subtítulos para el vídeo", "es", S("subtitles")),
    plan("elimina las pausas", "es", S("silences")),
    plan("fais des sous-titres", "fr", S("subtitles")),
    plan("coupe les silences", "fr", S("silences")),
    plan("finde die Szenenwechsel", "de", S("scenes")),
    plan("Untertitel für die erste Minute", "de", S("subtitles", window=(0, 60))),
    plan("criar legendas", "pt", S("subtitles")),
    plan("cortar os silêncios", "pt", S("silences")),
    plan("subtitles for the first third", "window", S("subtitles", window=(0, 200))),
    plan("scenes in the last quarter", "window", S("scenes", window=(450, 600))),
    plan("cut silences in the final 2 minutes", "window", S("silences", window=(480, 600))),
    plan("highlights from the intro", "window", S("highlights", window=(0, 60))),
    plan("chapters after the first minute", "window", S("chapters", window=(60, 600))),
    refuse("captions during the halftime show", "window", NO),
    plan(
        "split into scenes, then subtitles for the last 30 seconds",
        "compound",
        S("scenes"),
        S("subtitles", window=(570, 600)),
    ),
    plan(
        "3 highlights of 20s for reels and also remove the uhs",
        "compound",
        S("highlights", count=3, duration=20, aspect="9:16"),
        S("fillers"),
    ),
    plan(
        "remove silences longer than 1 s and then make chapters",
        "compound",
        S("silences", min_silence=1),
        S("chapters"),
    ),
    plan("the most shareable moments", "moments", S("highlights")),
    plan("what are the best quotes", "moments", S("highlights")),
    plan("grab the standout bits", "moments", S("highlights")),
    refuse("shots with the umbrella", "visual", VLM),
    refuse("when does the waiter pour the wine", "visual", VLM),
    refuse("what brand is the laptop", "visual", VLM),
    refuse("find where the bride walks in", "visual", VLM),
    refuse("remove the wind noise", "unsupported", NO),
    refuse("add background music under the talking", "unsupported", NO),
    refuse("translate the captions into french", "unsupported", NO),
    refuse("make it black and white", "unsupported", NO),
    plan("cut the bits where nobody is speaking", "nobody", S("silences")),
    plan("remove all the moments with no talking", "nobody", S("silences")),
    plan("take out the umms", "fillers", S("fillers")),
    plan("delete filler words and stutters", "fillers", S("fillers")),
    plan("find where he mentions the launch date", "plain", S("find_phrase", phrase="launch date")),
    plan("every shot where a face is visible", "plain", S("faces")),
    plan("mark where people are talking", "plain", S("speech")),
]
