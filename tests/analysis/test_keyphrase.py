"""Titles from a passage's own words: a key phrase, never a list of frequent words; chapters
are titled the same way."""

from __future__ import annotations

from fractions import Fraction

from vidi_desktop.analysis.keyphrase import Corpus, key_phrase
from vidi_desktop.analysis.transcript import TranscriptWord
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.models.builtin.chapters import make_chapters

BEES = ("Honey bees live in large colonies. A worker bee visits hundreds of flowers. "
        "The waggle dance tells the other bees where the flowers are.")
BREAD = ("Bread needs flour, water, salt and yeast. Kneading the dough builds gluten. "
         "The dough rests in a warm place until it doubles.")


def test_the_title_is_a_phrase_of_the_passage_not_a_word_list() -> None:
    title = key_phrase(BEES, [BREAD])
    words = title.lower().split()
    assert 1 <= len(words) <= 3 and "," not in title and "·" not in title
    assert all(w in BEES.lower() for w in words)
    assert title[0].isupper()


def test_words_of_this_passage_beat_words_common_to_the_footage() -> None:
    # "coffee" is everywhere in the footage; "espresso machine" only in this passage.
    background = [f"Coffee is grown on farm {n}. Coffee beans are picked." for n in range(8)]
    text = "Coffee gets stronger in an espresso machine. The espresso machine uses pressure."
    assert key_phrase(text, background).lower() == "espresso machine"


def test_a_corpus_built_once_gives_the_same_title() -> None:
    passages = [BEES, BREAD, "The moon pulls on the oceans and causes the tides."]
    corpus = Corpus.of(passages)
    assert key_phrase(BEES, corpus.without([BEES])) == key_phrase(BEES, [BREAD, passages[2]])


def test_verbs_and_repeats_do_not_make_a_title() -> None:
    assert key_phrase("I will say banana banana. Banana.") == "Banana"
    title = key_phrase("It returns to the hive and dances with the other workers.")
    assert not title.lower().startswith(("returns", "it "))


def test_a_passage_without_content_words_has_no_title() -> None:
    assert key_phrase("and so it was, and it is.") == ""


def spoken(text: str, start: float) -> tuple[list[TranscriptWord], float]:
    """Words of ``text`` a third of a second each from ``start``; returns them and the end."""
    out, t = [], Fraction(start).limit_denominator(1000)
    for w in text.split():
        out.append(TranscriptWord(TimeRange(Time.exact(t), Time.exact(Fraction(3, 10))), w, 0.9))
        t += Fraction(1, 3)
    return out, float(t)


def test_chapters_are_titled_with_their_key_phrase() -> None:
    bees, end = spoken(BEES, 1.0)
    bread, last = spoken(BREAD, end + 4.0)  # a long pause between the topics
    extent = TimeRange.from_start_end(Time.exact(Fraction(0)), Time.exact(Fraction(int(last) + 2)))
    first, second = make_chapters(bees + bread, extent, count=2)
    for chapter, text in ((first, BEES), (second, BREAD)):
        words = chapter.title.lower().split()
        assert 1 <= len(words) <= 3 and "," not in chapter.title
        assert all(w in text.lower() for w in words), chapter.title
