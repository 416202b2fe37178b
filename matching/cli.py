"""Command line for the matching engine: propose matches from CSV files, or time a synthetic run."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from matching.csvio import MENTOR_COLUMNS, YOUTH_COLUMNS, read_mentors, read_youth, write_result
from matching.engine import propose
from matching.profiles import ProfileError

CSV_HELP = f"""\
CSV format: a header row, comma-separated columns; sets are semicolon-separated
inside one cell (e.g. "robotics;K9", slots "tue-evening;sat-morning"); booleans
true/false; an empty cell means "not stated".
  youth:   {", ".join(YOUTH_COLUMNS)}
  mentors: {", ".join(MENTOR_COLUMNS)}
"""


def _propose(args: argparse.Namespace) -> int:
    try:
        youth, mentors = read_youth(args.youth), read_mentors(args.mentors)
    except ProfileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    result = propose(youth, mentors)
    print(f"{len(result.proposals)} proposed, {len(result.unmatched)} unmatched, total score {result.total_score:.3f}")
    for proposal in result.proposals:
        best = proposal.reasons[0].text if proposal.reasons else ""
        print(f"  {proposal.youth_id} -> {proposal.mentor_id}  {proposal.score:.3f}  {best}")
    for unmatched in result.unmatched:
        print(f"  {unmatched.youth_id} unmatched: {unmatched.reason}")
    if args.out:
        write_result(result, args.out)
        print(f"written to {args.out}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from matching.geo import zip_centroids
    from matching.synthetic import synthetic_mentors, synthetic_youth

    zip_centroids(["95814"])  # load the ZIP table outside the timing
    youth = synthetic_youth(args.youth, seed=args.seed)
    mentors = synthetic_mentors(args.mentors, capacity=args.capacity, seed=args.seed + 1)
    started = time.perf_counter()
    result = propose(youth, mentors)
    elapsed = time.perf_counter() - started
    print(f"{args.youth} youth x {args.mentors} mentors, capacity {args.capacity} (synthetic, seed {args.seed})")
    for stage, seconds in result.timings.items():
        print(f"  {stage:<16} {seconds:8.3f} s")
    print(f"  {'propose()':<16} {elapsed:8.3f} s")
    print(f"  matched {len(result.proposals)}, unmatched {len(result.unmatched)}, total score {result.total_score:.3f}")
    print(f"  certificate {result.certificate}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m matching",
        description="MentorMatch matching engine.",
        epilog=CSV_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "propose", help="propose matches from CSV files", epilog=CSV_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--youth", type=Path, required=True, help="youth CSV file")
    run.add_argument("--mentors", type=Path, required=True, help="mentors CSV file")
    run.add_argument("--out", type=Path, help="write proposals and unmatched youth to this CSV file")
    run.set_defaults(handler=_propose)
    bench = commands.add_parser("bench", help="time propose() on a synthetic Sacramento cohort")
    bench.add_argument("--youth", type=int, default=5000)
    bench.add_argument("--mentors", type=int, default=1000)
    bench.add_argument("--capacity", type=int, default=5)
    bench.add_argument("--seed", type=int, default=0)
    bench.set_defaults(handler=_bench)
    args = parser.parse_args(argv)
    return args.handler(args)
