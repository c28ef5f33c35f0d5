#!/bin/sh
# Starts Redis Sentinel from the read-only template.
#
# Sentinel must be able to rewrite its config file, so the template is copied
# to a writable path first. The copy is made only if it does not exist yet:
# a restarted (or recreated, compose keeps /data) sentinel keeps what it has
# learnt (current master after a failover, known sentinels and replicas, its
# own id). `docker compose down` discards it and the next start begins again
# from the template.
set -eu

TEMPLATE="${SENTINEL_TEMPLATE:-/etc/redis/sentinel.conf.tmpl}"
CONF="${SENTINEL_CONF:-/data/sentinel.conf}"
ANNOUNCE_HOST="${SENTINEL_ANNOUNCE_HOST:-$(hostname)}"

if [ ! -s "$CONF" ]; then
	mkdir -p "$(dirname "$CONF")"
	sed "s/@ANNOUNCE_HOST@/${ANNOUNCE_HOST}/g" "$TEMPLATE" >"$CONF"
	echo "sentinel-entrypoint: wrote $CONF from $TEMPLATE (announce $ANNOUNCE_HOST)"
else
	echo "sentinel-entrypoint: keeping existing $CONF"
fi

# The image entrypoint chowns /data to the redis user and drops privileges.
exec docker-entrypoint.sh redis-server "$CONF" --sentinel
