#!/usr/bin/env bash
# Makes sure what the test suites need is on this machine, installing it from Debian's packages
# when it is missing: Chromium for the browser tests, nginx for the TLS proxy test, mono for the
# C# client, a Redis answering on 127.0.0.1:6379 for the cluster tests (started here when none
# answers), and a local Redis Cluster of three primaries and three replicas on
# 127.0.0.1:7100-7105 (scripts/ensure-redis-cluster.sh; the tests read its address from
# ROOMWIRE_TEST_REDIS_CLUSTER, default redis://127.0.0.1:7100). Under CI a Redis Cluster that
# cannot be started is a failure. Run by `npm test` (pretest).
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

if ! command -v redis-cli >/dev/null 2>&1; then apt_install redis-tools; fi

# The TLS proxy test (test/integration/tls-proxy.test.ts) runs docs/deploy.md's nginx snippet.
if [ ! -x /usr/sbin/nginx ] && ! command -v nginx >/dev/null 2>&1; then apt_install nginx; fi

# The C# client's tests (test/integration/csharp-client.test.ts) compile with mcs, run under mono.
if ! command -v mcs >/dev/null 2>&1; then apt_install mono-mcs; fi
if ! command -v mono >/dev/null 2>&1; then apt_install mono-runtime; fi
echo "ensure-test-deps: $(mcs --version)"

redis_answers() {
  [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]
}

if ! redis_answers; then
  if ! command -v redis-server >/dev/null 2>&1; then apt_install redis-server; fi
  # The same command the machines start their Redis with; nothing is kept on disk.
  dir=/var/lib/redis log=/var/log/redis/ci.log
  if ! mkdir -p "$dir" /var/log/redis 2>/dev/null || [ ! -w "$dir" ]; then
    dir=$(mktemp -d) log="$dir/redis.log"
  fi
  echo "ensure-test-deps: starting redis-server on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir "$dir" --logfile "$log"
  for _ in $(seq 50); do redis_answers && break; sleep 0.1; done
  if ! redis_answers; then
    echo "ensure-test-deps: redis-server did not answer on 127.0.0.1:6379 (log: $log)" >&2
    exit 1
  fi
fi
echo "ensure-test-deps: $(redis-server --version | head -1)"

if ! "$(dirname "$0")/ensure-redis-cluster.sh"; then
  if [ -n "${CI:-}" ]; then exit 1; fi
  echo "ensure-test-deps: no Redis Cluster: the tests run against Redis Cluster will fail" >&2
fi
