"""Highlight quality on a generated talk whose sentences, pauses and topics are known.

The talk: six topics of ten scripted sentences each (written for this benchmark), spoken by
espeak-ng one sentence at a time with known pauses between sentences (cycled from
``PAUSES``), 3 s between topics, and a 1 s hesitation inside the sentences marked ``|``;
about 6 minutes over a -50 dBFS noise bed, encoded as H.264/AAC with one coloured slide per
topic (a cut where each topic starts). It goes through the shipped analysis (silero-vad,
Whisper tiny.en, shot detection) once; the analysis is cached in ``bench-results/`` so runs
before and after a change of the highlight finder see the same inputs.

For each request (count × length) the finder's clips are scored against the truth:

- **found**: clips returned / asked;
- **length error**: |played length − asked| / asked (played = the sum of the clip's ranges),
  mean and worst, and the share within ±15 %;
- **sentence boundaries**: share of clip starts and ends that fall in a pause between
  sentences or within 0.25 s of a sentence's first/last voice (Whisper's word edges), never
  inside a sentence;
- **silence inside**: share of the played time without voice, and the longest silent stretch
  a viewer sees (pauses either side of a removed range add up);
- **speech dropped**: voice inside a clip's span that the clip does not play;
- **overlap**: seconds shared by two clips of one request;
- **topics**: distinct topics among the clips, out of min(count, topics), and the share of
  clips whose played time lies ≥ 90 % in one topic.

Run from the repository root (needs espeak-ng; the first run spends a few minutes on the
analysis):

    .venv/bin/python benchmarks/bench_highlights.py
    .venv/bin/python benchmarks/bench_highlights.py --fresh     # redo the talk and analysis
    .venv/bin/python benchmarks/bench_highlights.py --sample    # + the issue's requests on
                                                                #   the bundled sample
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import pickle
import shutil
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "bench-results"

TOPICS = [
    [  # bees
        "Honey bees live in large colonies with a single queen and thousands of workers.",
        "A worker bee visits hundreds of flowers every day to collect nectar and pollen.",
        "When a bee finds a good patch of flowers, it returns to the hive and dances.",
        "The waggle dance tells the other bees | how far away the flowers are.",
        "The angle of the dance points to the flowers relative to the sun.",
        "Bees turn nectar into honey by drying it with their wings.",
        "A strong colony can make more than twenty kilograms of honey in a summer.",
        "In winter the bees cluster together and shiver to keep the queen warm.",
        "Farmers rent hives because bees pollinate apples, almonds and many other crops.",
        "Without bees, our gardens and our plates would look very different.",
    ],
    [  # volcanoes
        "A volcano is an opening in the crust where melted rock reaches the surface.",
        "Deep underground, magma collects in a chamber beneath the mountain.",
        "When the pressure grows too high, gas and lava burst through the vent.",
        "Some eruptions are gentle rivers of lava | that flow for weeks.",
        "Others explode violently and throw ash high into the sky.",
        "Volcanic ash can travel around the world and cool the weather for a year.",
        "The soil near old volcanoes is very fertile, so people farm on their slopes.",
        "Scientists watch for small earthquakes that warn of a coming eruption.",
        "They also measure the gases and the swelling of the ground with satellites.",
        "Thanks to this work, many towns can now be evacuated in time.",
    ],
    [  # coffee
        "Coffee starts as the red fruit of a small tree that grows in the tropics.",
        "Each fruit holds two seeds, which we call coffee beans.",
        "After picking, the beans are washed, dried in the sun and sorted by hand.",
        "Green beans have almost no smell | until they are roasted.",
        "Roasting turns sugars brown and creates hundreds of new aromas.",
        "A light roast tastes bright and fruity, while a dark roast tastes bitter and smoky.",
        "Grinding the beans just before brewing keeps the flavour fresh.",
        "Espresso forces hot water through finely ground coffee in about half a minute.",
        "A filter brew takes longer and gives a cleaner and lighter cup.",
        "Around the world, people drink billions of cups of coffee every single day.",
    ],
    [  # bicycles
        "The first bicycles had no pedals, and riders pushed themselves along with their feet.",
        "Later designs put the pedals on a huge front wheel, which was fast but dangerous.",
        "The safety bicycle brought two equal wheels and a chain to the back wheel.",
        "Air filled tyres made the ride | much softer on rough roads.",
        "Gears let a rider climb steep hills without getting off to walk.",
        "Today a good bicycle can weigh less than eight kilograms.",
        "In many cities, bicycles are the fastest way to cross town at rush hour.",
        "Cycling to work is cheap, quiet and good for the heart.",
        "Electric bicycles help older riders and people who carry heavy loads.",
        "A simple bicycle can last for decades if the chain is cleaned and oiled.",
    ],
    [  # the moon
        "The moon is about a quarter of the size of the earth.",
        "It takes roughly twenty seven days to travel once around our planet.",
        "We always see the same face of the moon because it turns as it orbits.",
        "The dark patches are old lava plains | that formed billions of years ago.",
        "Bright craters were made by rocks that crashed into the surface.",
        "The moon has no air, so footprints left by astronauts can last for ages.",
        "Its gravity pulls on the oceans and causes the tides on our coasts.",
        "During a solar eclipse, the moon passes exactly between the sun and the earth.",
        "Twelve people have walked on the moon, all of them between nineteen sixty nine and "
        "nineteen seventy two.",
        "New missions plan to build a station that orbits the moon.",
    ],
    [  # bread
        "Bread needs only flour, water, salt and yeast.",
        "Yeast eats the sugars in the flour and releases bubbles of gas.",
        "Kneading the dough builds a network of gluten that traps those bubbles.",
        "The dough then rests in a warm place | until it doubles in size.",
        "Shaping the loaf gently keeps the air inside the dough.",
        "A very hot oven makes the crust brown and crisp.",
        "Steam in the first minutes lets the loaf rise before the crust sets.",
        "Sourdough uses wild yeast and bacteria instead of yeast from a packet.",
        "The bacteria give sourdough its tangy taste and help it keep for days.",
        "Let the bread cool completely before you cut the first slice.",
    ],
]
PAUSES = [0.4, 0.9, 0.5, 1.6, 0.6, 2.2, 0.45, 1.2]  # between sentences, taken in turn
REQUESTS = [(3, 30), (10, 30), (6, 15), (4, 60), (12, 10)]  # (count, seconds)
BOUNDARY_SLACK = 0.25  # Whisper's word edges are good to about this


def build(fresh: bool) -> tuple[Any, Any, str]:
    """The talk's truth, the finder's inputs and the time base.

    The analysers' results are cached in ``bench-results/`` (not the finder's inputs, whose
    shape may change with the finder)."""
    from vidi_desktop.analysis.highlight_inputs import highlight_inputs

    key = hashlib.sha256(json.dumps([TOPICS, PAUSES]).encode()).hexdigest()[:12]
    folder = RESULTS / "highlight-talk"
    cache = folder / f"analysis-{key}.pickle"
    if cache.exists() and not fresh:
        with cache.open("rb") as f:
            truth, info, a = pickle.load(f)
    else:
        truth, info, a = _analyse(folder, key)
        with cache.open("wb") as f:
            pickle.dump((truth, info, a), f)
    inputs = highlight_inputs(info, shots=a["shots"], speech=a["speech"],
                              transcript=a["transcript"], audio=a["audio"])
    tb = str(info.video.time_base) if info.video is not None else "1/1000"
    return truth, inputs, tb


def _analyse(folder: Path, key: str) -> tuple[dict[str, Any], Any, dict[str, Any]]:
    from vidi_desktop.analysis.options import AnalyzeOptions
    from vidi_desktop.analysis.run import analyze_file
    from vidi_desktop.core.progress import JobContext
    from vidi_desktop.media.probe import probe
    from vidi_desktop.media.synth_talk import speak_talk, write_talk_clip

    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    talk = speak_talk(TOPICS, PAUSES)
    clip = write_talk_clip(folder / f"talk-{key}.mp4", talk)
    print(f"talk: {talk.duration:.1f} s, {len(talk.sentences)} sentences, "
          f"{len(talk.topics)} topics ({time.perf_counter() - t0:.0f} s to make)")
    t0 = time.perf_counter()
    info = probe(clip)
    a = analyze_file(clip, AnalyzeOptions(speech=True, subtitles=True), JobContext(), info)
    print(f"analysis: {time.perf_counter() - t0:.0f} s")
    truth = {"sentences": [(s.topic, s.start, s.end, s.pieces, s.text) for s in talk.sentences],
             "topics": list(talk.topics), "duration": talk.duration}
    results = {"shots": a.shots, "speech": a.speech, "transcript": a.transcript,
               "audio": a.audio}
    return truth, info, results


# -- scoring ------------------------------------------------------------------------------------
def clip_parts(h: Any) -> list[tuple[float, float]]:
    """The ranges a clip plays, in seconds (one range for a clip without parts)."""
    ranges = getattr(h, "parts", ()) or (h.range,)
    return [(float(r.start.seconds), float(r.end_exclusive.seconds)) for r in ranges]


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def on_start_boundary(t: float, sentences: list[tuple]) -> bool:
    prev_end = 0.0
    for _topic, start, end, _pieces, _text in sentences:
        if prev_end - 0.05 <= t <= start + BOUNDARY_SLACK:
            return True
        prev_end = end
    return False


def on_end_boundary(t: float, sentences: list[tuple], duration: float) -> bool:
    for i, (_topic, _start, end, _pieces, _text) in enumerate(sentences):
        nxt = sentences[i + 1][1] if i + 1 < len(sentences) else duration
        if end - BOUNDARY_SLACK <= t <= nxt + 0.05:
            return True
    return False


def silence_in_output(parts: list[tuple[float, float]], voiced: list[tuple[float, float]]
                      ) -> tuple[float, float]:
    """(silent seconds, longest silent stretch) of the parts played one after another."""
    runs: list[tuple[float, float]] = []  # silent runs on the output timeline
    offset = 0.0
    for a, b in parts:
        t = a
        for va, vb in voiced:
            if vb <= t or va >= b:
                continue
            if va > t:
                runs.append((offset + t - a, offset + va - a))
            t = max(t, vb)
        if t < b:
            runs.append((offset + t - a, offset + b - a))
        offset += b - a
    merged: list[list[float]] = []
    for a, b in runs:
        if merged and abs(merged[-1][1] - a) < 1e-6:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    total = sum(b - a for a, b in merged)
    return total, max((b - a for a, b in merged), default=0.0)


def score(clips: list[Any], count: int, target: float, truth: dict[str, Any]) -> dict[str, Any]:
    sentences = truth["sentences"]
    voiced = [p for s in sentences for p in s[3]]
    topics = truth["topics"]
    rows = []
    for h in clips:
        parts = clip_parts(h)
        played = sum(b - a for a, b in parts)
        silent, longest = silence_in_output(parts, voiced)
        hull = (parts[0][0], parts[-1][1])
        in_hull = sum(_overlap(v, hull) for v in voiced)
        in_parts = sum(_overlap(v, p) for v in voiced for p in parts)
        per_topic = [sum(_overlap(t, p) for p in parts) for t in topics]
        rows.append({
            "start": round(parts[0][0], 2), "end": round(parts[-1][1], 2),
            "ranges": len(parts), "played": round(played, 2),
            "length_error": abs(played - target) / target,
            "start_ok": on_start_boundary(parts[0][0], sentences),
            "end_ok": on_end_boundary(parts[-1][1], sentences, truth["duration"]),
            "silent": silent, "longest_silence": longest,
            "dropped": in_hull - in_parts,
            "topic": max(range(len(topics)), key=per_topic.__getitem__),
            "pure": max(per_topic) >= 0.9 * max(1e-9, sum(per_topic)),
            "title": getattr(h, "title", ""), "score": getattr(h, "score", None),
        })
    spans = [(r["start"], r["end"]) for r in rows]
    overlap = sum(_overlap(a, b) for a, b in itertools.combinations(spans, 2))
    n = len(rows) or 1
    played_total = sum(r["played"] for r in rows) or 1.0
    return {
        "asked": count, "seconds": target, "found": len(rows),
        "length_error_mean": sum(r["length_error"] for r in rows) / n,
        "length_error_max": max((r["length_error"] for r in rows), default=0.0),
        "within_15pct": sum(r["length_error"] <= 0.15 for r in rows) / n,
        "boundary_rate": sum(r["start_ok"] + r["end_ok"] for r in rows) / (2 * n),
        "silence_share": sum(r["silent"] for r in rows) / played_total,
        "longest_silence": max((r["longest_silence"] for r in rows), default=0.0),
        "speech_dropped_s": sum(r["dropped"] for r in rows),
        "overlap_s": overlap,
        "topics_covered": len({r["topic"] for r in rows}),
        "topics_possible": min(count, len(topics)),
        "topic_purity": sum(r["pure"] for r in rows) / n,
        "clips": rows,
    }


SAMPLE_REQUESTS = ["a 30 second highlight", "ten 30-second highlights for TikTok",
                   "3 highlights of 10 seconds"]


def sample_cases() -> None:
    """The requests of the issue on the bundled sample (42 s, about 18 s of speech), through
    the built-in backend: each clip's played length, ranges, and silence inside (played
    time outside the detected speech)."""
    import threading

    from vidi_desktop.analysis.speech import detect_speech, load_speech_audio
    from vidi_desktop.models.builtin.backend import BuiltinBackend
    from vidi_desktop.models.protocol import AssetRef, Request
    from vidi_desktop.paths import sample_clip

    path = sample_clip()
    clip = load_speech_audio(path)
    speech = [(float(s.range.start.seconds), float(s.range.end_exclusive.seconds))
              for s in detect_speech(clip)] if clip is not None else []
    backend = BuiltinBackend()
    backend.load(lambda *_: None, threading.Event())
    for text in SAMPLE_REQUESTS:
        out = backend.run(Request(text, (AssetRef("a", str(path)),)), lambda *_: None,
                          threading.Event())
        clips = [s for s in out if s.kind == "highlight_clip"]
        print(f"{text!r}: {len(clips)} clip(s)")
        for s in clips:
            parts = clip_parts(s.payload)
            played = sum(b - a for a, b in parts)
            voiced = sum(_overlap(v, p) for v in speech for p in parts)
            print(f"    {parts[0][0]:6.2f}–{parts[-1][1]:6.2f} s, plays {played:5.2f} s in "
                  f"{len(parts)} range(s), {played - voiced:5.2f} s without speech, "
                  f"title {s.payload.title!r}")
        for s in out:
            if s.kind == "answer":
                print(f"    answer: {s.payload.text}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fresh", action="store_true", help="make the talk and analyse it again")
    ap.add_argument("--show", action="store_true", help="print every clip")
    ap.add_argument("--sample", action="store_true",
                    help="also run the issue's requests on the bundled sample clip")
    args = ap.parse_args()
    if shutil.which("espeak-ng") is None:
        print("needs espeak-ng (apt-get install espeak-ng)")
        return 2
    from vidi_desktop.analysis.highlights import find_highlights

    truth, inputs, tb = build(args.fresh)
    header = (f"{'request':>8} {'found':>6} {'len err':>12} {'±15%':>5} {'bound':>6} "
              f"{'silence':>8} {'longest':>8} {'dropped':>8} {'overlap':>8} {'topics':>7} "
              f"{'pure':>5} {'ms':>6}")
    print(f"talk {truth['duration']:.1f} s, {len(truth['sentences'])} sentences, "
          f"{len(truth['topics'])} topics\n{header}")
    report = []
    for count, seconds in REQUESTS:
        t0 = time.perf_counter()
        clips = find_highlights(inputs, count, target=Fraction(seconds),
                                time_base=Fraction(tb))
        ms = (time.perf_counter() - t0) * 1000
        r = score(clips, count, seconds, truth)
        r["ms"] = ms
        report.append(r)
        print(f"{count:>3}×{seconds:>3}s {r['found']:>3}/{count:<2} "
              f"{r['length_error_mean']:>5.0%}/{r['length_error_max']:>5.0%} "
              f"{r['within_15pct']:>5.0%} {r['boundary_rate']:>6.0%} "
              f"{r['silence_share']:>8.0%} {r['longest_silence']:>7.2f}s "
              f"{r['speech_dropped_s']:>7.2f}s {r['overlap_s']:>7.2f}s "
              f"{r['topics_covered']:>3}/{r['topics_possible']:<3} {r['topic_purity']:>5.0%} "
              f"{ms:>6.0f}")
        if args.show:
            for c in r["clips"]:
                print(f"    {c['start']:7.2f}–{c['end']:7.2f} played {c['played']:5.1f} s "
                      f"in {c['ranges']} range(s), start {'ok' if c['start_ok'] else 'NO'}, "
                      f"end {'ok' if c['end_ok'] else 'NO'}, longest silence "
                      f"{c['longest_silence']:.2f} s, topic {c['topic']}: {c['title']!r}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "bench_highlights.json"
    out.write_text(json.dumps(report, indent=1, default=str))
    print(f"written {out.relative_to(REPO)}")
    if args.sample:
        sample_cases()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
