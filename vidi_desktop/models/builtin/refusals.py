"""Editing jobs outside the product, each with what the built-in backend can do instead.

"stabilize this", "denoise the audio", "translate the subs" are real editing jobs that no
built-in analyser does (and no VLM backend either): the router refuses them honestly and the
message offers the nearest thing it does ("translate the subs" → it can make subtitles in the
language spoken). :func:`unsupported_job` finds the job a request names; its patterns are also
the ``unsupported`` intent's keywords (:mod:`.intents`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    """An editing job no analyser does: how it is asked, its name, what to do instead."""

    pattern: str  # a regular expression on the normalised request
    what: str  # "stabilising the picture"
    instead: str  # one sentence: what the built-in backend offers in its place


JOBS: tuple[Job, ...] = (
    Job(
        r"\bstabili[sz]\w*|\bshaky\b|\bcamera shake\b|\bwobbl\w*",
        "stabilising the picture",
        "It can split the footage into scenes so you can pick the steady shots, or reframe it.",
    ),
    Job(
        r"\bcolou?r[- ]?(?:grade|grading|correct\w*|match\w*|balance)\b|\bwhite balance\b|"
        r"\bluts?\b|\bexposure\b|\bbrighten\w*|\bsaturat\w*|\bcontrast\b|\bdesaturat\w*|"
        r"\bblack and white\b|\bb&w\b|\bmonochrome\b|\bgr[ae]yscale\b|\bsepia\b",
        "colour and exposure work",
        "It can split the footage into scenes, so each shot can be graded in your NLE.",
    ),
    Job(
        r"\bdenois\w*|\bnoise\b|\bhiss\b|\bhum\b|\becho\b|\breverb\b|\bde-?ess\w*|"
        r"\blouder\b|\bquieter\b|\bvolume\b|\bloudness\b|\bnormali[sz]\w*|\bequali[sz]\w*|"
        r"\bclean up the (?:audio|sound)\b|\b(?:audio|sound) (?:repair|cleanup|clean-up)\b",
        "audio repair and levels",
        "It can remove the silences and find where people speak.",
    ),
    Job(
        r"\bspeed (?:it|this|them|everything|the (?:video|clip|footage|whole thing)) up\b|"
        r"\bspeed up (?:the|this|it)\b|\bslow (?:it|this|them|everything|the (?:video|clip|"
        r"footage|whole thing)) down\b|\btime-?lapse\b|\b\d+(?:\.\d+)?x speed\b|\bplayback speed\b",
        "changing the speed",
        "It can tighten the pace by removing the silences.",
    ),
    Job(
        r"\bmusic\b|\bsongs?\b|\bsoundtrack\b|\bapplause\b|\bclapping\b|\blaugh(?:s|ter|ing)?\b|"
        r"\bbeeps?\b|\bsound effects?\b|\bsfx\b|\bjingle\b",
        "finding or adding music and sound effects",
        "It can find where people speak and where it is silent.",
    ),
    Job(
        r"\btranslat\w*|\bdub(?:s|bed|bing)?\b|\bin (?:another|a different) language\b",
        "translation and dubbing",
        "It can transcribe the speech and make subtitles in the language spoken.",
    ),
    Job(
        r"\b(?:export|render|upload|publish|post it)\b(?!.*\b(?:srt|vtt|subtitles?|captions?|"
        r"transcripts?|chapters?)\b)",
        "exporting, rendering and publishing",
        "Accept the suggestions, then use `vidi-desktop export` or `render` (Ctrl+E in the "
        "window).",
    ),
    Job(
        r"\bblur\b|\bpixelat\w*|\bcensor\w*|\bwatermark\w*|\blower[- ]?thirds?\b|"
        r"\btitle cards?\b|\btext overlays?\b|\bend ?cards?\b|\b(?:add|put|insert|place) "
        r"(?:a |an |the |some |my |our )?(?:logo|stickers?|emojis?|graphics?|overlays?|"
        r"text|title)\b",
        "graphics, titles and blurring",
        "It can make subtitles from the speech and chapters with titles.",
    ),
    Job(
        r"\b(?:add|insert|put|apply|use)\b[^.;]*?\b(?:transitions?|cross-?fades?|fades?|"
        r"dissolves?|wipes?|effects?|filters?|zooms?|ken burns)\b",
        "adding transitions and effects",
        "It can find the cuts, fades and dissolves already in the footage (split into scenes).",
    ),
    Job(
        r"\b(?:replace|remove|change|swap|erase)\s+(?:the\s+)?(?:sky|backdrop|"
        r"background(?!\s+(?:noise|music|sound|hum|hiss|chatter|voices?)))\b|"
        r"\bgreen ?screen\b|\bchroma ?key\w*|\brotoscop\w*|\binpaint\w*|\bobject removal\b",
        "changing what is in the picture",
        "It can reframe the picture with a crop that follows the subject.",
    ),
    Job(
        r"\bupscal\w*|\bdownscal\w*|\b(?:4k|8k|1080p|720p|hdr)\b|\bresolution\b|"
        r"\bframe ?rate\b|\bfps\b|\bcompress\w*|\btranscod\w*|\bgif\b|"
        r"\bconvert (?:it |this )?to (?:mp4|mov|prores|h\.?26[45]|hevc|webm)\b",
        "changing resolution, frame rate or file format",
        "It can reframe to another aspect ratio; `vidi-desktop render` writes the accepted edit.",
    ),
    Job(
        r"\brotat\w*|\bflip\b|\bmirror\b|\bupside down\b",
        "rotating or flipping the picture",
        "It can reframe to another aspect ratio (9:16, 1:1, 4:5…).",
    ),
)

_COMPILED = tuple((re.compile(job.pattern), job) for job in JOBS)


def unsupported_job(text: str) -> tuple[Job, str] | None:
    """The job outside the product that normalised ``text`` asks for, with the words that
    name it, or None."""
    for pattern, job in _COMPILED:
        m = pattern.search(text)
        if m:
            return job, m.group(0)
    return None
