"""Learn factor weights from a program's own past matches and how they turned out.

Each historic pair becomes its six factor similarities; a scikit-learn
``LogisticRegression`` predicts the outcome (1 = the match lasted, 0 = closed
early) from them. Weights must stay non-negative to remain readable as "how much
this factor counts", so the fitted coefficients are **clipped** at 0 and then
normalised to sum to 1 (a constrained fit was not needed: clipping is what the
coordinator can check by eye, and its AUC is what is reported). The report
compares, on the same stratified folds, the ROC AUC of the clipped learned
weights with that of the current weights, both used as a plain weighted sum.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from matching.config import FACTORS, MatchConfig
from matching.features import FeatureModel
from matching.profiles import Mentor, ProfileError, Youth, check_unique_ids


@dataclass(frozen=True)
class LearnReport:
    """What :func:`learn_weights` found, as plain data."""

    auc_learned: float
    auc_default: float
    n_pairs: int
    n_positive: int
    weights_before: dict
    weights_after: dict

    def to_dict(self) -> dict:
        return asdict(self)


def _fit_weights(features: np.ndarray, outcomes: np.ndarray, random_state: int) -> np.ndarray:
    model = LogisticRegression(random_state=random_state, max_iter=1000)
    model.fit(features, outcomes)
    return np.clip(model.coef_.ravel(), 0.0, None)


def learn_weights(
    youth: list[Youth],
    mentors: list[Mentor],
    pairs: list[tuple],
    outcomes: list[int],
    config: MatchConfig | None = None,
    cv: int = 5,
    random_state: int = 0,
) -> tuple[MatchConfig, LearnReport]:
    """Fit factor weights to past outcomes and compare them with the current weights.

    Parameters
    ----------
    youth, mentors : lists of profiles
        Everyone who appears in ``pairs``.
    pairs : list of (youth_id, mentor_id), length p
    outcomes : list of 0/1, length p
    config : MatchConfig, optional
        Supplies the current ("default") weights and the distance scale.
    cv : int
        Number of stratified folds.
    random_state : int
        Seeds the folds and the solver.

    Returns
    -------
    (MatchConfig, LearnReport)
        The config with the learned weights (normalised to sum 1), and the report.
    """
    config = config if config is not None else MatchConfig()
    youth, mentors = list(youth), list(mentors)
    check_unique_ids(youth, mentors)
    y = np.asarray(outcomes)
    if len(pairs) != len(y):
        raise ValueError(f"{len(pairs)} pairs but {len(y)} outcomes")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("outcomes must be 0 or 1")
    n_positive = int(y.sum())
    if min(n_positive, len(y) - n_positive) < cv:
        raise ValueError(f"need at least {cv} pairs of each outcome for {cv}-fold cross-validation")
    model = FeatureModel(youth, mentors, config)
    for youth_id, mentor_id in pairs:
        if youth_id not in model.youth_index:
            raise ProfileError("youth", youth_id, "id", "appears in pairs but not in youth")
        if mentor_id not in model.mentor_index:
            raise ProfileError("mentor", mentor_id, "id", "appears in pairs but not in mentors")
    rows = np.array([model.youth_index[p[0]] for p in pairs])
    cols = np.array([model.mentor_index[p[1]] for p in pairs])
    features = model.factor_pairs(rows, cols)

    before = np.array([config.weights[f] for f in FACTORS])
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
    learned_auc, default_auc = [], []
    for train, test in folds.split(features, y):
        weights = _fit_weights(features[train], y[train], random_state)
        learned_auc.append(roc_auc_score(y[test], features[test] @ weights))
        default_auc.append(roc_auc_score(y[test], features[test] @ before))

    weights = _fit_weights(features, y, random_state)
    after = weights / weights.sum() if weights.sum() > 0 else before / before.sum()
    new_config = config.with_weights(dict(zip(FACTORS, after.tolist())))
    report = LearnReport(
        auc_learned=float(np.mean(learned_auc)),
        auc_default=float(np.mean(default_auc)),
        n_pairs=len(y),
        n_positive=n_positive,
        weights_before=config.weights,
        weights_after=new_config.weights,
    )
    return new_config, report
