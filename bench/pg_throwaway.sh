# Sourced by the benchmarks that need a PostgreSQL server: pg_throwaway_start
# starts a throwaway cluster (as the postgres user, in a temp dir, on a free
# loopback port) and sets pg_url; pg_throwaway_stop removes it. pgbin is
# Debian's newest PostgreSQL bin directory. PG_EXTRA_OPTS adds server
# options, e.g. PG_EXTRA_OPTS="-c fsync=off" to compare two binaries without
# the WAL's fsyncs (79c45f0 never waited for them: its "durable" flush wrote
# no WAL, so its acknowledgements were not durable).
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
pg_dir=""
pg_url=""

pg_throwaway_start() {
  [ -n "$pgbin" ] || { echo "PostgreSQL is not installed (bash scripts/setup.sh)" >&2; return 2; }
  pg_dir=$(mktemp -d /tmp/stub-pg.XXXXXX)
  chown postgres "$pg_dir"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  runuser -u postgres -- "$pgbin/initdb" -D "$pg_dir/data" -A trust -U postgres >/dev/null
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$pg_dir -c max_connections=200 ${PG_EXTRA_OPTS:-}" \
    start >/dev/null
  pg_url="postgresql://postgres@127.0.0.1:$port/postgres"
}

pg_throwaway_stop() {
  if [ -n "$pg_dir" ]; then
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
    pg_dir=""
  fi
}
