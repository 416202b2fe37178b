"""How well each way of scoring predicts real pair outcomes: ROC AUC under mentor-grouped cross-validation.

For each data set (``bench/datasets.py``): real speed-dating encounters, and a
synthetic program history with a planted coverage effect and a planted
track-record effect. Rows of the table:

* ``TF-IDF baseline``: cosine of TF-IDF vectors of all of a pair's words
  (interests and free text), no training;
* ``default config``: :func:`matching.score` with today's weights;
* ``re-weighted factors``: the six factors re-weighted by :func:`matching.learn_weights`;
* ``learned model``: the additive outcome model of :func:`matching.learn_weights`;
* ``EBM`` (with ``--ebm``, when ``interpret`` is importable): an Explainable
  Boosting Machine on the same numeric pair features, same folds -- the
  alternative the learned model was chosen against.

AUCs are means over the same mentor-grouped folds. ``fit s`` is the time of
``learn_weights`` (its nested cross-validation, final fit and report
included); ``score s`` the time of :func:`matching.score` on the whole cohort.

After the table, ``held-out halves`` measures a model on mentors it never saw: the
mentors are split at random into two halves, :func:`matching.learn_weights`
is fitted on the pairs of one half and the pairs of the other are scored as
:func:`matching.score` scores them, then the halves swap. Three references are
fitted on the same halves, outside the engine: logistic regression and
gradient-boosted trees on the simple set features (overlap counts, Jaccard,
coverage both ways, how many items each side lists), and trees on all the
numeric pair features the learned model reads (its tag features aside). The
learned model is meant to beat the trees with every score still explainable.

Labelled pairs kept in files are read with ``--youth``, ``--mentors`` and
``--pairs``: profiles in the engine's CSV format (``python -m matching
--help``) and pairs with the columns ``youth_id``, ``mentor_id``, ``outcome``.

``--text`` chooses the free-text features learning may use, to measure what
character n-grams add: ``both`` (the engine's: ``text_similarity`` and
``text_char_similarity``), ``words`` (word TF-IDF only, as before character
n-grams), ``chars`` (character n-grams only) or ``mean`` (one feature, the mean
of the two cosines). A left-out feature is held at 0, which learning drops as
a feature that never varies. The choice changes what learning reads, not the
engine: a model saved with ``mean`` would be scored on the word cosine.

    .venv/bin/python bench/learning.py
    .venv/bin/python bench/learning.py --text words
    .venv/bin/python bench/learning.py --youth y.csv --mentors m.csv --pairs p.csv
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from datasets import from_files, planted, speed_dating  # noqa: E402

import matching.learning  # noqa: E402
from matching import MatchConfig, learn_weights, score  # noqa: E402
from matching.features import FeatureModel  # noqa: E402
from matching.pairfeatures import NUMERIC_FEATURES, SETS, numeric_values  # noqa: E402

DATA_SETS = {"speed-dating": speed_dating, "planted": planted}


TEXT_CHOICES = ("both", "words", "chars", "mean")


def use_text_features(choice: str) -> None:
    """Make learning read only the free-text features ``choice`` names (see the module docstring)."""
    if choice == "both":
        return
    names = [spec.name for spec in NUMERIC_FEATURES]
    words, chars = names.index("text_similarity"), names.index("text_char_similarity")

    def chosen(*args, **kwargs):
        values = numeric_values(*args, **kwargs)
        if choice == "mean":
            values[:, words] = 0.5 * (values[:, words] + values[:, chars])
        values[:, chars if choice in ("words", "mean") else words] = 0.0
        return values

    matching.learning.numeric_values = chosen


def tfidf_scores(youth, mentors, pairs) -> np.ndarray:
    words = {p.id: " ".join(sorted(p.interests)) + " " + p.text for p in [*youth, *mentors]}
    vectors = TfidfVectorizer(sublinear_tf=True).fit(list(words.values()))
    left = vectors.transform([words[y] for y, _ in pairs])
    right = vectors.transform([words[m] for _, m in pairs])
    return np.asarray(left.multiply(right).sum(axis=1)).ravel()


def fold_mean_auc(y: np.ndarray, scores: np.ndarray, folds: list) -> float:
    return float(np.mean([roc_auc_score(y[test], scores[test]) for _, test in folds]))


def pair_index(cohort: FeatureModel, pairs) -> tuple[np.ndarray, np.ndarray]:
    """Each pair's youth row and mentor column in `cohort`."""
    return (np.array([cohort.youth_index[a] for a, _ in pairs]),
            np.array([cohort.mentor_index[b] for _, b in pairs]))


