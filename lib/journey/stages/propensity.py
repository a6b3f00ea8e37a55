"""Conversion likelihood: a logistic model of converting within a window from behaviour features.

Per user (features aggregated in the engine; the model sees one row per user):

* features come from the user's **first session** only, and from before their first
  ``outcome_event``: the model answers "after a first visit, who will convert?", and the
  outcome cannot leak into the features (the stage a user reached over their whole history
  would separate converters perfectly, since every purchase follows a checkout);
* the **outcome** is 1 when ``outcome_event`` happened within ``window`` of the first event;
* features: furthest stage reached (awareness / consideration / decision, from
  :mod:`journey.stages.kpis`), first-touch channel, device, engagement (log of 1 + article
  views, log of 1 + events in the session), consideration exposures (compare, reviews, FAQ, demo) and the
  mean landing page load in seconds.

The model is fitted on a seeded 70% of users; AUC and the calibration table are computed on
the other 30%, so they are honest. Coefficients come with Wald CIs (statsmodels ``Logit``).
Scores for every user can be exported by decile (1 = most likely to convert) to target a
play or an experiment. Coefficients describe association in observational data, not cause.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from journey.data.atomic import replacing
from journey.data.event_input import parse_window, prepare_events, row_count, seconds
from journey.data.sources import DataLike
from journey.display.results import ResultMixin
from journey.stages.kpis import CONSIDERATION_EXPOSURES, STAGE_EVENTS, stage_case
from journey.validation import check_level

STAGE_NAMES = ("awareness", "consideration", "decision")


@dataclass(frozen=True, slots=True)
class Propensity(ResultMixin):
    """Fitted conversion model. ``to_frame()`` is the coefficient table (``term``, ``coef`` with
    ``coef_ci_lower/upper`` at ``alpha``, ``odds_ratio``, ``pvalue``). Also: ``auc`` on held-out
    users, ``calibration`` (deciles of predicted vs observed on held-out users), ``scores`` (every
    user: ``user_id``, ``score``, ``decile``), ``n_obs``, ``base_rate``, ``status``."""

    caption = "What predicts conversion (model coefficients)"

    outcome_event: str
    window_seconds: int
    alpha: float
    method: str
    n_obs: int
    base_rate: float
    auc: float
    status: str
    coefficients: pd.DataFrame
    calibration: pd.DataFrame
    scores: pd.DataFrame = field(repr=False)
    design: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.coefficients.copy()

    def export_deciles(self, path: str | Path) -> Path:
        """Write ``user_id, score, decile`` as CSV (atomically: temp file then rename)."""
        with replacing(path) as tmp:  # a temp file of its own: two exports never share one
            self.scores.to_csv(tmp, index=False)
        return Path(path)


def features(
    events: DataLike,
    window: str | int | dt.timedelta = "28d",
    outcome_event: str = "purchase",
    channel: str = "channel",
) -> pd.DataFrame:
    """One row per user: the raw features and ``converted`` (definitions in the module docstring)."""
    window_s = parse_window(window)
    table = prepare_events(events, extra=[channel, "device", "session_id"], numeric=["page_load_ms"])
    t = table.mutate(sec=seconds(table, "ts"))
    first = t.group_by(fu=t.user_id).aggregate(
        t0=t.sec.min(),
        first_ts=t.ts.min(),
        t_out=t.sec.min(where=t.event == outcome_event),
    )
    opening = t.join(first, (t.user_id == first.fu) & (t.ts == first.first_ts))
    opening = opening.group_by(su=opening.user_id).aggregate(first_session=opening.session_id.min())
    j = t.join(first, t.user_id == first.fu).join(opening, t.user_id == opening.su)
    before = j.t_out.isnull() | (j.sec < j.t_out) | ((j.sec == j.t_out) & (j.event != outcome_event))
    obs = j.filter((j.session_id == j.first_session) & before & (j.event != outcome_event))
    first_touch = obs.filter(obs.ts == obs.first_ts)
    first_touch = first_touch.group_by(cu=first_touch.user_id).aggregate(first_channel=first_touch[channel].min())
    stage = stage_case(obs.event, {k: STAGE_EVENTS[k] for k in STAGE_NAMES})
    exposures = {f"saw_{name}": (obs.event == name).cast("int64").max() for name in CONSIDERATION_EXPOSURES}
    per_user = obs.group_by(user_id=obs.user_id).aggregate(
        stage_reached=stage.max(),
        device=obs.device.min(),
        article_views=(obs.event == "article_view").cast("int64").sum(),
        session_events=obs.count(),
        page_load_s=obs.page_load_ms.mean(where=obs.event == "landing_view") / 1000.0,
        converted=(obs.t_out.notnull() & (obs.t_out <= obs.t0 + window_s)).cast("int64").max(),
        **exposures,
    )
    per_user = per_user.left_join(first_touch, per_user.user_id == first_touch.cu).drop("cu")
    frame = per_user.execute().sort_values("user_id", ignore_index=True)
    frame["stage_reached"] = [STAGE_NAMES[max(int(s), 1) - 1] for s in frame["stage_reached"].fillna(1)]
    return frame


def fit(
    events: DataLike,
    window: str | int | dt.timedelta = "28d",
    outcome_event: str = "purchase",
    alpha: float = 0.05,
    seed: int = 0,
    channel: str = "channel",
) -> Propensity:
    """Fit the logistic model (statsmodels ``Logit``), score every user, report AUC and calibration."""
    import statsmodels.api as sm
    from sklearn.metrics import roc_auc_score

    check_level(alpha)
    window_s = parse_window(window)
    table = prepare_events(events, extra=[channel, "device", "session_id"], numeric=["page_load_ms"])
    if row_count(table) == 0:
        return _empty(outcome_event, window_s, alpha, "no events in the data")
    raw = features(table, window_s, outcome_event, channel)
    design = design_matrix(raw)
    y = raw["converted"].to_numpy(dtype=float)
    if y.sum() < 5 or (len(y) - y.sum()) < 5:
        return _empty(outcome_event, window_s, alpha, f"too few users with and without {outcome_event!r} to fit")
    rng = np.random.default_rng(seed)
    train = rng.random(len(y)) < 0.7
    try:
        model = sm.Logit(y[train], design[train]).fit(disp=0, maxiter=200)
    except Exception as error:  # noqa: BLE001 - separation / singular designs surface as several types
        return _empty(outcome_event, window_s, alpha, f"model did not fit: {error}")
    ci = model.conf_int(alpha=alpha)
    coefficients = pd.DataFrame(
        {
            "term": design.columns,
            "coef": model.params.to_numpy(),
            "coef_ci_lower": np.asarray(ci)[:, 0],
            "coef_ci_upper": np.asarray(ci)[:, 1],
            "odds_ratio": np.exp(model.params.to_numpy()),
            "pvalue": model.pvalues.to_numpy(),
        }
    )
    score = np.asarray(model.predict(design))
    test = ~train
    auc = float(roc_auc_score(y[test], score[test])) if len(set(y[test])) == 2 else np.nan
    calibration = calibration_table(y[test], score[test])
    scores = pd.DataFrame({"user_id": raw["user_id"], "score": score})
    scores["decile"] = deciles(score)
    return Propensity(
        outcome_event, window_s, alpha, "logit (statsmodels), Wald CIs, 70/30 split", len(y),
        float(y.mean()), auc, "ok", coefficients, calibration, scores, design,
    )  # fmt: skip


def design_matrix(raw: pd.DataFrame) -> pd.DataFrame:
    """Numeric design with an intercept; reference levels: awareness, the most common channel and device."""
    x = pd.DataFrame(index=raw.index)
    x["const"] = 1.0
    for level in STAGE_NAMES[1:]:
        x[f"stage_{level}"] = (raw["stage_reached"] == level).astype(float)
    for column, prefix in (("first_channel", "channel"), ("device", "device")):
        values = raw[column].fillna("(none)").astype(str)
        reference = values.value_counts().index[0]
        for level in sorted(set(values) - {reference}):
            x[f"{prefix}_{level}"] = (values == level).astype(float)
    x["log_article_views"] = np.log1p(raw["article_views"].astype(float))
    x["log_session_events"] = np.log1p(raw["session_events"].astype(float))
    for name in CONSIDERATION_EXPOSURES:
        x[f"saw_{name}"] = raw[f"saw_{name}"].fillna(0).astype(float)
    load = raw["page_load_s"].astype(float)
    x["page_load_s"] = load.fillna(load.median() if load.notna().any() else 0.0)
    constant = [c for c in x.columns if c != "const" and x[c].nunique() <= 1]
    return x.drop(columns=constant)


def deciles(score: np.ndarray) -> np.ndarray:
    """Decile 1 = highest scores; ties share the rank order of a stable sort."""
    order = np.argsort(-score, kind="stable")
    out = np.empty(len(score), dtype=np.int64)
    out[order] = np.arange(len(score)) * 10 // max(len(score), 1) + 1
    return out


def calibration_table(y: np.ndarray, score: np.ndarray) -> pd.DataFrame:
    """Held-out users in ten equal-size bins of predicted score: mean predicted vs observed rate."""
    d = deciles(score)
    rows = []
    for k in range(10, 0, -1):
        mask = d == k
        if mask.any():
            rows.append(
                {
                    "decile": k,
                    "users": int(mask.sum()),
                    "predicted_rate": float(score[mask].mean()),
                    "observed_rate": float(y[mask].mean()),
                }
            )
    return pd.DataFrame(rows)


def _empty(outcome_event: str, window_s: int, alpha: float, status: str) -> Propensity:
    empty = pd.DataFrame()
    coefficients = pd.DataFrame(columns=["term", "coef", "coef_ci_lower", "coef_ci_upper", "odds_ratio", "pvalue"])
    return Propensity(
        outcome_event, window_s, alpha, "logit (statsmodels)", 0, np.nan, np.nan, status, coefficients, empty,
        empty, empty,
    )  # fmt: skip
