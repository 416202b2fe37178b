"""learn_weights on synthetic outcomes, and the command line on small CSV files."""

import csv
import re
import subprocess
import sys

import numpy as np
import pytest

from matching import MatchConfig, learn_weights
from matching.features import FeatureModel
from matching.synthetic import synthetic_mentors, synthetic_youth


def test_learned_weights_find_the_factor_that_predicts_outcomes():
    youth, mentors = synthetic_youth(300, seed=5), synthetic_mentors(60, seed=6)
    rng = np.random.default_rng(0)
    pairs = [(youth[i].id, mentors[j].id) for i, j in zip(rng.integers(0, 300, 600), rng.integers(0, 60, 600))]
    model = FeatureModel(youth, mentors, MatchConfig())
    rows = np.array([model.youth_index[y] for y, _ in pairs])
    cols = np.array([model.mentor_index[m] for _, m in pairs])
    availability = model.factor_pairs(rows, cols)[:, 3]
    outcomes = (availability + rng.normal(0, 0.1, len(pairs)) > np.median(availability)).astype(int)

    config, report = learn_weights(youth, mentors, pairs, outcomes, MatchConfig(), cv=5, random_state=0)
    assert report.auc_learned > report.auc_default
    assert report.auc_learned > 0.8
    assert report.weights_after["availability"] > report.weights_before["availability"]
    assert sum(config.weights.values()) == pytest.approx(1.0)
    assert min(config.weights.values()) >= 0.0
    assert report.n_pairs == 600 and report.n_positive == int(outcomes.sum())
    assert set(report.to_dict()) >= {"auc_learned", "auc_default", "weights_before", "weights_after"}


def test_learn_weights_refuses_unknown_ids_and_bad_outcomes():
    youth, mentors = synthetic_youth(5, seed=1), synthetic_mentors(2, seed=2)
    with pytest.raises(ValueError):
        learn_weights(youth, mentors, [("nobody", "m0")] * 10, [0, 1] * 5, cv=2)
    with pytest.raises(ValueError):
        learn_weights(youth, mentors, [("y0", "m0")] * 4, [0, 1, 2, 1], cv=2)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "matching", *args], capture_output=True, text=True, check=False)


def test_cli_help_documents_the_csv_format():
    done = run_cli("--help")
    assert done.returncode == 0
    assert "semicolon" in done.stdout
    assert "propose" in done.stdout and "bench" in done.stdout


def test_cli_proposes_from_csv_files(tmp_path):
    youth_csv, mentors_csv, out_csv = tmp_path / "y.csv", tmp_path / "m.csv", tmp_path / "out.csv"
    youth_csv.write_text(
        "id,age,gender,languages,interests,text,slots,zip,programs,mentor_gender_preference,"
        "required_language,max_travel_miles,days_waiting\n"
        "ana,15,female,English;Spanish,robotics;K9,forensics career,tue-evening;thu-evening,95814,explorers,,,,30\n"
        "ben,16,male,English,soccer,college,sat-morning,95823,explorers,,Hmong,15,10\n"
    )
    mentors_csv.write_text(
        "id,age,gender,languages,interests,text,slots,zip,programs,capacity,active_mentees,cleared,"
        "youth_experience_years\n"
        "lee,40,female,English;Spanish,robotics;K9,forensics detective,tue-evening;thu-evening,95816,explorers,2,0,true,5\n"
    )
    done = run_cli("propose", "--youth", str(youth_csv), "--mentors", str(mentors_csv), "--out", str(out_csv))
    assert done.returncode == 0, done.stderr
    with out_csv.open() as handle:
        rows = list(csv.DictReader(handle))
    assert {r["youth_id"]: r["mentor_id"] for r in rows} == {"ana": "lee", "ben": ""}
    assert "Both into K9 and robotics" in rows[0]["reasons"]
    assert "Hmong" in rows[1]["reasons"]


def test_cli_reports_a_bad_profile_by_field_and_id(tmp_path):
    youth_csv, mentors_csv = tmp_path / "y.csv", tmp_path / "m.csv"
    youth_csv.write_text("id,age\nana,old\n")
    mentors_csv.write_text("id,capacity\nlee,1\n")
    done = run_cli("propose", "--youth", str(youth_csv), "--mentors", str(mentors_csv))
    assert done.returncode == 2
    assert "ana" in done.stderr and "age" in done.stderr


def write_profiles(path, profiles, columns):
    """Profiles in the engine's CSV format: sets joined by semicolons, unknowns empty."""

    def cell(value):
        if isinstance(value, frozenset):
            return ";".join(sorted(value))
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else value

    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([cell(getattr(p, c)) for c in columns] for p in profiles)


def test_the_learning_bench_scores_held_out_halves_of_pairs_kept_in_files(tmp_path):
    from matching.csvio import MENTOR_COLUMNS, YOUTH_COLUMNS
    from tests.unit.matching.test_matching_learned import planted_history

    youth, mentors, pairs, outcomes = planted_history()
    write_profiles(tmp_path / "y.csv", youth, YOUTH_COLUMNS)
    write_profiles(tmp_path / "m.csv", mentors, MENTOR_COLUMNS)
    with open(tmp_path / "p.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("youth_id", "mentor_id", "outcome"), *[(*p, o) for p, o in zip(pairs, outcomes)]])

    bench = [sys.executable, "bench/learning.py", "--cv", "3"]
    files = ["--youth", str(tmp_path / "y.csv"), "--mentors", str(tmp_path / "m.csv"), "--pairs", str(tmp_path / "p.csv")]
    done = subprocess.run([*bench, *files], capture_output=True, text=True, check=False, timeout=900)
    assert done.returncode == 0, done.stderr
    assert f"## files: {len(pairs)} pairs, {outcomes.sum()} positive" in done.stdout
    rows = re.findall(r"^ +(\S.*?) +([01]\.\d{3}) +([01]\.\d{3}) +([01]\.\d{3})$",
                      done.stdout.split("held-out halves")[1], re.MULTILINE)
    table = {label: [float(one), float(two), float(mean)] for label, one, two, mean in rows}
    assert set(table) == {
        "TF-IDF baseline", "default config", "re-weighted factors", "learned model",
        "logistic regression, simple set features (reference)",
        "gradient-boosted trees, simple set features (reference)",
        "gradient-boosted trees, all numeric pair features (reference)",
    }  # fmt: skip
    for one, two, mean in table.values():
        assert mean == pytest.approx((one + two) / 2, abs=0.001)
    # Outcomes here follow coverage of the youth's interests and the mentor's record, which the
    # learned model reads and the default weights do not weigh: it must do better on both halves.
    learned, default = table["learned model"], table["default config"]
    assert learned[0] > default[0] and learned[1] > default[1]

    half_given = subprocess.run([*bench, *files[:2]], capture_output=True, text=True, check=False, timeout=300)
    assert half_given.returncode == 2 and "--youth, --mentors and --pairs go together" in half_given.stderr
