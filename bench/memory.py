"""The scorer's resident memory over a long run: flat, and under 300 MB.

Events arrive in chunks, as they would over a day, and the scorer catches up after each; the
events are generated chunk by chunk so the benchmark itself holds only one chunk at a time.
The default is the full size of the target, 1,000,000 events (about 4 minutes on 2 cores);
`--events` sets another.
"""

from __future__ import annotations

from pathlib import Path

from . import workload
from .report import Figure

EVENTS = 1_000_000
LIMIT_MB = 300


def _status(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def rss_mb() -> float:
    return _status("VmRSS")


def peak_rss_mb() -> float:
    return _status("VmHWM")


def reset_peak() -> None:
    """Start the peak (VmHWM) again from the current RSS (Linux: clear_refs 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def run(ctx) -> dict:
    from base.accept import do_accept_events
    from engine.scoring import do_score_pending
    from rulesets.active import do_activate_ruleset

    n = ctx.events or ctx.size(EVENTS, 400)
    chunk = max(100, min(20_000, n // 20) // 100 * 100)
    do_activate_ruleset(workload.RULESET)
    reset_peak()
    start_mb = rss_mb()
    samples = []
    for offset in range(0, n, chunk):
        size = min(chunk, n - offset)
        batch = workload.events(size, start=offset, total=n)
        for i in range(0, size, 1000):
            do_accept_events(batch[i:i + 1000])
        del batch
        do_score_pending()
        samples.append(rss_mb())
    peak = peak_rss_mb()
    first = samples[0]
    return {
        "figures": [
            Figure(f"scorer peak RSS over {n:,} events", peak, LIMIT_MB, "MB", "the limit", target=1.0,
                   higher_is_better=False),
            Figure(f"scorer RSS at the end of {n:,} events", samples[-1], first, "MB",
                   f"RSS after the first {chunk:,}"),
        ],
        "details": {"rss_at_start_mb": start_mb, "rss_samples_mb": samples, "chunk": chunk},
    }
