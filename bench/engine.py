"""Benchmark the matching engine against exact reference solvers, greedy and a stable-matching peer.

One synthetic instance per population, the same for every method:

* ``vectors``: youth and mentors as random 16-d unit vectors, similarity
  ``(1 + cosine) / 2`` (PEERS.md uses the raw cosine; raw total = 2 x ours - matched),
  every pair feasible, every mentor with the same capacity;
* ``realistic``: the Sacramento-area cohort of :mod:`matching.synthetic` with all
  hard rules and the wait bonus.

Every method maximises the same objective (matched similarity + wait bonus).
Each method runs in its own subprocess, which builds the instance, runs the
method ``--repeat`` times and reports the median wall time and the process's
peak resident memory (``resource.getrusage``: everything the process ever held,
instance included, C++ allocations too; Linux carries the launching process's
peak over fork and exec, so the workers are started before the launcher builds
anything and the header prints that floor). "ours" is timed end to end: for
``realistic`` that is ``propose()`` from the profiles (features, scoring, rules,
pruning, assignment and its certificate) plus reading every proposal with its
reasons and every unmatched youth with its reason; for ``vectors`` it is
``assign_exact`` on the row-scoring function. The reference solvers get the
dense weight matrix built before their clock starts, which favours them; the
"baseline" of ``realistic`` does not: it runs ``score()`` from the profiles and
OR-Tools on every feasible pair inside its clock, the end-to-end figure ours is
compared with ("x base", the ratio of the median times; OR-Tools alone when the
baseline did not run). With ``--model``, ``realistic`` is scored by that learned
model (every method).

Each method prints its wall time per run and its median CPU time (all threads):
on a shared machine the wall time grows with the other load, the CPU time far less.
Every population ends with ours' objective over the best exact solver's, and
the hard-rule and capacity violations of ours (matched infeasible pairs, places
over capacity), which must be 0.

    .venv/bin/python bench/engine.py --youth 5000 --mentors 1000 --capacity 5 --repeat 3 --population realistic
    .venv/bin/python bench/engine.py --youth 100000 --mentors 20000 --capacity 5 --repeat 3 --methods ours
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matching import MatchConfig, propose, score  # noqa: E402
from matching.additive import AdditiveModel  # noqa: E402
from matching.assignment import assign_exact, count_blocking_pairs  # noqa: E402
from matching.features import FeatureModel  # noqa: E402
from matching.geo import zip_centroids  # noqa: E402
from matching.synthetic import synthetic_mentors, synthetic_youth  # noqa: E402

PEER_VENV = Path(__file__).resolve().parent / ".peer-venv"
LSA_MEMORY_LIMIT = 4e9
ORTOOLS_ARC_LIMIT = 12_000_000
PEER_YOUTH_LIMIT = 2000


class Instance:
    """One population: a row-scoring function, capacities and wait bonus, plus how to run ours."""

    def __init__(self, name, n, m, rows, capacity, bonus, run_ours):
        self.name, self.n, self.m = name, n, m
        self.rows, self.capacity, self.bonus, self.run_ours = rows, capacity, bonus, run_ours

    def dense(self) -> np.ndarray:
        """Similarity matrix, shape (n, m), ``-inf`` where infeasible."""
        return np.vstack([self.rows(r) for r in np.array_split(np.arange(self.n), max(1, self.n // 2048))])


def vector_instance(n: int, m: int, capacity: int, seed: int) -> Instance:
    rng = np.random.default_rng(seed)
    youth = rng.normal(size=(n, 16)).astype(np.float32)
    mentors = rng.normal(size=(m, 16)).astype(np.float32)
    youth /= np.linalg.norm(youth, axis=1, keepdims=True)
    mentors /= np.linalg.norm(mentors, axis=1, keepdims=True)
    mentors_t = np.ascontiguousarray(mentors.T)

    def rows(r, cols=None):
        block = youth[r] @ (mentors_t if cols is None else mentors_t[:, cols])
        block += 1.0
        block *= 0.5
        return block

    caps, bonus = np.full(m, capacity), np.zeros(n)

    def run_ours():
        a = assign_exact(rows, n, caps, bonus)
        return a.mentor_of, a.timings

    return Instance("vectors", n, m, rows, caps, bonus, run_ours)


def realistic_instance(
    n: int, m: int, capacity: int, seed: int, with_model: bool = True, learned: Path | None = None
) -> Instance:
    youth, mentors = synthetic_youth(n, seed=seed), synthetic_mentors(m, capacity=capacity, seed=seed + 1)
    config = MatchConfig()
    if learned is not None:
        config = MatchConfig(model=AdditiveModel.from_dict(json.loads(learned.read_text())))
    # Ours builds its own features inside the clock, so its worker skips this.
    model = FeatureModel(youth, mentors, config) if with_model else None

    def run_ours():
        result = propose(youth, mentors, config)
        # Read what the app reads, so the lazily built reasons are timed too.
        result.proposals, result.unmatched
        return result.mentor_index_of_youth, result.timings

    if model is None:
        instance = Instance("realistic", n, m, None, None, None, run_ours)
    else:
        instance = Instance("realistic", n, m, model.objective_rows, model.free_capacity, model.wait_bonus, run_ours)
    instance.profiles = (youth, mentors, config)
    return instance


def scipy_slots(instance: Instance, weight: np.ndarray) -> np.ndarray:
    slots = np.repeat(np.arange(instance.m), instance.capacity)
    # An infeasible pair weighs 0, the same as leaving the youth unmatched.
    cost = np.where(np.isfinite(weight), weight + instance.bonus[:, None], 0.0)[:, slots]
    rows, cols = linear_sum_assignment(cost, maximize=True)
    mentor_of = np.full(instance.n, -1)
    useful = cost[rows, cols] > 0
    mentor_of[rows[useful]] = slots[cols[useful]]
    return mentor_of


def ortools_flow(instance: Instance, weight: np.ndarray) -> np.ndarray:
    from ortools.graph.python import min_cost_flow

    n, m = instance.n, instance.m
    source, sink = n + m, n + m + 1
    youth_idx, mentor_idx = np.nonzero(np.isfinite(weight))
    gain = np.round((weight[youth_idx, mentor_idx] + instance.bonus[youth_idx]) * 1e6).astype(np.int64)
    tails = np.concatenate([np.full(n, source), youth_idx, np.arange(n), n + np.arange(m)])
    heads = np.concatenate([np.arange(n), n + mentor_idx, np.full(n, sink), np.full(m, sink)])
    caps = np.concatenate([np.ones(n), np.ones(len(youth_idx)), np.ones(n), instance.capacity]).astype(np.int64)
    costs = np.concatenate([np.zeros(n), -gain, np.zeros(n), np.zeros(m)]).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_node_supply(source, n)
    flow.set_node_supply(sink, -n)
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("OR-Tools did not find an optimum")
    used = flow.flows(arcs[n : n + len(youth_idx)]) > 0
    mentor_of = np.full(n, -1)
    mentor_of[youth_idx[used]] = mentor_idx[used]
    return mentor_of


def score_then_ortools(instance: Instance, weight: np.ndarray) -> np.ndarray:
    """The baseline of the realistic population: ``score()`` from the profiles, then OR-Tools on every
    feasible pair; ``weight`` is not used, so the clock includes the scoring."""
    scores = score(*instance.profiles)
    return ortools_flow(instance, np.where(scores.feasible, scores.similarity, -np.inf))


def greedy(instance: Instance, weight: np.ndarray) -> np.ndarray:
    youth_idx, mentor_idx = np.nonzero(np.isfinite(weight))
    gain = weight[youth_idx, mentor_idx] + instance.bonus[youth_idx]
    order = np.argsort(-gain, kind="stable")
    left = instance.capacity.astype(int).copy()
    mentor_of = np.full(instance.n, -1)
    for i, j in zip(youth_idx[order].tolist(), mentor_idx[order].tolist()):
        if mentor_of[i] < 0 and left[j] > 0:
            mentor_of[i] = j
            left[j] -= 1
    return mentor_of


def ensure_peer_venv() -> Path:
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "matching==1.4.3", "numpy"], check=True)
    return python


def peer_hr(instance: Instance, weight: np.ndarray) -> tuple[np.ndarray, float]:
    """Youth-optimal hospital/residents stable matching: assignment, its own solve time, its process's peak RSS."""
    python = ensure_peer_venv()
    feasible = np.isfinite(weight)
    youth_prefs = np.where(feasible, -weight, np.inf).argsort(axis=1, kind="stable")
    youth_prefs = np.where(np.take_along_axis(feasible, youth_prefs, 1), youth_prefs, -1)
    mentor_prefs = np.where(feasible, -weight, np.inf).T.argsort(axis=1, kind="stable")
    mentor_prefs = np.where(np.take_along_axis(feasible.T, mentor_prefs, 1), mentor_prefs, -1)
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "instance.npz", Path(tmp) / "out.npz"
        np.savez(source, youth_prefs=youth_prefs, mentor_prefs=mentor_prefs, capacity=instance.capacity)
        subprocess.run([str(python), str(Path(__file__).with_name("peer_hr.py")), str(source), str(out)], check=True)
        result = np.load(out)
        return result["mentor_of"], float(result["seconds"]), int(result["peak"])


