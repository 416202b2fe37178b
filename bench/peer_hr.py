"""Run daffidwilde's ``matching`` (PyPI 1.4.3) hospital/residents game on an instance file.

Executed by the interpreter of a separate virtualenv, because that package's
import name clashes with ours. Reads preference lists from an .npz file and
writes the resulting mentor index per youth, the solve time and the process's peak RSS.
"""

import resource
import sys
import time

import numpy as np
from matching.games import HospitalResident

# The package deep-copies its players recursively (PEERS.md).
sys.setrecursionlimit(10_000)


def main(instance: str, out: str) -> None:
    data = np.load(instance)
    youth_prefs, mentor_prefs, capacity = data["youth_prefs"], data["mentor_prefs"], data["capacity"]
    started = time.perf_counter()
    # The package needs every player to rank someone: leave out the ones who cannot be matched.
    hospitals = {
        j: [int(i) for i in row if i >= 0] for j, row in enumerate(mentor_prefs) if capacity[j] > 0 and row[0] >= 0
    }
    residents = {i: [int(j) for j in row if j in hospitals] for i, row in enumerate(youth_prefs)}
    residents = {i: prefs for i, prefs in residents.items() if prefs}
    hospitals = {j: [i for i in prefs if i in residents] for j, prefs in hospitals.items()}
    hospitals = {j: prefs for j, prefs in hospitals.items() if prefs}
    residents = {i: [j for j in prefs if j in hospitals] for i, prefs in residents.items()}
    game = HospitalResident.create_from_dictionaries(residents, hospitals, {j: int(capacity[j]) for j in hospitals})
    solution = game.solve(optimal="resident")
    mentor_of = np.full(len(youth_prefs), -1)
    for hospital, matched in solution.items():
        for resident in matched:
            mentor_of[resident.name] = hospital.name
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    np.savez(out, mentor_of=mentor_of, seconds=seconds, peak=peak)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
