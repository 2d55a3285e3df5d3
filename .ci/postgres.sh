# shellcheck shell=bash
# Sourced by .ci/run (as root, under `set -euo pipefail`): start a throwaway
# PostgreSQL from Debian's package for the bookmark store's second backend and
# export IMR_TEST_DATABASE_URL so the tests run against it too.
#
# The server runs as a non-root user, listens only on a unix socket (no TCP),
# and is reused if it is already running; a server this script started is
# stopped when the calling shell exits.

imr_pg_bin="${IMR_PG_BIN:-/usr/lib/postgresql/15/bin}"
imr_pg_root="${IMR_PG_DIR:-/tmp/imr-ci-postgres}"
imr_pg_port="${IMR_PG_PORT:-5544}"
imr_pg_db="${IMR_PG_DB:-imr_test}"
imr_pg_data="$imr_pg_root/data"
imr_pg_sock="$imr_pg_root/socket"

if [ ! -x "$imr_pg_bin/postgres" ]; then
  echo "postgres.sh: no PostgreSQL in $imr_pg_bin; the PostgreSQL tests cannot run" >&2
else
  if [ "$(id -u)" = 0 ]; then
    imr_pg_user="${IMR_PG_USER:-postgres}"
    if ! id -u "$imr_pg_user" >/dev/null 2>&1; then
      useradd --system --no-create-home --shell /usr/sbin/nologin "$imr_pg_user"
    fi
  else
    imr_pg_user="$(id -un)"
  fi

  imr_pg_run() {
    if [ "$(id -u)" = 0 ]; then
      (cd / && runuser -u "$imr_pg_user" -- "$@")
    else
      (cd / && "$@")
    fi
  }

  mkdir -p "$imr_pg_sock"
  chmod 755 "$imr_pg_root" "$imr_pg_sock"
  if [ "$(id -u)" = 0 ]; then chown "$imr_pg_user" "$imr_pg_root" "$imr_pg_sock"; fi

  if [ ! -s "$imr_pg_data/PG_VERSION" ]; then
    imr_pg_run "$imr_pg_bin/initdb" -D "$imr_pg_data" -U imr --auth=trust --encoding=UTF8 --no-locale >/dev/null
  fi

  if imr_pg_run "$imr_pg_bin/pg_ctl" -D "$imr_pg_data" status >/dev/null 2>&1; then
    echo "postgres.sh: reusing the PostgreSQL server already running in $imr_pg_data"
  else
    imr_pg_run "$imr_pg_bin/pg_ctl" -D "$imr_pg_data" -l "$imr_pg_root/server.log" -w -t 60 \
      -o "-c listen_addresses='' -k $imr_pg_sock -p $imr_pg_port" start >/dev/null
    imr_pg_stop() {
      imr_pg_run "$imr_pg_bin/pg_ctl" -D "$imr_pg_data" -m fast -w stop >/dev/null 2>&1 || true
    }
    if declare -F imr_ci_on_exit >/dev/null; then imr_ci_on_exit imr_pg_stop; else trap imr_pg_stop EXIT; fi
  fi

  if ! imr_pg_run "$imr_pg_bin/psql" -h "$imr_pg_sock" -p "$imr_pg_port" -U imr -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$imr_pg_db'" | grep -q 1; then
    imr_pg_run "$imr_pg_bin/createdb" -h "$imr_pg_sock" -p "$imr_pg_port" -U imr "$imr_pg_db"
  fi

  export IMR_TEST_DATABASE_URL="postgresql+psycopg://imr@/$imr_pg_db?host=$imr_pg_sock&port=$imr_pg_port"
  echo "postgres.sh: IMR_TEST_DATABASE_URL=$IMR_TEST_DATABASE_URL"
fi
