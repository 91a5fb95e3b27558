#!/usr/bin/env bash
# Reproduces the embedded demo model, resources/models/demo_cbam_xception/ (SYNTHETIC data only):
#   1. three synthetic cohorts (cesm-reader synth, full size, fixed seeds): 1200 training cases,
#      an internal test pool and an external-centre test pool;
#   2. the test manifests: 100 internal cases (50 benign / 50 malignant) and 46 external cases
#      (13 benign / 33 malignant), the first cases of each label in the pools;
#   3. cesm-reader train: CBAM-Xception at 128 px from scratch, one model validated on a 20 %
#      hold-out, Adam 1e-3, BatchNorm momentum 0.9, at most 30 epochs (stopping after 10 without a
#      lower validation loss; deviations from the paper's recipe are listed in model.json), then
#      the AUC with DeLong 95 % CI on both test cohorts.
# Usage: scripts/train_demo_model.sh [WORK_DIR] [BUNDLE_DIR]
# Cohorts are kept in WORK_DIR (default /tmp/cesm-demo-model) and reused when already there.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${1:-/tmp/cesm-demo-model}"
BUNDLE="${2:-$ROOT/resources/models/demo_cbam_xception}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
case "$PYTHON" in */*) PYTHON="$(realpath -m "$PYTHON")" ;; esac  # the script changes folder
WORK="$(realpath -m "$WORK")"
CLI=("$PYTHON" -m cesm_cli)
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$WORK"

synth() {  # folder cases seed fraction [extra options]
    if [ ! -f "$WORK/$1/manifest.csv" ]; then
        "${CLI[@]}" synth --out "$WORK/$1" --cases "$2" --seed "$3" \
            --malignant-fraction "$4" --size full --quiet "${@:5}"
    fi
}
synth train 1200 9101 0.5
synth internal_pool 140 9202 0.5
synth external_pool 80 9303 0.6 --center external

# manifest_eval.csv: the first BENIGN benign and MALIGNANT malignant cases of a pool.
"$PYTHON" - "$WORK" <<'PY'
import csv, sys
from pathlib import Path

work = Path(sys.argv[1])
for pool, benign, malignant in (("internal_pool", 50, 50), ("external_pool", 13, 33)):
    with (work / pool / "manifest.csv").open(newline="", encoding="utf-8") as stream:
        reader = csv.DictReader(stream)
        fields, rows = reader.fieldnames, list(reader)
    wanted = {"benign": benign, "malignant": malignant}
    chosen = []
    for row in rows:
        if wanted.get(row["label"], 0) > 0:
            wanted[row["label"]] -= 1
            chosen.append(row)
    if any(wanted.values()):
        sys.exit(f"{pool}: not enough cases of each label ({wanted} missing)")
    with (work / pool / "manifest_eval.csv").open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=fields)
        writer.writeheader()
        writer.writerows(chosen)
    print(f"{pool}/manifest_eval.csv: {benign} benign, {malignant} malignant")
PY

# From inside WORK with relative paths, so that model.json records where the cohorts are in
# WORK (train/manifest.csv), not this computer's folders.
BUNDLE="$(realpath -m "$BUNDLE")"
cd "$WORK"
time "${CLI[@]}" train --manifest train/manifest.csv --split all \
    --out "$BUNDLE" --overwrite \
    --backbone xception --cbam --input-size 128 \
    --holdout 0.2 --epochs 30 --batch-size 12 --plateau-patience 8 --early-stopping 10 \
    --optimizer adam --learning-rate 1e-3 --batchnorm-momentum 0.9 \
    --seed 2026 --cache cache \
    --description "SYNTHETIC demo model: CBAM-Xception trained from scratch on 1200 synthetic full-size CESM cases (cesm-reader synth --size full --seed 9101); for demonstrations only, never for patients." \
    --evaluate internal_test=internal_pool/manifest_eval.csv \
    --evaluate external_test=external_pool/manifest_eval.csv
