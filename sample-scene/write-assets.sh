#!/usr/bin/env bash
# Writes the sample scene's avatars into dist/sample-assets/: the analytic test head (always) and,
# when the committed ICT base pack is present, its mean head G(α = 0).
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsx test/support/writeAnalyticAssets.ts dist/sample-assets/analytic
if [ -f models/packs/ict-base/pack.json ]; then
  npx tsx sample-scene/writeGeneratedAvatar.ts models/packs/ict-base dist/sample-assets/ict/ict-base-mean.glb ../../../models/packs/ict-base/
fi
