"""Benchmark: NameIndex against a naive rapidfuzz scan over a generated campaign list.

    python bench/names.py [--names 630000] [--queries 1000] [--seed N] [--baseline-queries K]

Generates the names and typed queries (bench/company_names.py), builds the index (time, memory),
answers every query with `NameIndex.best` and, in the same run, with
`rapidfuzz.process.extractOne(query, names, scorer=fuzz.ratio)`, then prints latency, top-1
accuracy (also per kind of typo: same-sound character, other character, none, other), the speed
ratio and a verdict against the targets. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench.company_names import generate_names, make_queries, matchers, typo_kind
from matching.names import NameIndex, core_name
from matching.pinyin import load_readings

TARGET_P50_MS = 5.0
TARGET_SPEEDUP = 5.0


@dataclass(frozen=True, slots=True)
class Run:
    """Answers to a list of queries: per-query latency and whether each was right."""

    label: str
    seconds: tuple[float, ...]
    right: tuple[bool, ...]

    @property
    def accuracy(self) -> float:
        return sum(self.right) / len(self.right) if self.right else 0.0

    def accuracy_of(self, kinds: Sequence[str], kind: str) -> str:
        """Top-1 accuracy on the queries of one kind (`kinds` runs parallel to the queries)."""
        right = [r for r, k in zip(self.right, kinds, strict=False) if k == kind]
        return f"{sum(right) / len(right):.3f}" if right else "  –  "

    def percentile_ms(self, share: float) -> float:
        ordered = sorted(self.seconds)
        return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    @property
    def mean_ms(self) -> float:
        return 1000 * statistics.fmean(self.seconds)

    def line(self) -> str:
        return (f"{self.label:<9} {len(self.seconds):>6} queries"
                f"  p50 {self.percentile_ms(0.5):9.3f} ms  p99 {self.percentile_ms(0.99):9.3f} ms"
                f"  mean {self.mean_ms:9.3f} ms"
                f"  top-1 accuracy {self.accuracy:.3f}")


def progress(message: str) -> None:
    """One line of progress on stderr, so stdout holds only the figures."""
    print(message, file=sys.stderr, flush=True)


def rss_mb() -> float:
    """Resident memory now, in MB (Linux /proc; falls back to the peak where absent)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * resource.getpagesize() / 2**20
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(label: str, answer: Callable[[str], int | None],
        queries: Sequence[tuple[str, int]]) -> Run:
    """Time `answer` on each query and count correct top-1 answers, reporting progress."""
    seconds: list[float] = []
    right: list[bool] = []
    started = time.perf_counter()
    for done, (query, truth) in enumerate(queries, 1):
        before = time.perf_counter()
        found = answer(query)
        seconds.append(time.perf_counter() - before)
        right.append(found == truth)
        if done % max(1, len(queries) // 10) == 0 or done == len(queries):
            elapsed = time.perf_counter() - started
            eta = elapsed / done * (len(queries) - done)
            progress(f"  {label}: {done}/{len(queries)} queries, {elapsed:.1f} s, eta {eta:.0f} s")
    return Run(label, tuple(seconds), tuple(right))


def build(names: list[str]) -> NameIndex:
    """Build the index, printing its build time and the memory it added.

    The pinyin dictionaries, which the index loads once per process, are loaded and measured
    first, on their own line, so the build line stays comparable with earlier runs.
    """
    before, started = rss_mb(), time.perf_counter()
    load_readings()
    print(f"pinyin    {time.perf_counter() - started:.2f} s, "
          f"resident memory +{rss_mb() - before:.0f} MB (pypinyin's dictionaries, once)")
    progress(f"building NameIndex over {len(names):,} names …")
    before = rss_mb()
    started = time.perf_counter()
    index = NameIndex(names)
    took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"build     {took:.2f} s, resident memory +{rss_mb() - before:.0f} MB "
          f"(process {rss_mb():.0f} MB, peak {peak:.0f} MB)")
    return index


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit status 0 when every target is met."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=int, default=630_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--baseline-queries", type=int, default=None,
                        help="how many of the queries the naive scan answers (default: all)")
    args = parser.parse_args(argv)

    progress(f"generating {args.names:,} names and {args.queries:,} queries (seed {args.seed}) …")
    started = time.perf_counter()
    names = generate_names(args.names, seed=args.seed)
    queries = make_queries(names, args.queries, seed=args.seed + 1)
    progress(f"  generated in {time.perf_counter() - started:.1f} s")
    index = build(names)

    ours, naive = matchers(names, index)
    mine = run("NameIndex", ours, queries)
    subset = queries[: args.baseline_queries]
    baseline = run("baseline", naive, subset)
    same = Run("NameIndex", mine.seconds[: len(subset)], mine.right[: len(subset)])
    kinds = [typo_kind(core_name(query), core_name(names[truth])) for query, truth in queries]
    return report(mine, same, baseline, kinds)


def report(mine: Run, same: Run, baseline: Run, kinds: Sequence[str]) -> int:
    """Print the figures and the verdict; 0 if every target is met."""
    print(mine.line())
    if len(same.seconds) != len(mine.seconds):
        print(same.line() + "  (on the baseline's queries)")
    print(baseline.line())
    counts = Counter(kinds)
    for kind in ("same sound", "other character", "none", "other"):
        print(f"  typo {kind:<15} {counts[kind]:>6} queries ({counts[kind] / len(kinds):4.0%})"
              f"  top-1 accuracy NameIndex {mine.accuracy_of(kinds, kind)}"
              f", baseline {baseline.accuracy_of(kinds, kind)}")
    speedup = baseline.mean_ms / same.mean_ms
    print(f"speed     {speedup:.1f}× faster than the baseline (mean), "
          f"{baseline.percentile_ms(0.5) / same.percentile_ms(0.5):.1f}× at p50")
    checks = {
        f"≥ {TARGET_SPEEDUP:g}× faster": speedup >= TARGET_SPEEDUP,
        "accuracy ≥ baseline": same.accuracy >= baseline.accuracy,
        f"p50 ≤ {TARGET_P50_MS:g} ms": mine.percentile_ms(0.5) <= TARGET_P50_MS,
    }
    verdict = "PASS" if all(checks.values()) else "FAIL"
    print(f"verdict   {verdict}: " + ", ".join(f"{k} {'ok' if v else 'NOT MET'}"
                                            for k, v in checks.items()))
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
