#!/bin/sh
# The database service: Debian's PostgreSQL server with its data on the lease's persistent volume.
# The cluster is created on the first start only (into a side folder, moved into place when complete, so a
# start interrupted half-way is redone rather than left half-made); later starts, after a restart of the
# service or of the provider, find it there with its data.
set -eu
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
data=/var/lib/postgresql/data
if [ ! -s "$data/PG_VERSION" ]; then
  rm -rf "$data.init"
  umask 077
  printf '%s\n' "$POSTGRES_PASSWORD" >/tmp/pwfile
  "$bin/initdb" --pgdata="$data.init" --username="$POSTGRES_USER" --pwfile=/tmp/pwfile \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C >/dev/null
  rm -f /tmp/pwfile
  mv "$data.init" "$data"
  echo "db: created the cluster in $data"
fi
# Only the lease's private network (no route leads there from outside it); no Unix socket folder but /tmp.
# SIGTERM (the provider stopping the service) is a smart shutdown; the web app holds no open sessions.
exec "$bin/postgres" -D "$data" -c listen_addresses=127.0.0.1 -c port=5432 \
  -c unix_socket_directories=/tmp -c shared_buffers=16MB -c max_connections=20
