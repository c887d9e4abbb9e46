#!/usr/bin/env bash
# The README's promise, checked as a new user meets it: `npm start` prints curl commands,
# and the first one, run exactly as printed, returns the demo upstream's answer.
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
# Own process group, so stopping it stops npm and the gateway it started.
setsid npm start >"$log" 2>&1 &
pid=$!
trap 'kill -TERM -- "-$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT

for _ in $(seq 100); do
  grep -q 'Stop with Ctrl-C' "$log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "smoke: npm start exited" >&2; exit 1; }
  sleep 0.2
done
command=$(grep -m1 '^  curl ' "$log" | sed 's/^ *//')
[ -n "$command" ] || { cat "$log"; echo "smoke: no curl printed" >&2; exit 1; }
answer=$(sh -c "$command")
echo "$answer" | grep -q '"servedTo":"demo-partner"' || { echo "smoke: unexpected answer: $answer" >&2; exit 1; }
echo "smoke: npm start + printed curl OK"
# The answer was only sent once its decision was committed: the audit log must verify.
verified=$(node_modules/.bin/node src/cli/main.ts audit verify) || { echo "smoke: audit verify failed: $verified" >&2; exit 1; }
echo "smoke: audit verify: $verified"
