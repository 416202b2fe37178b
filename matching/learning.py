"""Learn what makes matches last from a program's own closed matches, and report it honestly.

:func:`learn_weights` fits two things to past pairs and their outcomes (1 = the
match lasted 12 months, 0 = it closed early):

* the **outcome model** -- an additive model over the pair features of
  :mod:`matching.pairfeatures` (:mod:`matching.fit`; stored as plain data,
  :mod:`matching.additive`). The returned config carries it, so :func:`matching.score`
  and :func:`matching.propose` score with it and every score still splits
  exactly into reasons;
* the six factor **weights**, as before: a logistic regression on the factor
  similarities with coefficients clipped at 0 and normalised to sum 1, kept so
  a coordinator can still compare weights.

Honest measurement
------------------
Every figure of the :class:`LearnReport` comes from cross-validation grouped by
mentor (scikit-learn's ``StratifiedGroupKFold``): all of one mentor's pairs sit
on the same side of a split, so the model is always judged on mentors it has not
seen. Inside each training part, the penalty is chosen by a further grouped
split, and the track-record prior is that part's own rate of lasting matches,
so no figure sees its test outcomes. The current config and the re-weighted
factors are scored on the same folds. Calibration (Brier score, reliability
table) and the fairness table use the same out-of-fold predictions.

Fairness
--------
For each youth gender, language and age band: pairs, how many lasted, mean
score and AUC with the current config and with the learned model, and the share
of the group's youth that :func:`matching.propose` would match now with each
(the given youth and mentors, the config's rules), so an admin sees whether
adopting the model shifts who gets matched.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace

import numpy as np

from matching.additive import FORMAT, AdditiveModel, wilson_interval
from matching.config import FACTORS, MatchConfig
from matching.features import FeatureModel
from matching.fit import PairTable, calibration_table, fit_additive, fit_additive_path, predict_logit
from matching.pairfeatures import FEATURE_LABELS, NUMERIC_FEATURES, SPECS, numeric_values, tag_matrices, track_record
from matching.profiles import Mentor, ProfileError, Youth, check_unique_ids

PENALTIES = (3e-2, 1e-2, 1e-3)
"""L2 penalties tried for the outcome model, largest first (each fit warm-starts the next);
each training part picks one by a grouped split."""
INNER_FOLDS = 3
AGE_BANDS = ((0, 13, "under 14"), (14, 15, "14-15"), (16, 17, "16-17"), (18, 20, "18-20"), (21, 200, "21 and over"))
TRACK_RECORD_COLUMN = [spec.name for spec in NUMERIC_FEATURES].index("mentor_track_record")


@dataclass(frozen=True)
class ShapeTable:
    """One learned feature as an admin reads it.

    For a numeric feature, ``points`` are the knots and ``contributions`` the
    log-odds contribution at each (straight lines between, flat beyond);
    ``missing`` is the contribution when the value is unknown. For a tag
    feature, ``points`` are the tags and ``contributions`` their weights.
    ``importance`` is the mean absolute contribution over the training pairs.
    """

    feature: str
    label: str
    kind: str
    monotone: int
    points: list
    contributions: list
    missing: float | None
    importance: float

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class CalibrationRow:
    """Held-out pairs whose predicted chance of lasting fell in ``[predicted_low, predicted_high)``."""

    predicted_low: float
    predicted_high: float
    mean_predicted: float
    pairs: int
    lasted: int
    observed: float
    observed_low: float
    observed_high: float

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class FairnessRow:
    """One group of youth (``attribute`` = ``group``), with the current config and with the learned model.

    AUCs are None where the group's pairs all had the same outcome, mean scores
    where the group has no pairs.
    """

    attribute: str
    group: str
    youth: int
    pairs: int
    lasted: int
    mean_score_current: float | None
    mean_score_learned: float | None
    auc_current: float | None
    auc_learned: float | None
    proposal_rate_current: float
    proposal_rate_learned: float

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class LearnReport:
    """What :func:`learn_weights` found, as plain data (``to_dict()`` is JSON-ready).

    ``auc_learned`` is the learned outcome model's, ``auc_default`` the current
    config's and ``auc_reweighted`` the re-weighted six factors', all means over
    the same mentor-grouped folds (per fold in ``fold_aucs``).
    """

    auc_learned: float
    auc_default: float
    n_pairs: int
    n_positive: int
    weights_before: dict
    weights_after: dict
    auc_reweighted: float = float("nan")
    fold_aucs: list = None
    n_mentors: int = 0
    folds: int = 0
    brier_learned: float = float("nan")
    brier_base_rate: float = float("nan")
    calibration: list = None
    shapes: list = None
    fairness: list = None
    penalty: float = float("nan")
    model_id: str = ""
    model_format: str = FORMAT
    fit_seconds: float = 0.0

    def to_dict(self) -> dict:
        data = {key: getattr(self, key) for key in self.__dataclass_fields__}
        for key in ("calibration", "shapes", "fairness"):
            data[key] = [row.to_dict() for row in (getattr(self, key) or [])]
        return data


# scikit-learn is imported where it is used, here and in features.py and pairfeatures.py: a web
# process that never learns or vectorizes then starts without it (about 2 s less, with the SciPy
# statistics and pandas it brings, and their memory).


def _roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score))


def _fit_weights(features: np.ndarray, outcomes: np.ndarray, random_state: int) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(random_state=random_state, max_iter=1000)
    model.fit(features, outcomes)
    return np.clip(model.coef_.ravel(), 0.0, None)


def _auc(y: np.ndarray, score: np.ndarray) -> float | None:
    return _roc_auc(y, score) if 0 < y.sum() < len(y) else None


def _with_prior(table: PairTable, cohort: FeatureModel, cols: np.ndarray, prior: float) -> PairTable:
    """The same pairs with the track-record feature computed from ``prior``."""
    numeric = table.numeric.copy()
    numeric[:, TRACK_RECORD_COLUMN] = track_record(cohort.matches_lasted[cols], cohort.matches_closed_early[cols], prior)
    return PairTable(numeric, table.tags, table.tag_names)


def _folds(y: np.ndarray, groups: np.ndarray, splits: int, random_state: int) -> list:
    from sklearn.model_selection import StratifiedGroupKFold

    splitter = StratifiedGroupKFold(n_splits=splits, shuffle=True, random_state=random_state)
    return [(train, test) for train, test in splitter.split(np.zeros(len(y)), y, groups) if 0 < y[test].sum() < len(test)]


def _choose_penalty(table: PairTable, y: np.ndarray, groups: np.ndarray, prior: float, random_state: int) -> float:
    """The penalty with the best mean AUC over a grouped split of this training part."""
    splits = min(INNER_FOLDS, len(np.unique(groups)))
    folds = _folds(y, groups, splits, random_state) if splits >= 2 else []
    if not folds:
        return PENALTIES[1]
    aucs = np.zeros((len(folds), len(PENALTIES)))
    for f, (train, test) in enumerate(folds):
        path = fit_additive_path(table.take(train), y[train], prior, PENALTIES)
        aucs[f] = [_roc_auc(y[test], predict_logit(model, table.take(test))) for model in path]
    return PENALTIES[int(np.argmax(aucs.mean(axis=0)))]


def _shape_tables(model: AdditiveModel, table: PairTable) -> list[ShapeTable]:
    column = {spec.name: f for f, spec in enumerate(NUMERIC_FEATURES)}
    rows = []
    for shape in model.shapes:
        contribution = shape.evaluate(table.numeric[:, column[shape.feature]])
        rows.append(
            ShapeTable(shape.feature, FEATURE_LABELS[shape.feature], "numeric", SPECS[shape.feature].monotone,
                       list(shape.knots), list(shape.values), shape.missing, float(np.abs(contribution).mean()))
        )  # fmt: skip
    for tag in model.tags:
        sums = np.clip(table.tags[tag.feature] @ tag.weight_vector(table.tag_names), tag.low, tag.high)
        ranked = sorted(tag.weights, key=lambda item: -abs(item[1]))
        rows.append(
            ShapeTable(tag.feature, FEATURE_LABELS[tag.feature], "tags", 1 if tag.feature == "interests_shared_tags" else 0,
                       [name for name, _ in ranked], [weight for _, weight in ranked], None,
                       float(np.abs(sums - sums.mean()).mean()))
        )  # fmt: skip
    return sorted(rows, key=lambda row: -row.importance)


def _calibration_rows(logits: np.ndarray, y: np.ndarray) -> list[CalibrationRow]:
    table = calibration_table(logits, y)
    edges = np.concatenate([[-np.inf], table.edges, [np.inf]])
    which = np.searchsorted(np.asarray(table.edges), logits, side="right")
    rows = []
    for b, (pairs, lasted) in enumerate(zip(table.pairs, table.lasted)):
        if not pairs:
            continue
        low, high = wilson_interval(lasted, pairs)
        predicted = 1.0 / (1.0 + np.exp(-logits[which == b]))
        rows.append(
            CalibrationRow(float(1.0 / (1.0 + np.exp(-edges[b]))), float(1.0 / (1.0 + np.exp(-edges[b + 1]))),
                           float(predicted.mean()), pairs, lasted, lasted / pairs, low, high)
        )  # fmt: skip
    return rows


def _age_band(age: int) -> str:
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


def _youth_groups(youth: list[Youth]) -> dict[tuple[str, str], np.ndarray]:
    """(attribute, group) -> indices of the youth in it; a youth is in every language group it speaks."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, person in enumerate(youth):
        groups.setdefault(("gender", person.gender or "not stated"), []).append(i)
        groups.setdefault(("age_band", _age_band(person.age)), []).append(i)
        for language in sorted({t.casefold() for t in person.languages}) or ["not stated"]:
            groups.setdefault(("language", language), []).append(i)
    return {key: np.array(value, dtype=np.int64) for key, value in sorted(groups.items())}


