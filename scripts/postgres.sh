#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback, for tests and benchmarks. Source it, then:
#   pg_start      starts one (installs Debian's postgresql first if missing, as root) and
#                 exports TANDEM_TEST_POSTGRES=postgres://tandem@127.0.0.1:PORT (TLS on too,
#                 under a certificate from a CA named by TANDEM_TEST_POSTGRES_CA)
#   pg_stop       stops it and deletes its folder (also run at exit)
# PostgreSQL refuses to run as root, so the cluster runs as the `postgres` system user.

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

pg_install() {
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "PostgreSQL is missing and this is not root: run 'sudo apt-get install -y postgresql' first." >&2
      return 1
    fi
    apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
}

# Runs a PostgreSQL tool as the user that owns the cluster.
pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}

pg_start() {
  pg_install || return 1
  PG_DIR=$(mktemp -d /tmp/tandem-pg.XXXXXX)
  chmod 755 "$PG_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  pg_as_owner "$PG_BIN/initdb -D $PG_DIR/data -A trust -U tandem >/dev/null" || return 1
  # In the cluster's own configuration, so a plain `pg_ctl start` (a test restarting it) finds
  # it again. fsync stays on (the default): acknowledged means durable here too.
  pg_as_owner "printf '%s\n' \"listen_addresses = '127.0.0.1'\" 'port = $PG_PORT' \
    \"unix_socket_directories = '$PG_DIR'\" 'max_connections = 400' >> $PG_DIR/data/postgresql.conf"
  # TLS on as well (plain connections still allowed), with a certificate for 127.0.0.1 and
  # localhost signed by a CA made here: TANDEM_TEST_POSTGRES_CA names it for the TLS test.
  command -v openssl >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq openssl >/dev/null; }
  (
    cd "$PG_DIR" &&
      openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=tandem-test-ca -keyout ca.key -out ca.crt &&
      openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr &&
      printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >server.ext &&
      openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.crt
  ) >/dev/null 2>&1 || return 1
  chmod 600 "$PG_DIR/server.key"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR/server.key" "$PG_DIR/server.crt"
  pg_as_owner "printf '%s\n' 'ssl = on' \"ssl_cert_file = '$PG_DIR/server.crt'\" \"ssl_key_file = '$PG_DIR/server.key'\" \
    >> $PG_DIR/data/postgresql.conf"
  pg_as_owner "$PG_BIN/pg_ctl -D $PG_DIR/data -l $PG_DIR/log -w start >/dev/null" || {
    cat "$PG_DIR/log" >&2
    return 1
  }
  export TANDEM_TEST_POSTGRES="postgres://tandem@127.0.0.1:$PG_PORT"
  export TANDEM_TEST_POSTGRES_CA="$PG_DIR/ca.crt"
  export PG_DIR PG_PORT PG_BIN
  trap pg_stop EXIT
}

pg_stop() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
    pg_as_owner "$PG_BIN/pg_ctl -D $PG_DIR/data -m immediate stop >/dev/null 2>&1" || true
    rm -rf "$PG_DIR"
  fi
}
