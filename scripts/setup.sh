#!/usr/bin/env bash
# Installs every build and test dependency of Stub from Debian 12's archive
# (the dashboard's browser tests drive Debian's chromium). Node.js and npm,
# which build the dashboard, are installed by scripts/ui_build.sh only when the
# `node` or `npm` command is missing: a machine may have them from another
# apt source (NodeSource's nodejs bundles npm, and conflicts with Debian's).
# Safe to run any number of times: it installs only what is missing.
set -euo pipefail

PACKAGES=(
  build-essential g++ cmake ninja-build pkg-config git clang-format
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev libssl-dev libfmt-dev libspdlog-dev
  libboost-dev libjemalloc-dev libsecp256k1-dev libsqlite3-dev sqlite3 libpq-dev postgresql libidn2-dev wrk
  clang libclang-rt-14-dev
  chromium
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
