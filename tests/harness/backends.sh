#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis on loopback, under a directory of our own.
#
#   backends.sh start DIR   start both (reusing them if already running) and
#                           write DIR/env with SB_PG_URL and SB_REDIS_URL
#   backends.sh stop DIR    stop both
#   backends.sh status DIR  say what runs
#
# Ports are picked free at first start and kept in DIR/env, so a second start
# (tools/dev up twice) finds the same servers. No systemd; works as root
# (PostgreSQL then runs as the postgres user) or as a normal user.
set -euo pipefail

cmd=${1:?start|stop|status}
dir=${2:?directory}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}
[ -x "$PGBIN/initdb" ] || { echo "backends: PostgreSQL server binaries not found (install postgresql)" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
PY
}

pg_running() { [ -f "$dir/pg/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$dir/pg" status >/dev/null 2>&1; }
redis_running() { [ -f "$dir/redis.pid" ] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null; }

start() {
  local pg_port redis_port
  if [ -f "$dir/env" ]; then
    # shellcheck disable=SC1091
    . "$dir/env"
    pg_port=$SB_TEST_PG_PORT
    redis_port=$SB_TEST_REDIS_PORT
  else
    pg_port=$(free_port)
    redis_port=$(free_port)
  fi

  if [ ! -f "$dir/pg/PG_VERSION" ]; then
    mkdir -p "$dir/pg"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir/pg" "$dir"
    as_pg "$PGBIN/initdb" -D "$dir/pg" -U postgres --auth=trust -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  if ! pg_running; then
    as_pg "$PGBIN/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w -t 60 \
      -o "-p $pg_port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=${SB_PG_FSYNC:-on} -c shared_buffers=128MB" start >/dev/null \
      || { tail -n 30 "$dir/pg.log" >&2; exit 1; }
  fi
  if ! redis_running; then
    # appendonly: a registration or session acknowledged survives a Redis restart.
    # auto-aof-rewrite-min-size: routing's call journal writes a few
    # short-lived records per call, so the file is mostly dead entries and
    # grows by megabytes a second under load; with the 64 MB default Redis
    # forked to rewrite it every few seconds, half a second of a core each
    # time. 512 MB makes that once every few minutes at 20,000 calls/s.
    redis-server --port "$redis_port" --bind 127.0.0.1 --daemonize yes \
      --pidfile "$dir/redis.pid" --dir "$dir" --logfile "$dir/redis.log" \
      --appendonly yes --appendfsync everysec --auto-aof-rewrite-min-size 512mb --save "" >/dev/null
    # PING answers while the append-only file still loads (data commands
    # then fail with LOADING): wait for a data command instead.
    for _ in $(seq 1 200); do
      [[ $(redis-cli -p "$redis_port" EXISTS sb:ready 2>/dev/null) =~ ^[0-9]+$ ]] && break
      sleep 0.05
    done
  fi
  cat >"$dir/env" <<ENV
SB_TEST_PG_PORT=$pg_port
SB_TEST_REDIS_PORT=$redis_port
SB_PG_URL=postgresql://postgres@127.0.0.1:$pg_port/postgres
SB_REDIS_URL=redis://127.0.0.1:$redis_port
ENV
  echo "PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port ($dir)"
}

stop() {
  if [ -f "$dir/pg/postmaster.pid" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if redis_running; then
    kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
    for _ in $(seq 1 100); do redis_running || break; sleep 0.05; done
  fi
  echo "backends stopped ($dir)"
}

status() {
  if pg_running; then echo "postgresql: running"; else echo "postgresql: stopped"; fi
  if redis_running; then echo "redis: running"; else echo "redis: stopped"; fi
}

"$cmd"
