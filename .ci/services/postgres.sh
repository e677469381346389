# PostgreSQL on 127.0.0.1 for the warehouse tests (issue 16): Debian's server, a cluster
# initialised in $SERVICES_DIR, started on a free port as the `postgres` user (the server
# refuses to run as root), with a database `lake` for the tests.
# Sourced by .ci/run (needs need_deb, free_port, wait_port, SERVICES_DIR, SERVICE_PIDS).
# Exports LAKEGATE_PG_HOST, LAKEGATE_PG_PORT, LAKEGATE_PG_USER, LAKEGATE_PG_PASSWORD and
# LAKEGATE_PG_DATABASE: the tests pass them on as PGHOST, PGPORT, ... to lakegate.
# Also usable by hand: `SERVICES_DIR=$(mktemp -d) SERVICE_PIDS=(); source .ci/services/postgres.sh`.

pg_start() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -z "$bin" ]; then
    need_deb postgresql
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  local dir="$SERVICES_DIR/postgres" port user=postgres
  port=$(free_port)
  mkdir -p "$dir"
  local run=()
  if [ "$(id -u)" = 0 ]; then
    id "$user" >/dev/null 2>&1 || useradd --system --no-create-home "$user"
    chown "$user" "$dir"
    chmod 755 "$SERVICES_DIR"
    run=(runuser -u "$user" --)
  else
    user=$(id -un)
  fi
  local pw=lakegate-ci-password
  printf '%s\n' "$pw" >"$dir/pwfile"
  chmod 644 "$dir/pwfile"
  # From a folder the server's user may enter (CI's checkout may be in a root-only temp folder).
  (cd "$dir" && "${run[@]}" "$bin/initdb" -D "$dir/data" -U lakegate --pwfile="$dir/pwfile" -A scram-sha-256 -E UTF8 \
    --locale=C.UTF-8 >/dev/null)
  rm -f "$dir/pwfile"
  # setpriv execs the server itself: the PID recorded is the postmaster's (stopping it stops all).
  local daemon=()
  [ "$(id -u)" = 0 ] && daemon=(setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups --)
  "${daemon[@]}" "$bin/postgres" -D "$dir/data" -h 127.0.0.1 -p "$port" -k "$dir" \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB \
    >"$dir/server.log" 2>&1 &
  SERVICE_PIDS+=($!)
  wait_port "$port" 60
  export LAKEGATE_PG_HOST=127.0.0.1 LAKEGATE_PG_PORT=$port LAKEGATE_PG_USER=lakegate
  export LAKEGATE_PG_PASSWORD=$pw LAKEGATE_PG_DATABASE=lake
  for _ in $(seq 1 30); do
    PGPASSWORD=$pw "$bin/psql" -h 127.0.0.1 -p "$port" -U lakegate -d postgres -qAtc 'select 1' >/dev/null 2>&1 && break
    sleep 0.5
  done
  PGPASSWORD=$pw "$bin/psql" -h 127.0.0.1 -p "$port" -U lakegate -d postgres -qc 'CREATE DATABASE lake' >/dev/null
  # A server whose default time zone is not UTC (+05:30): a result that depends on it fails the tests.
  PGPASSWORD=$pw "$bin/psql" -h 127.0.0.1 -p "$port" -U lakegate -d postgres -qc \
    "ALTER DATABASE lake SET timezone TO 'Asia/Kolkata'" >/dev/null
  # The tables are loaded by the tests themselves (tests/conformance.rs, tests/warehouse_examples.rs,
  # tests/postgres.rs), each into a schema of its own: the example lake as lakegate reads it
  # (typed by the contracts), the conformance datasets from one description.
  echo "postgres: 127.0.0.1:$port (pid ${SERVICE_PIDS[-1]}, log $dir/server.log)" >&2
}
pg_start
