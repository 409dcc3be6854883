#!/usr/bin/env bash
# Makes sure a local Redis Cluster of three primaries and three replicas answers on 127.0.0.1,
# ports ROOMWIRE_REDIS_CLUSTER_PORT (7100) to +5, for the cluster tests run against Redis Cluster
# and for `npm run cluster -- --redis-cluster`. Reused when it already answers with
# cluster_state:ok; otherwise started here: six `redis-server --cluster-enabled yes`, nothing on
# disk (their cluster-config-file lives in a temp dir), then `redis-cli --cluster create`.
# Idempotent; exits 1 when it cannot be started. Called by scripts/ensure-test-deps.sh.
set -euo pipefail

base=${ROOMWIRE_REDIS_CLUSTER_PORT:-7100}
ports=$(seq "$base" $((base + 5)))

cluster_ok() {
  redis-cli -h 127.0.0.1 -p "$base" cluster info 2>/dev/null | grep -q '^cluster_state:ok' &&
    [ "$(redis-cli -h 127.0.0.1 -p "$base" cluster info 2>/dev/null | tr -d '\r' |
      sed -n 's/^cluster_size://p')" = 3 ]
}

if cluster_ok; then
  echo "ensure-redis-cluster: Redis Cluster answers on 127.0.0.1:$base"
  exit 0
fi

# A half-made cluster from an earlier try (some ports answer, the state is not ok) is stopped
# and made again: nothing in it is worth keeping.
for port in $ports; do
  if redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
    if ! redis-cli -h 127.0.0.1 -p "$port" info cluster 2>/dev/null | grep -q 'cluster_enabled:1'; then
      echo "ensure-redis-cluster: port $port is taken by something that is not a cluster node" >&2
      exit 1
    fi
    redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
  fi
done
for port in $ports; do
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 || break; sleep 0.1; done
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/roomwire-redis-cluster.XXXXXX")
echo "ensure-redis-cluster: starting six cluster nodes on 127.0.0.1:$base-$((base + 5)) (dir $dir)"
for port in $ports; do
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --cluster-enabled yes \
    --cluster-config-file "$dir/nodes-$port.conf" --cluster-node-timeout 2000 \
    --save "" --appendonly no --dir "$dir" --logfile "$dir/redis-$port.log"
done
for port in $ports; do
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
done
addresses=$(for port in $ports; do printf '127.0.0.1:%s ' "$port"; done)
# shellcheck disable=SC2086
if ! redis-cli --cluster create $addresses --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1; then
  echo "ensure-redis-cluster: redis-cli --cluster create failed (log: $dir/create.log)" >&2
  exit 1
fi
for _ in $(seq 100); do cluster_ok && break; sleep 0.1; done
if ! cluster_ok; then
  echo "ensure-redis-cluster: the cluster on 127.0.0.1:$base did not reach cluster_state:ok (logs: $dir)" >&2
  exit 1
fi
echo "ensure-redis-cluster: Redis Cluster answers on 127.0.0.1:$base"