def ebm_auc(youth, mentors, pairs, y, folds) -> tuple[float, float]:
    from interpret.glassbox import ExplainableBoostingClassifier

    cohort = FeatureModel(youth, mentors, MatchConfig())
    rows, cols = pair_index(cohort, pairs)
    started = time.perf_counter()
    aucs = []
    for train, test in folds:
        features = numeric_values(cohort, rows, cols, float(y[train].mean()))
        model = ExplainableBoostingClassifier(interactions=0, random_state=0, n_jobs=2)
        model.fit(features[train], y[train])
        aucs.append(roc_auc_score(y[test], model.predict_proba(features[test])[:, 1]))
    return float(np.mean(aucs)), time.perf_counter() - started


SIMPLE_MEASURES = ("shared", "jaccard", "youth_covered", "mentor_covered", "youth_count", "mentor_count")
SIMPLE_COLUMNS = [c for c, spec in enumerate(NUMERIC_FEATURES)
                  if any(spec.name == f"{group}_{measure}" for group in SETS for measure in SIMPLE_MEASURES)]


def cohort_of(youth, mentors, pairs) -> tuple[list, list]:
    """The profiles that appear in `pairs`, each once."""
    youth_ids, mentor_ids = {y for y, _ in pairs}, {m for _, m in pairs}
    return [y for y in youth if y.id in youth_ids], [m for m in mentors if m.id in mentor_ids]


def pair_scores(youth, mentors, pairs, config) -> np.ndarray:
    """Each pair's entry of `score(youth, mentors, config).similarity`, without the whole matrix."""
    cohort = FeatureModel(youth, mentors, config)
    return np.clip(cohort.factor_pairs(*pair_index(cohort, pairs)) @ cohort.weights, 0.0, 1.0)


def pair_features(youth, mentors, pairs, config) -> np.ndarray:
    """The learned model's numeric pair features (the mentor's track record against a prior of 0)."""
    cohort = FeatureModel(youth, mentors, config)
    return numeric_values(cohort, *pair_index(cohort, pairs), 0.0)


