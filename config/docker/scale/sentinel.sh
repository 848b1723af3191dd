#!/bin/sh
# One Redis Sentinel watching the master of $SERVICE; $QUORUM Sentinels must agree it is down.
set -eu
cat > /tmp/sentinel.conf <<CONF
port 26379
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel monitor $SERVICE $MASTER_HOST 6379 $QUORUM
sentinel down-after-milliseconds $SERVICE 2000
sentinel failover-timeout $SERVICE 10000
sentinel parallel-syncs $SERVICE 1
CONF
exec redis-server /tmp/sentinel.conf --sentinel
