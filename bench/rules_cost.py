"""Rules benchmarks: evaluation cost with many rules, and validation time of a large file."""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta, timezone

from rules.core import Event, FactsCache, evaluate, load_ruleset

TYPES = [f"type-{i}" for i in range(100)]


def ruleset_text(rules: int) -> str:
    """`rules` rules over the 100 event types, arranged so that one rule fires per event either way.

    With 10 rules, each covers 10 types. With 1,000, each type has 10 rules told apart by
    channel, so an event meets 10 candidates and one fires: the benchmark measures what it
    costs to find the rule, not the work of giving more awards.
    """
    lines = ["ruleset: bench", "timezone: Europe/Berlin", "rules:"]
    for i in range(rules):
        if rules <= len(TYPES):
            span = len(TYPES) // rules
            when = f"{{type: [{', '.join(TYPES[i * span:(i + 1) * span])}], text_min_length: 1}}"
        else:
            when = f"{{type: {TYPES[i % len(TYPES)]}, channel: c{i // len(TYPES)}, text_min_length: 1}}"
        lines += [f"  - id: rule-{i}", f"    when: {when}", f"    award: {{to: actor, points: {i % 10 + 1}}}",
                  "    limit: {max: 50, per: day}"]
    return "\n".join(lines) + "\n"


def events(n: int, seed: int = 5) -> list[Event]:
    rng = random.Random(seed)
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    return [Event(seq=i, id=f"e{i}", type=rng.choice(TYPES), occurred_at=start + timedelta(minutes=i),
                  actor=f"p{rng.randrange(500)}", channel=f"c{rng.randrange(10)}", text="x" * rng.randrange(10))
            for i in range(n)]


def per_event_seconds(text: str, sample: list[Event]) -> float:
    ruleset = load_ruleset(text)
    facts = FactsCache()
    started = time.perf_counter()
    for event in sample:
        evaluate(ruleset, event, facts)
    return (time.perf_counter() - started) / len(sample)


def run(samples: int = 20_000, rounds: int = 5) -> dict:
    sample = events(samples)
    small, large = ruleset_text(10), ruleset_text(1000)
    # Interleaved, best of five: the two sides see the same machine noise.
    ten, thousand = float("inf"), float("inf")
    for _ in range(rounds):
        ten = min(ten, per_event_seconds(small, sample))
        thousand = min(thousand, per_event_seconds(large, sample))
    started = time.perf_counter()
    load_ruleset(large)
    validate_s = time.perf_counter() - started
    return {
        "evaluate_10_rules_us_per_event": round(ten * 1e6, 2),
        "evaluate_1000_rules_us_per_event": round(thousand * 1e6, 2),
        "rules_1000_vs_10_cost_ratio": round(thousand / ten, 2),
        "validate_1000_rules_s": round(validate_s, 3),
    }


def run_bench(ctx) -> dict:
    from .report import Figure

    figures = run(ctx.size(20_000, 500), ctx.size(5, 1))
    return {
        "figures": [
            Figure("evaluate with 1,000 rules over 100 types, per event", figures["evaluate_1000_rules_us_per_event"],
                   figures["evaluate_10_rules_us_per_event"], "µs", "10 rules", target=2.0, higher_is_better=False),
        ],
        "details": {"validate_1000_rules_s": figures["validate_1000_rules_s"]},
    }


if __name__ == "__main__":
    print(run())
