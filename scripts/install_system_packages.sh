#!/usr/bin/env bash
# Install the Debian packages the project needs that a fresh machine lacks:
#  - Qt's xcb/offscreen platforms (PySide6 wheels link against these system libraries),
#  - Xvfb to run the GUI on a virtual screen for screenshots and manual checks,
#  - PostgreSQL and pg_virtualenv (postgresql-common): `make test` runs the suite under a
#    throwaway cluster so the study store is tested on PostgreSQL as well as SQLite;
#  - Pango and HarfBuzz (WeasyPrint lays out `analyze --pdf` with them) and poppler-utils
#    (pdftoppm: the printed-page images of docs/analysis.md).
# Idempotent: installs only what dpkg does not already report as installed.
set -euo pipefail

PACKAGES=(
  xvfb xauth
  libgl1 libegl1 libopengl0 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3
  libxkbcommon0 libxkbcommon-x11-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-xfixes0 libxcb-xkb1 libx11-xcb1
  fonts-dejavu-core
  postgresql postgresql-common
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils
)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "system packages missing and apt-get not available: ${missing[*]}" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
