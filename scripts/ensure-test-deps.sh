#!/usr/bin/env bash
# Makes sure what the test suites need is on this machine, installing it from Debian's packages
# when it is missing: Chromium for the browser tests. Run by `npm test` (pretest).
set -euo pipefail

apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-test-deps: $1 is missing and cannot be installed here (needs root and apt-get)." >&2
    echo "ensure-test-deps: install the Debian package '$1' and run the tests again." >&2
    exit 1
  fi
  echo "ensure-test-deps: installing $1 from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "$1" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "$1" >/dev/null; }
}

if ! command -v chromium >/dev/null 2>&1; then apt_install chromium; fi
echo "ensure-test-deps: $(chromium --version 2>/dev/null | head -1)"
