"""What an ideal classifier could reach on the demo model's synthetic test sets.

The synthetic generator knows each lesion's true descriptors (``truth.csv``: shape, margin,
enhancement pattern and strength, true diameter, spiculation, calcifications). A logistic
regression on those descriptors, fitted on the training cohort's truth, is scored on each test
manifest's cases: an image classifier cannot be expected to beat it, so it tells how far a model's
test AUC is from what these particular cases allow (benign mimics such as mastitis and
benign-looking cancers such as mucinous carcinoma are drawn on purpose, see
docs/synthetic_cohorts.md). SYNTHETIC data only.

Usage: python scripts/descriptor_ceiling.py WORK_DIR, WORK_DIR as made by
scripts/train_demo_model.sh (train/, internal_pool/, external_pool/).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from studies.analysis.roc import auc_delong

USAGE = "usage: python scripts/descriptor_ceiling.py WORK_DIR"

CATEGORIES = ["shape", "margin", "enhancement_pattern"]
NUMBERS = [
    "true_diameter_mm",
    "enhancement_relative",
    "margin_score",
    "n_spicules",
    "n_calcifications",
]
TEST_SETS = {
    "internal test": "internal_pool/manifest_eval.csv",
    "external test": "external_pool/manifest_eval.csv",
}


def descriptors(truth: pd.DataFrame, columns: pd.Index | None = None) -> pd.DataFrame:
    """One-hot categories and raw numbers; ``columns`` aligns a test set with training."""
    table = pd.concat(
        [pd.get_dummies(truth[CATEGORIES].astype(str)).astype(float), truth[NUMBERS]], axis=1
    )
    return table if columns is None else table.reindex(columns=columns, fill_value=0.0)


def main(work: Path) -> None:
    train = pd.read_csv(work / "train" / "truth.csv")
    features = descriptors(train)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    model.fit(features, train["label"] == "malignant")
    print(f"logistic regression on true descriptors, fitted on {len(train)} training cases")
    for name, manifest in TEST_SETS.items():
        cases = pd.read_csv(work / manifest)["case_id"]
        truth = pd.read_csv((work / manifest).parent / "truth.csv").set_index("case_id")
        truth = truth.loc[cases]
        scores = model.predict_proba(descriptors(truth, features.columns))[:, 1]
        auc = auc_delong(scores, (truth["label"] == "malignant").astype(int))
        print(
            f"  {name} ({manifest}, {len(cases)} cases): "
            f"AUC {auc.estimate:.3f} ({auc.ci_low:.3f}-{auc.ci_high:.3f})"
        )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(USAGE)
    main(Path(sys.argv[1]))