def evaluate(instance: Instance, mentor_of: np.ndarray) -> dict:
    matched = mentor_of >= 0
    similarity = np.full(instance.n, np.nan)
    violations = 0
    for rows in np.array_split(np.flatnonzero(matched), max(1, matched.sum() // 2048)):
        if len(rows):
            block = instance.rows(rows)
            similarity[rows] = block[np.arange(len(rows)), mentor_of[rows]]
    violations += int((~np.isfinite(similarity[matched])).sum())
    load = np.bincount(mentor_of[matched], minlength=instance.m)
    violations += int(np.maximum(load - instance.capacity, 0).sum())
    finite = matched & np.isfinite(similarity)
    return {
        "similarity": float(similarity[finite].sum()),
        "objective": float(similarity[finite].sum() + instance.bonus[finite].sum()),
        "matched": int(matched.sum()),
        "violations": violations,
        "blocking": count_blocking_pairs(instance.rows, mentor_of, similarity, instance.capacity),
    }


METHODS = {
    "ours": "ours (grouped top-k + reserve, OR-Tools flow, duality check)",
    "scipy": "scipy linear_sum_assignment on slots (exact)",
    "ortools": "OR-Tools SimpleMinCostFlow, all feasible arcs (exact)",
    "baseline": "score() + OR-Tools flow, timed end to end (exact)",
    "greedy": "greedy by descending weight",
}


def make_instance(population: str, args: argparse.Namespace, with_model: bool = True) -> Instance:
    if population == "vectors":
        return vector_instance(args.youth, args.mentors, args.capacity, args.seed)
    return realistic_instance(args.youth, args.mentors, args.capacity, args.seed, with_model, args.model)


def worker(args: argparse.Namespace) -> None:
    """Run one method ``--repeat`` times in this process; save its result, times and peak RSS.

    A reference method that would exceed the bench's limits saves why it was skipped instead.
    """
    method = args.worker
    instance = make_instance(args.population, args, with_model=method != "ours")
    if method == "ours":
        run = instance.run_ours
    else:
        n, slots = instance.n, int(instance.capacity.sum())
        if method == "baseline" and instance.name != "realistic":
            np.savez(args.out, skipped="score() applies to the realistic population only")
            return
        if method == "scipy" and 2 * 8 * n * slots > LSA_MEMORY_LIMIT:
            skip = f"{n} x {slots} slots would need > {LSA_MEMORY_LIMIT / 1e9:.0f} GB"
            np.savez(args.out, skipped=skip)
            return
        weight = instance.dense()
        arcs = int(np.isfinite(weight).sum())
        if method != "scipy" and arcs > ORTOOLS_ARC_LIMIT:
            np.savez(args.out, skipped=f"{arcs:,} arcs is above the {ORTOOLS_ARC_LIMIT:,} limit of this bench")
            return
        solver = {"scipy": scipy_slots, "ortools": ortools_flow, "greedy": greedy, "baseline": score_then_ortools}[method]

        def run():
            return solver(instance, weight), {"arcs": arcs}

    # Loaded before the clock starts, as in a worker that has run matching before: the engine
    # imports scikit-learn when it first vectorizes text.
    import sklearn.feature_extraction.text  # noqa: F401
    import sklearn.utils.extmath  # noqa: F401

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times, cpu = [], []
    for _ in range(args.repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        mentor_of, stages = run()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stage_names = sorted(stages)
    np.savez(
        args.out,
        mentor_of=mentor_of,
        times=np.array(times),
        cpu=np.array(cpu),
        rss_before=rss_before * 1024,
        peak=peak * 1024,
        stage_names=np.array(stage_names, dtype=str),
        stage_seconds=np.array([stages[k] for k in stage_names]),
    )


def in_subprocess(method: str, population: str, args: argparse.Namespace, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.npz"
        command = [
            sys.executable, __file__, "--worker", method, "--population", population, "--out", str(out),
            "--youth", str(args.youth), "--mentors", str(args.mentors), "--capacity", str(args.capacity),
            "--seed", str(args.seed), "--repeat", str(repeat),
        ] + (["--model", str(args.model)] if args.model else [])  # fmt: skip
        subprocess.run(command, check=True)
        with np.load(out) as data:
            result = {key: data[key] for key in data.files}
    if "skipped" in result:
        return {"skipped": str(result["skipped"])}
    result["seconds"] = float(np.median(result["times"]))
    result["cpu_seconds"] = float(np.median(result["cpu"]))
    result["stages"] = dict(zip(result["stage_names"].tolist(), result["stage_seconds"].tolist()))
    return result


def run_methods(population: str, args: argparse.Namespace) -> dict:
    """Every method's worker result for one population, method name -> result."""
    return {
        method: in_subprocess(method, population, args, args.repeat if method != "greedy" else 1)
        for method in METHODS
        if method in args.methods.split(",")
    }


def report(instance: Instance, results: dict, args: argparse.Namespace) -> None:
    n, m, repeat = instance.n, instance.m, args.repeat
    print(f"\n## {instance.name}: {n} youth x {m} mentors, {int(instance.capacity.sum())} free places")
    rows, reference = [], None
    for method, result in results.items():
        if "skipped" in result:
            print(f"  skipped {METHODS[method]}: {result['skipped']}")
            continue
        label = METHODS[method]
        if method == "ortools":
            label = label.replace("all feasible arcs", f"all {int(result['stages']['arcs']):,} arcs")
        if method in ("ortools", "baseline"):
            # The end-to-end baseline, when it ran, is the reference for time.
            reference = result["seconds"] if method == "baseline" or reference is None else reference
        rows.append((label, result["mentor_of"], result["seconds"], result["rss_before"], result["peak"]))
        print(f"  {label}: wall s per run {', '.join(f'{t:.2f}' for t in result['times'])}; "
              f"median CPU s (all threads) {result['cpu_seconds']:.2f}")
        if method == "ours":
            stages = ", ".join(f"{k} {v:.3f}" for k, v in result["stages"].items())
            print(f"  ours, stages of the last run (s): {stages}")
    if n <= PEER_YOUTH_LIMIT:
        weight = instance.dense()
        peer_times, peer_of, peer_peak = [], None, 0
        for _ in range(repeat):
            peer_of, peer_seconds, peer_peak = peer_hr(instance, weight)
            peer_times.append(peer_seconds)
        rows.append(("`matching` 1.4.3 HR youth-optimal (peer)", peer_of, statistics.median(peer_times), None, peer_peak))
    else:
        print(f"  skipped the `matching` peer above {PEER_YOUTH_LIMIT} youth (it takes minutes)")
    scored = [(label, evaluate(instance, of), sec, before, peak) for label, of, sec, before, peak in rows]
    best = max(s["objective"] for _, s, *_ in scored)
    exact = [s["objective"] for label, s, *_ in scored if "(exact)" in label]
    ours = [(s, sec) for label, s, sec, *_ in scored if label == METHODS["ours"]]
    if ours:
        quality = f"{ours[0][0]['objective'] / max(exact):.6f}" if exact else "- (no exact solver ran)"
        speed = f"{ours[0][1] / reference:.3f}" if reference else "- (no baseline ran)"
        print(f"  ours / exact objective: {quality}; hard-rule and capacity violations: {ours[0][0]['violations']}; "
              f"ours / baseline time: {speed}")
    print(f"  {'method':<62} {'objective':>10} {'similarity':>10} {'% opt':>7} {'matched':>7} "
          f"{'blocking':>8} {'viol.':>5} {'time s':>8} {'x base':>6} {'RSS MB':>7} {'(before)':>8}")
    for label, s, sec, before, peak in scored:
        ratio = f"{sec / reference:6.2f}" if reference else f"{'-':>6}"
        start = f"{before / 2**20:8.0f}" if before is not None else f"{'-':>8}"
        print(f"  {label:<62} {s['objective']:10.4f} {s['similarity']:10.2f} {100 * s['objective'] / best:7.2f} "
              f"{s['matched']:7d} {s['blocking']:8d} {s['violations']:5d} {sec:8.3f} {ratio} {peak / 2**20:7.0f} {start}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--youth", type=int, default=1000)
    parser.add_argument("--mentors", type=int, default=100)
    parser.add_argument("--capacity", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--population", choices=("vectors", "realistic", "both"), default="both")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated subset of " + ", ".join(METHODS))
    parser.add_argument("--model", type=Path, help="score `realistic` with this learned model (JSON, "
                        "e.g. from bench/learning.py --save-model)")
    parser.add_argument("--worker", choices=tuple(METHODS), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    zip_centroids(["95814"])  # load the ZIP table once, outside every timing
    if args.worker:
        worker(args)
        return
    populations = [p for p in ("vectors", "realistic") if args.population in (p, "both")]
    # Linux carries a process's peak RSS over fork and exec, so every worker
    # starts while this process is still small (imports only) and reports that as its floor.
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results = {population: run_methods(population, args) for population in populations}
    print(f"bench/engine.py --youth {args.youth} --mentors {args.mentors} --capacity {args.capacity} "
          f"--repeat {args.repeat}{f' --model {args.model}' if args.model else ''}\n(time = median of {args.repeat} runs; RSS MB = peak RSS of the method's own "
          f"process by getrusage, instance included, floor {floor:.0f} MB from the launching process; "
          f"(before) = the same just before the first run)")
    for population in populations:
        report(make_instance(population, args), results[population], args)


if __name__ == "__main__":
    main()
