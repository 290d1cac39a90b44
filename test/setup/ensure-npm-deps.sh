#!/usr/bin/env bash
# Installs the npm packages with `npm ci` unless node_modules was installed from this very
# package-lock.json (its hash is kept in node_modules/.lock-sha256).
set -euo pipefail
cd "$(dirname "$0")/../.."
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f node_modules/.lock-sha256 ] && [ "$(cat node_modules/.lock-sha256)" = "$want" ]; then
  echo "npm packages already installed"
else
  npm ci --no-audit --no-fund
  echo "$want" > node_modules/.lock-sha256
fi
