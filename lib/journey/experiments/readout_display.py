"""What the readout notebook shows besides figures: the SRM banner, the decision block and tables.

Display only: every number comes from the analysis (:mod:`~journey.experiments.analyze`),
every verdict from the decision rule (:mod:`~journey.experiments.decision`); these functions
turn them into escaped HTML blocks and small tables with the project's formatting.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from journey.display.report import HTMLBlock
from journey.display.results import Table
from journey.experiments.analyze import ExperimentResult
from journey.experiments.decision import Decision
from journey.experiments.srm import SRMResult

if TYPE_CHECKING:
    from journey.experiments.readout import Readout


def forest_frame(result: ExperimentResult) -> pd.DataFrame:
    """Relative effects with their intervals (and adjusted intervals) for a forest plot."""
    rows = []
    for r in result.rows:
        rows.append(
            {
                "label": f"{r.metric} · {r.variant}",
                "role": r.role,
                "rel_effect_size": r.rel_effect_size,
                "rel_ci_lower": r.rel_ci_lower,
                "rel_ci_upper": r.rel_ci_upper,
                "rel_adj_ci_lower": r.rel_adj_ci_lower,
                "rel_adj_ci_upper": r.rel_adj_ci_upper,
                "margin": -r.margin if r.higher_is_better else r.margin,
            }
        )
    return pd.DataFrame(rows).replace([np.inf, -np.inf], np.nan)


def power_table(ro: Readout) -> Table:
    """Power reached for the planned effect, per variant of the first primary metric."""
    return Table(ro.power, "Power reached")


def chance_table(result: ExperimentResult) -> Table:
    """Chance to win and expected loss (relative to control) per metric × variant (the Bayesian view)."""
    return Table(
        pd.DataFrame(
            [
                {
                    "metric": r.metric,
                    "variant": r.variant,
                    "chance_to_win": r.chance_to_win,
                    "rel_expected_loss": r.expected_loss,  # a share of the control value: shown in %
                }
                for r in result.rows
            ]
        ),
        "Chance to win and expected loss",
    )


def srm_banner(srm: SRMResult) -> HTMLBlock:
    """The SRM gate: a blocking warning when flagged, a one-line pass note otherwise (escaped)."""
    text = html.escape(srm.sentence())
    if srm.flagged:
        return HTMLBlock(
            '<div class="journey-warning" role="alert" style="border:3px solid #b00020;padding:0.8em;'
            'background:#fff0f0"><strong>STOP.</strong> ' + text + "</div>"  # the sentence names the mismatch
        )
    return HTMLBlock(f'<p class="journey-note">{text}</p>')


def decision_block(decision: Decision) -> HTMLBlock:
    """The verdict in words, with the rule that produced it."""
    return HTMLBlock(
        f'<div class="journey-decision"><p><strong>{html.escape(decision.sentence())}</strong></p>'
        f"<p><em>{html.escape(decision.rule)}</em></p></div>"
    )
