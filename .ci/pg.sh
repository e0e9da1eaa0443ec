# Sourced by .ci/run and the bench/ scripts: `pg_start` starts a throwaway
# PostgreSQL cluster from Debian's packages (installed if missing) on a free
# loopback port with trust authentication, in a temporary directory, and sets
# PG_URL (superuser), PG_BIN, PG_DATA and PG_PORT; `pg_ctl_as ARGS` runs
# pg_ctl on it (as the postgres user when run as root); `pg_stop` stops it
# and removes the directory.
pg_start() {
  if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PG_DIR=$(mktemp -d)
  PG_DATA="$PG_DIR/data"
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  PG_AS=()
  if [ "$(id -u)" = 0 ]; then chown postgres "$PG_DIR"; PG_AS=(runuser -u postgres --); fi
  "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 >/dev/null
  pg_ctl_as start
  PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
}

pg_ctl_as() {
  if [ "$1" = start ]; then
    "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c max_connections=300" start >/dev/null
  else
    "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" "$@" >/dev/null
  fi
}

pg_stop() {
  pg_ctl_as -m fast stop || true
  rm -rf "$PG_DIR"
}
