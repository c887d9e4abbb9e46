#!/usr/bin/env bash
# Installs the Debian packages of the real servers the test suite and the benchmark use
# (Redis, PostgreSQL, ClamAV's clamd, wrk). Idempotent: installs only what is missing.
# The tests start their own instances on free loopback ports; nothing here starts a service.
set -euo pipefail

packages=(redis-server postgresql clamav-daemon clamav wrk curl python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-services: all present (${packages[*]})"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-services: missing ${missing[*]} and not root; install them with apt-get" >&2
  exit 1
fi
echo "install-services: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