def _fairness(
    youth: list[Youth],
    mentors: list[Mentor],
    rows: np.ndarray,
    y: np.ndarray,
    current: np.ndarray,
    learned: np.ndarray,
    oof: np.ndarray,
    configs: tuple[MatchConfig, MatchConfig],
) -> list[FairnessRow]:
    from matching.engine import propose

    matched = []
    for config in configs:
        result = propose(youth, mentors, config)
        matched.append(result.mentor_index_of_youth >= 0)
    out = []
    for (attribute, group), members in _youth_groups(youth).items():
        inside = np.isin(rows, members)
        out.append(
            FairnessRow(
                attribute, group, len(members), int(inside.sum()), int(y[inside].sum()),
                float(current[inside].mean()) if inside.any() else None,
                float(learned[inside].mean()) if inside.any() else None,
                _auc(y[inside], current[inside]), _auc(y[inside], oof[inside]),
                float(matched[0][members].mean()), float(matched[1][members].mean()),
            )  # fmt: skip
        )
    return out


def learn_weights(
    youth: list[Youth],
    mentors: list[Mentor],
    pairs: list[tuple],
    outcomes: list[int],
    config: MatchConfig | None = None,
    cv: int = 5,
    random_state: int = 0,
) -> tuple[MatchConfig, LearnReport]:
    """Learn an outcome model and factor weights from past matches; compare them with the current config.

    Parameters
    ----------
    youth, mentors : lists of profiles
        Everyone who appears in ``pairs``. Any field may be empty: features
        that never vary are left out.
    pairs : list of (youth_id, mentor_id), length p
    outcomes : list of 0/1, length p
        1 when the match lasted 12 months.
    config : MatchConfig, optional
        The current config: its rules, its weights, and its model if it has one.
    cv : int
        Folds of the mentor-grouped cross-validation (fewer when there are fewer mentors).
    random_state : int
        Seeds the folds and the solvers.

    Returns
    -------
    (MatchConfig, LearnReport)
        The config carrying the learned model and the re-weighted factors, and the report.
    """
    started = time.perf_counter()
    config = config if config is not None else MatchConfig()
    youth, mentors = list(youth), list(mentors)
    check_unique_ids(youth, mentors)
    y = np.asarray(outcomes)
    if len(pairs) != len(y):
        raise ValueError(f"{len(pairs)} pairs but {len(y)} outcomes")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("outcomes must be 0 or 1")
    y = y.astype(np.int64)
    n_positive = int(y.sum())
    if min(n_positive, len(y) - n_positive) < cv:
        raise ValueError(f"need at least {cv} pairs of each outcome for {cv}-fold cross-validation")
    plain = FeatureModel(youth, mentors, replace(config, model=None))
    for youth_id, mentor_id in pairs:
        if youth_id not in plain.youth_index:
            raise ProfileError("youth", youth_id, "id", "appears in pairs but not in youth")
        if mentor_id not in plain.mentor_index:
            raise ProfileError("mentor", mentor_id, "id", "appears in pairs but not in mentors")
    rows = np.array([plain.youth_index[p[0]] for p in pairs], dtype=np.int64)
    cols = np.array([plain.mentor_index[p[1]] for p in pairs], dtype=np.int64)
    groups = cols
    splits = min(cv, len(np.unique(groups)))
    if splits < 2:
        raise ValueError("need pairs with at least 2 different mentors for mentor-grouped cross-validation")

    factors = plain.factor_pairs(rows, cols)
    current_model = FeatureModel(youth, mentors, config) if config.model is not None else plain
    current = current_model.factor_pairs(rows, cols) @ current_model.weights
    table = PairTable(numeric_values(plain, rows, cols, 0.0), tag_matrices(plain, rows, cols), list(plain.interest_names))

    folds = _folds(y, groups, splits, random_state)
    if not folds:
        raise ValueError("no mentor-grouped split leaves both outcomes in a test fold")
    oof = np.full(len(y), np.nan)
    fold_aucs, reweighted_auc, brier_base, chosen = [], [], [], []
    before = np.array([config.weights[f] for f in FACTORS])
    for train, test in folds:
        prior = float(y[train].mean())
        fold_table = _with_prior(table, plain, cols, prior)
        penalty = _choose_penalty(fold_table.take(train), y[train], groups[train], prior, random_state)
        chosen.append(penalty)
        model = fit_additive(fold_table.take(train), y[train], prior, penalty)
        oof[test] = predict_logit(model, fold_table.take(test))
        fold_aucs.append({"learned": _roc_auc(y[test], oof[test]),
                          "current": _roc_auc(y[test], current[test])})  # fmt: skip
        reweighted_auc.append(_roc_auc(y[test], factors[test] @ _fit_weights(factors[train], y[train], random_state)))
        brier_base.append(float(np.mean((prior - y[test]) ** 2)))
    tested = ~np.isnan(oof)

    prior = float(y.mean())
    penalty = max(set(chosen), key=chosen.count)
    full_table = _with_prior(table, plain, cols, prior)
    model = fit_additive(full_table, y, prior, penalty)
    model = replace(model, calibration=calibration_table(oof[tested], y[tested]))

    weights = _fit_weights(factors, y, random_state)
    after = weights / weights.sum() if weights.sum() > 0 else before / before.sum()
    new_config = replace(config.with_weights(dict(zip(FACTORS, after.tolist()))), model=model)
    learned_scores = FeatureModel(youth, mentors, new_config).factor_pairs(rows, cols).sum(axis=1)
    probability = 1.0 / (1.0 + np.exp(-oof[tested]))
    report = LearnReport(
        auc_learned=float(np.mean([f["learned"] for f in fold_aucs])),
        auc_default=float(np.mean([f["current"] for f in fold_aucs])),
        n_pairs=len(y),
        n_positive=n_positive,
        weights_before=config.weights,
        weights_after=new_config.weights,
        auc_reweighted=float(np.mean(reweighted_auc)),
        fold_aucs=fold_aucs,
        n_mentors=int(len(np.unique(groups))),
        folds=len(folds),
        brier_learned=float(np.mean((probability - y[tested]) ** 2)),
        brier_base_rate=float(np.mean(brier_base)),
        calibration=_calibration_rows(oof[tested], y[tested]),
        shapes=_shape_tables(model, full_table),
        fairness=_fairness(youth, mentors, rows[tested], y[tested], current[tested], learned_scores[tested],
                           oof[tested], (config, new_config)),  # fmt: skip
        penalty=penalty,
        model_id=model.id,
        fit_seconds=time.perf_counter() - started,
    )
    return new_config, report