def held_out_halves(youth, mentors, pairs, y, groups, config, cv: int, seed: int) -> None:
    """Fit on the pairs of one half of the mentors, score the other half's; then the other way."""
    mentor_ids = np.unique(groups)
    np.random.default_rng(seed).shuffle(mentor_ids)
    first = np.isin(groups, mentor_ids[: len(mentor_ids) // 2])
    features = pair_features(youth, mentors, pairs, config)
    references = {  # label: (model, feature columns)
        "logistic regression, simple set features": (LogisticRegression(max_iter=2000), SIMPLE_COLUMNS),
        "gradient-boosted trees, simple set features": (HistGradientBoostingClassifier(random_state=seed), SIMPLE_COLUMNS),
        "gradient-boosted trees, all numeric pair features": (HistGradientBoostingClassifier(random_state=seed),
                                                              slice(None)),
    }
    table: dict[str, list[float]] = {}
    fit_seconds = []
    for train, test in ((first, ~first), (~first, first)):
        train_at, test_at = np.flatnonzero(train), np.flatnonzero(test)
        train_pairs, test_pairs = [pairs[k] for k in train_at], [pairs[k] for k in test_at]
        started = time.perf_counter()
        learned, _ = learn_weights(*cohort_of(youth, mentors, train_pairs), train_pairs, y[train_at], config,
                                   cv=cv, random_state=seed)
        fit_seconds.append(time.perf_counter() - started)
        scored = cohort_of(youth, mentors, test_pairs)
        scores = {
            "TF-IDF baseline": tfidf_scores(*scored, test_pairs),
            "default config": pair_scores(*scored, test_pairs, config),
            "re-weighted factors": pair_scores(*scored, test_pairs, replace(learned, model=None)),
            "learned model": pair_scores(*scored, test_pairs, learned),
        }
        for label, (model, columns) in references.items():
            model.fit(features[train_at][:, columns], y[train_at])
            scores[f"{label} (reference)"] = model.predict_proba(features[test_at][:, columns])[:, 1]
        for label, values in scores.items():
            table.setdefault(label, []).append(roc_auc_score(y[test_at], values))
    sizes = int(first.sum()), int((~first).sum())
    print(f"  held-out halves (mentors split at random, seed {seed}; {sizes[0]:,} and {sizes[1]:,} pairs):"
          f" fit on one, ROC AUC on the other, both ways")
    print(f"    {'method':<64} {'1 -> 2':>7} {'2 -> 1':>7} {'mean':>7}")
    for label, (one, two) in table.items():
        print(f"    {label:<64} {one:7.3f} {two:7.3f} {(one + two) / 2:7.3f}")
    print(f"    learn_weights: {fit_seconds[0]:.1f} s and {fit_seconds[1]:.1f} s")


def run(name: str, args: argparse.Namespace) -> None:
    if name == "files":
        youth, mentors, pairs, y, groups = from_files(args.youth, args.mentors, args.pairs)
    else:
        youth, mentors, pairs, y, groups = DATA_SETS[name]()
    config = MatchConfig(require_shared_slot=False)
    splitter = StratifiedGroupKFold(n_splits=args.cv, shuffle=True, random_state=args.seed)
    folds = list(splitter.split(np.zeros(len(y)), y, groups))

    started = time.perf_counter()
    learned_config, report = learn_weights(youth, mentors, pairs, y, config, cv=args.cv, random_state=args.seed)
    fit_seconds = time.perf_counter() - started
    if args.save_model and name == "planted":
        args.save_model.write_text(json.dumps(learned_config.model.to_dict(), indent=1))
    timings = {}
    for label, scoring in (("default", config), ("learned", learned_config)):
        started = time.perf_counter()
        score(youth, mentors, scoring)
        timings[label] = time.perf_counter() - started

    rows = [
        ("TF-IDF baseline", fold_mean_auc(y, tfidf_scores(youth, mentors, pairs), folds), "-", "-"),
        ("default config", report.auc_default, "-", f"{timings['default']:.2f}"),
        ("re-weighted factors", report.auc_reweighted, "(in fit)", f"{timings['default']:.2f}"),
        ("learned model", report.auc_learned, f"{fit_seconds:.1f}", f"{timings['learned']:.2f}"),
    ]
    if args.ebm:
        auc, seconds = ebm_auc(youth, mentors, pairs, y, folds)
        rows.append(("EBM, same features (interpret-core)", auc, f"{seconds:.1f}", "-"))
    print(f"\n## {name}: {len(y):,} pairs, {int(y.sum()):,} positive, {len(youth)} youth, "
          f"{report.n_mentors} mentors, {report.folds} mentor-grouped folds")
    print(f"  {'method':<38} {'ROC AUC':>8} {'fit s':>9} {'score s':>8}")
    for label, auc, fit, scoring in rows:
        print(f"  {label:<38} {auc:8.3f} {fit:>9} {scoring:>8}")
    print(f"  per fold (learned / current): "
          + ", ".join(f"{f['learned']:.3f}/{f['current']:.3f}" for f in report.fold_aucs))
    print(f"  Brier: learned {report.brier_learned:.4f}, base rate {report.brier_base_rate:.4f}; penalty {report.penalty:g}; "
          f"model {report.model_id}, {len(learned_config.model.features)} features")
    print("  calibration (held-out): predicted -> observed [90% interval], pairs")
    for row in report.calibration:
        print(f"    {row.mean_predicted:5.2f} -> {row.observed:5.2f} [{row.observed_low:.2f}, {row.observed_high:.2f}]  {row.pairs}")
    print("  strongest shapes (mean |log-odds| contribution): feature: points -> contributions")
    for shape in report.shapes[: args.shapes]:
        points = ", ".join(f"{p:g}" if not isinstance(p, str) else p for p in shape.points[:8])
        values = ", ".join(f"{v:+.2f}" for v in shape.contributions[:8])
        print(f"    {shape.feature} ({shape.importance:.3f}): [{points}] -> [{values}]")
    print("  fairness: group, pairs, mean score current/learned, AUC current/learned, proposal rate current/learned")
    for row in report.fairness:
        auc = lambda v: "  -  " if v is None else f"{v:.3f}"  # noqa: E731
        print(f"    {row.attribute}={row.group:<12} {row.pairs:6d}  {row.mean_score_current:.3f}/{row.mean_score_learned:.3f}"
              f"  {auc(row.auc_current)}/{auc(row.auc_learned)}  {row.proposal_rate_current:.2f}/{row.proposal_rate_learned:.2f}")
    held_out_halves(youth, mentors, pairs, y, groups, config, args.cv, args.seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", choices=(*DATA_SETS, "both"), default="both")
    parser.add_argument("--cv", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shapes", type=int, default=6, help="strongest shapes to print")
    parser.add_argument("--ebm", action="store_true", help="also fit an EBM (needs interpret-core importable)")
    parser.add_argument("--save-model", type=Path, help="write the planted data set's learned model here (JSON)")
    parser.add_argument("--text", choices=TEXT_CHOICES, default="both", help="free-text features learning may use")
    parser.add_argument("--youth", type=Path, help="youth profiles (CSV) of labelled pairs kept in files")
    parser.add_argument("--mentors", type=Path, help="mentor profiles (CSV) of those pairs")
    parser.add_argument("--pairs", type=Path, help="the pairs (CSV: youth_id, mentor_id, outcome)")
    args = parser.parse_args()
    files = (args.youth, args.mentors, args.pairs)
    if any(files) and not all(files):
        parser.error("--youth, --mentors and --pairs go together")
    use_text_features(args.text)
    print(f"bench/learning.py --cv {args.cv} --seed {args.seed} --text {args.text}{' --ebm' if args.ebm else ''}")
    for name in ["files"] if all(files) else DATA_SETS if args.data == "both" else [args.data]:
        run(name, args)


if __name__ == "__main__":
    main()
