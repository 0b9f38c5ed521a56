"""A scripted talk spoken by espeak-ng, with the truth of every sentence, pause and topic.

Highlight and chapter quality can only be measured against footage whose structure is known:
which sentence is where, how long each pause is, where one topic ends and the next begins.
A talk is built from sentences grouped by topic; each sentence is spoken on its own and
placed after a pause of known length, so the spans below are exact to the sample. A ``|``
inside a sentence is a hesitation: the two halves are spoken apart with a pause between them,
which tells "silence inside a sentence" from "silence between sentences".
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vidi_desktop.media.synth import speak


@dataclass(frozen=True, slots=True)
class SpokenSentence:
    """One sentence of the talk: its topic, its text and where its voice is, in seconds."""

    topic: int
    text: str
    pieces: tuple[tuple[float, float], ...]  # voiced spans (two or more after a hesitation)

    @property
    def start(self) -> float:
        return self.pieces[0][0]

    @property
    def end(self) -> float:
        return self.pieces[-1][1]


@dataclass(frozen=True)
class Talk:
    """The talk's sound (mono float32) and its truth."""

    samples: np.ndarray
    rate: int
    sentences: tuple[SpokenSentence, ...]
    topics: tuple[tuple[float, float], ...]  # each topic's span: first voice to last voice

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate

    def voiced(self) -> list[tuple[float, float]]:
        """Every voiced span in time order."""
        return [p for s in self.sentences for p in s.pieces]


def speak_talk(
    topics: Sequence[Sequence[str]],
    pauses: Sequence[float],
    *,
    topic_pause: float = 3.0,
    hesitation: float = 1.0,
    lead: float = 1.0,
    voice: str = "en-us",
    wpm: int = 160,
    rate: int = 16000,
    noise_db: float = -50.0,
) -> Talk:
    """Speak ``topics`` (lists of sentences) one sentence at a time.

    Sentences within a topic are separated by ``pauses`` taken in turn (cycled), topics by
    ``topic_pause``; the talk starts after ``lead`` seconds and ends ``lead`` seconds after
    the last word. A quiet noise bed (``noise_db`` dBFS, seeded) keeps the silence natural.
    Raises FileNotFoundError without espeak-ng.
    """
    if not pauses:
        raise ValueError("a talk needs at least one pause length")
    chunks: list[np.ndarray] = [np.zeros(int(lead * rate), np.float32)]
    at = len(chunks[0])
    cycle = itertools.cycle(pauses)
    sentences: list[SpokenSentence] = []
    spans: list[tuple[float, float]] = []
    for k, topic in enumerate(topics):
        if k:
            chunks.append(np.zeros(int(topic_pause * rate), np.float32))
            at += len(chunks[-1])
        first = len(sentences)
        for i, text in enumerate(topic):
            if i:
                chunks.append(np.zeros(int(next(cycle) * rate), np.float32))
                at += len(chunks[-1])
            pieces: list[tuple[float, float]] = []
            for j, half in enumerate(p.strip() for p in text.split("|")):
                if j:
                    chunks.append(np.zeros(int(hesitation * rate), np.float32))
                    at += len(chunks[-1])
                voice_samples = speak(half, voice, wpm, rate)
                pieces.append((at / rate, (at + len(voice_samples)) / rate))
                chunks.append(voice_samples)
                at += len(voice_samples)
            sentences.append(SpokenSentence(k, text.replace("|", " ").replace("  ", " "),
                                            tuple(pieces)))
        spans.append((sentences[first].start, sentences[-1].end))
    chunks.append(np.zeros(int(lead * rate), np.float32))
    track = np.concatenate(chunks)
    noise = np.random.default_rng(7).normal(0, 10 ** (noise_db / 20), len(track))
    return Talk((track + noise).astype(np.float32), rate, tuple(sentences), tuple(spans))


def write_talk_clip(
    path: str | Path, talk: Talk, *, fps: int = 25, size: tuple[int, int] = (128, 72)
) -> Path:
    """The talk as an H.264/AAC clip: one flat-coloured slide per topic, cut where the topic
    starts (at its first word), like a lecture recording."""
    from vidi_desktop.media.synth import write_clip

    colours = [(200, 60, 60), (60, 160, 60), (60, 60, 200), (200, 180, 40), (150, 60, 170),
               (40, 170, 170), (230, 120, 30), (120, 120, 120)]  # fmt: skip
    w, h = size
    starts = [s for s, _ in talk.topics[1:]]

    def picture(n: int) -> np.ndarray:
        k = sum(n / fps >= t for t in starts)
        img = np.empty((h, w, 3), np.uint8)
        img[...] = colours[k % len(colours)]
        return img

    samples, rate = talk.samples, talk.rate

    def audio(t: np.ndarray) -> np.ndarray:
        return np.interp(t, np.arange(len(samples)) / rate, samples)

    frames = int(talk.duration * fps)
    return write_clip(path, frames=frames, rate=fps, size=size, picture=picture,
                      stamp=False, audio=audio)
