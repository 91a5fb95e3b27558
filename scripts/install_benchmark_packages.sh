#!/usr/bin/env bash
# Install the Debian packages that benchmarks/bench_delong.py needs to compare with R's pROC:
#  - r-base-core (Rscript) and r-cran-proc (pROC; pulls in Rcpp and plyr).
# Only for the benchmark: the tests compare with stored R reference values and need no R.
# Idempotent: installs only what dpkg does not already report as installed.
set -euo pipefail

PACKAGES=(r-base-core r-cran-proc)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "benchmark packages: all present"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "benchmark packages missing and apt-get not available: ${missing[*]}" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing benchmark packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
