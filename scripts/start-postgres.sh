#!/usr/bin/env bash
# Starts a local PostgreSQL for oauth-console on 127.0.0.1:5432 and makes sure a role may log in
# there over TCP with a password and create databases: what .ci/run's PostgreSQL tests and the
# README's "Several servers" walk-through need. Debian's packages; installs them when missing.
# Needs root (or sudo). Prints the URL of the role's `postgres` database on standard output.
#
#   ROLE=oauth_console PASSWORD=… scripts/start-postgres.sh
set -euo pipefail

ROLE=${ROLE:-oauth_console}
PASSWORD=${PASSWORD:-oauth-console-local}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "PostgreSQL is not installed; installing Debian's package" >&2
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >&2
fi

# The first cluster of the newest version installed, made when there is none.
cluster=$(pg_lsclusters --no-header | sort -k1,1 -V | tail -n 1 | awk '{print $1, $2}')
if [ -z "$cluster" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  as_root pg_createcluster "$version" main >&2
  cluster="$version main"
fi
# shellcheck disable=SC2086 # "VERSION NAME", two words on purpose.
if ! pg_lsclusters --no-header | grep -q "^${cluster// /.*} .*online"; then
  as_root pg_ctlcluster $cluster start >&2
fi
for _ in $(seq 1 50); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 0.2
done
pg_isready -q -h 127.0.0.1 -p 5432 || {
  echo "PostgreSQL ($cluster) did not start answering on 127.0.0.1:5432; see its log under /var/log/postgresql" >&2
  exit 1
}

# Local socket connections are peer-authenticated: as the postgres user, no password needed.
as_root runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 \
  -v role="$ROLE" -v password="$PASSWORD" >&2 <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB', :'role')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'role', :'password') \gexec
SQL

echo "postgres://$ROLE:$PASSWORD@127.0.0.1:5432/postgres"
