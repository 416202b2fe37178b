"""The end of `make test`: branch coverage of the SQLite run, per package, and the least-covered files.

Reads the coverage data combined from every test process of the SQLite run (unit, integration and
browser tests) and fails when the total, or either package, is below the floor set as `fail_under`
in pyproject.toml.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import coverage

PACKAGES = ("mentormatch", "matching")


def percent(summary: dict) -> float:
    """Coverage's own figure: lines and branch outcomes taken, over lines and branch outcomes."""
    possible = summary["num_statements"] + summary.get("num_branches", 0)
    taken = summary["covered_lines"] + summary.get("covered_branches", 0)
    return 100.0 * taken / possible if possible else 100.0


def add_up(summaries: list[dict]) -> dict:
    keys = ("num_statements", "covered_lines", "num_branches", "covered_branches")
    return {key: sum(s.get(key, 0) for s in summaries) for key in keys}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-file", default=".coverage", help="combined coverage data")
    parser.add_argument("--least", type=int, default=10, help="how many of the least-covered files to list")
    args = parser.parse_args()

    cov = coverage.Coverage(data_file=args.data_file)
    cov.load()
    floor = float(cov.get_option("report:fail_under"))
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "coverage.json"
        cov.json_report(outfile=str(report))
        files = json.loads(report.read_text())["files"]

    rows = sorted((percent(data["summary"]), name, data["summary"]) for name, data in files.items())
    print(f"\nBranch coverage (lines and branches), floor {floor:.0f}%")
    print(f"  least covered of {len(rows)} files:")
    for share, name, summary in rows[:args.least]:
        missed = summary["num_statements"] - summary["covered_lines"]
        branches = summary.get("num_branches", 0) - summary.get("covered_branches", 0)
        print(f"    {share:5.1f}%  {name}  ({missed} lines, {branches} branch outcomes not run)")
    below = []
    for package in PACKAGES:
        share = percent(add_up([s for _, name, s in rows if Path(name).parts[0] == package]))
        print(f"  {package + '/':<14}{share:5.1f}%")
        if share < floor:
            below.append(package)
    total = percent(add_up([s for _, _, s in rows]))
    print(f"  {'total':<14}{total:5.1f}%")
    if total < floor:
        below.append("the total")
    if below:
        print(f"Coverage below the {floor:.0f}% floor: {', '.join(below)}.", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
