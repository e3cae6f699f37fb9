#!/usr/bin/env bash
# Builds the mission-control dashboard (ui/) into ui/dist: installs Node, npm
# and Chromium from Debian when missing (the only system-wide change; safe to
# run again), then the locked npm packages (npm ci) and the production build,
# and checks the initial JavaScript against its 250 KB gzip budget.
# Never downloads a browser: Playwright drives Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "=== apt-get install ${need[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

cd ui
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# A fresh install when the lockfile changed (or nothing is installed yet).
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json .ci-lock-stamp 2>/dev/null; then
  echo "=== npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json .ci-lock-stamp
fi
echo "=== build ui/dist"
npm run --silent build
node tools/bundle-size.mjs dist
