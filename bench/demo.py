"""Benchmark: `yinqi demo` into a fresh SQLite file, as a newcomer runs it.

    python bench/demo.py [--full | --firms N] [--repeat 1]

Target (issue 21 §5): the default season within 30 s on a quiet 2-core machine. Each run is the
`yinqi` command itself, in a process of its own, into a new file under a temporary directory;
printed: wall time, the process's CPU seconds (user + system: far less sensitive to other work
on the cores than the wall time, so the better guess at a quiet machine's time, which is about
the CPU time, the season being one process that mostly computes), what the season holds, and
the load average before and after. A figure taken with other work on the cores says so.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 30.0


def run(args: list[str]) -> tuple[float, float, str]:
    """One `yinqi demo` in a new SQLite file: wall seconds, CPU seconds, its summary line."""
    yinqi = shutil.which("yinqi") or str(Path(sys.executable).with_name("yinqi"))
    with tempfile.TemporaryDirectory(prefix="yinqi-demo-") as directory:
        env = dict(os.environ, DATABASE_URL=f"sqlite:///{directory}/demo.db")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(
            [yinqi, "demo", "--lang", "en", *args], env=env, capture_output=True, text=True
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"yinqi demo failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    found = re.search(r"^Demo season .*$", done.stdout, re.MULTILINE)
    return wall, cpu, found.group(0) if found else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--full", action="store_true", help="the full season (yinqi demo --full)")
    size.add_argument("--firms", type=int, help="firms that register (yinqi demo --firms N)")
    parser.add_argument("--repeat", type=int, default=1)
    options = parser.parse_args()
    args = ["--full"] if options.full else ["--firms", str(options.firms)] if options.firms else []
    cores = os.cpu_count() or 1
    print(f"yinqi demo {' '.join(args) or '(default)'}, SQLite, {cores} cores")
    for _ in range(options.repeat):
        load_before = os.getloadavg()
        wall, cpu, season = run(args)
        load_after = os.getloadavg()
        loads = f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after"
        busy = max(load_before[0], load_after[0]) > 0.5 * cores
        print(f"  wall {wall:.1f} s, CPU {cpu:.1f} s (user + system); {loads}")
        print(f"  {season}")
        if not args:
            verdict = "met" if wall <= TARGET_S else "missed"
            if busy:  # the wall time is the machine's queue as much as the demo's
                verdict = f"not judged (other work on the cores); CPU {cpu:.1f} s"
            print(f"  target: the default season within {TARGET_S:.0f} s quiet: {verdict}")


if __name__ == "__main__":
    main()
