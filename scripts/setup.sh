#!/usr/bin/env bash
# Installs every build and test dependency of Stub from Debian 12's archive
# (Node.js and npm build the dashboard, ui/; its browser tests drive Debian's
# chromium; the npm packages themselves come from scripts/ui_build.sh's npm ci).
# Safe to run any number of times: it installs only what is missing.
set -euo pipefail

PACKAGES=(
  build-essential g++ cmake ninja-build pkg-config git clang-format
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev libssl-dev libfmt-dev libspdlog-dev
  libboost-dev libjemalloc-dev libsqlite3-dev sqlite3 libpq-dev postgresql libidn2-dev wrk
  clang libclang-rt-14-dev
  nodejs npm chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
