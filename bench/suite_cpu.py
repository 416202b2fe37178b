"""Where a command's CPU goes, by the kind of process that spends it: made for the test suite.

Runs the command given after `--` and, while it runs, reads every process's CPU time from /proc
once a `--every` seconds. Each process's CPU since the last reading is put to its kind (test
processes, Chromium by its process type, PostgreSQL, Redis, job-queue workers, web servers, ...).
Prints the wall time, how busy the machine's cores were (from /proc/stat, so anything else
running on the machine counts too), and the CPU seconds of each kind.

    .venv/bin/python bench/suite_cpu.py [--every 1] -- env CI=true make test

A process that starts and ends between two readings is not seen, and one that ends loses what
it spent since the last reading: the kinds add up to a little less than the machine's busy time,
and the line "not seen" says by how much. With the machine busy all the time, the wall time of
the command is about its CPU divided by the cores: that is what this is for. It asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")

# (kind, pattern of the command line), the first that matches wins.
KINDS = [
    ("test processes (pytest-xdist workers)", re.compile(r"python.*exec\(eval\(sys\.stdin")),
    ("Chromium", re.compile(r"chrom")),
    ("PostgreSQL", re.compile(r"^postgres|/postgres\b")),
    ("Redis", re.compile(r"redis-server")),
    ("job-queue workers (huey)", re.compile(r"huey_consumer")),
    ("web servers (gunicorn)", re.compile(r"gunicorn")),
    ("pytest (the run's main process)", re.compile(r"pytest")),
    ("flask and python -m commands", re.compile(r"bin/flask|python.* -m ")),
    ("other Python", re.compile(r"python")),
]


def kind_of(command: str) -> str:
    if not command:
        return "kernel threads"
    for kind, pattern in KINDS:
        if pattern.search(command):
            if kind == "Chromium":
                found = re.search(r"--type=(\S+)", command)
                return f"Chromium: {found.group(1) if found else 'browser'}"
            return kind
    return "other: " + command.split(" ", 1)[0].rsplit("/", 1)[-1]


def processes() -> dict[int, tuple[str, int]]:
    """Each process's command line and CPU ticks (user and system) so far."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        found[int(entry.name)] = (command, int(fields[11]) + int(fields[12]))
    return found


def machine_ticks() -> tuple[int, int]:
    """All ticks of all cores so far, and the idle ones among them."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values), values[3] + values[4]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=1.0, help="seconds between readings")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command to run")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")

    spent: Counter[str] = Counter()
    seen = processes()
    start_total, start_idle = machine_ticks()
    started = time.monotonic()
    child = subprocess.Popen(command)
    while child.poll() is None:
        time.sleep(args.every)
        now = processes()
        for pid, (cmd, ticks) in now.items():
            # A process seen for the first time spent all its ticks since the last reading.
            base = seen[pid][1] if pid in seen else 0
            if ticks > base:
                spent[kind_of(cmd)] += ticks - base
        seen = now
    wall = time.monotonic() - started
    total, idle = machine_ticks()
    busy = (total - start_total) - (idle - start_idle)
    cores = os.cpu_count() or 1

    busy_seconds = busy / TICK
    print(f"\n{' '.join(command)}: exit code {child.returncode}, {wall / 60:.1f} min wall")
    print(f"the machine's {cores} cores were busy {busy_seconds / wall / cores:.0%} of the time: "
          f"{busy_seconds / 60:.1f} CPU minutes, {busy_seconds / cores / 60:.1f} min on {cores} cores")
    print("CPU by kind of process (seconds):")
    for kind, ticks in spent.most_common():
        if ticks / TICK >= 1:
            print(f"  {ticks / TICK:8.0f}  {kind}")
    print(f"  {max(0.0, busy_seconds - sum(spent.values()) / TICK):8.0f}  not seen (short-lived processes, "
          "the kernel, anything else on the machine)")
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())
