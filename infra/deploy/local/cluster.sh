#!/usr/bin/env bash
# Local HA cluster for the rental platform, as plain processes (no Docker):
# 3-node MariaDB Galera, HAProxy, Redis master+replica, 3 Sentinels, 2 api, 2 worker.
# Everything binds 127.0.0.1. See infra/deploy/local/README.md.
#
#   cluster.sh up | up-data | up-apps | down | down-apps | status
#   cluster.sh kill-node <name> | start-node <name> | pid <name>
#
# Environment: RENTAL_RUN_DIR (default <repo>/.run), RENTAL_BIN_DIR (default <repo>/bin),
#              RENTAL_APP_READY_TIMEOUT (seconds, default 30),
#              RENTAL_PORT_OFFSET (default 0: added to every port, so a second cluster,
#                the fault tests', runs beside make up's),
#              RENTAL_NODE_CGROUP (default none: start every node in its own cgroup v2
#                <name>/<node>, so the fault tests can cut links between nodes).
set -eEuo pipefail
trap 'printf "cluster.sh: unexpected failure (exit %s) at line %s: %s\n" "$?" "$LINENO" "$BASH_COMMAND" >&2' ERR
export PATH="$PATH:/usr/sbin:/sbin"

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
RUN=${RENTAL_RUN_DIR:-$REPO/.run}
case $RUN in /*) ;; *) RUN=$PWD/$RUN ;; esac
BIN=${RENTAL_BIN_DIR:-$REPO/bin}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
APP_READY_TIMEOUT=${RENTAL_APP_READY_TIMEOUT:-30}

GALERA=(galera1 galera2 galera3)
REDIS=(redis1 redis2)
SENTINELS=(sentinel1 sentinel2 sentinel3)
APPS=(api1 api2 worker1 worker2)
NODES=("${GALERA[@]}" haproxy "${REDIS[@]}" "${SENTINELS[@]}" "${APPS[@]}")

declare -A PORT=(
  [galera1]=3311 [galera2]=3312 [galera3]=3313 [haproxy]=3307
  [redis1]=6380 [redis2]=6381 [sentinel1]=26380 [sentinel2]=26381 [sentinel3]=26382
  [api1]=9001 [api2]=9002 [worker1]=9101 [worker2]=9102
)
# Each api's diagnostics address (RENTAL_DIAG_ADDR: /healthz, /readyz, /metrics): for HAProxy's
# health check and Prometheus only, never behind the public HTTP port.
declare -A DIAG=([api1]=9201 [api2]=9202)
declare -A GMCAST=([galera1]=4511 [galera2]=4512 [galera3]=4513)
declare -A IST=([galera1]=4521 [galera2]=4522 [galera3]=4523)
declare -A SST=([galera1]=4531 [galera2]=4532 [galera3]=4533)
# SST donor preference: keep galera1 (the HAProxy writer) out of SST while possible.
declare -A DONORS=([galera1]="galera3,galera2," [galera2]="galera3,galera1," [galera3]="galera2,galera1,")
WRITER_PORT=3307 READER_PORT=3308 HTTP_PORT=9000 STATS_PORT=8404
OFFSET=${RENTAL_PORT_OFFSET:-0}
[[ $OFFSET =~ ^[0-9]+$ ]] && ((OFFSET <= 30000)) || {
  echo "cluster.sh: RENTAL_PORT_OFFSET must be a whole number from 0 to 30000, not '$OFFSET'" >&2
  exit 2
}
if ((OFFSET)); then
  for _n in "${!PORT[@]}"; do PORT[$_n]=$((PORT[$_n] + OFFSET)); done
  for _n in "${!DIAG[@]}"; do DIAG[$_n]=$((DIAG[$_n] + OFFSET)); done
  for _n in "${!GMCAST[@]}"; do
    GMCAST[$_n]=$((GMCAST[$_n] + OFFSET)) IST[$_n]=$((IST[$_n] + OFFSET)) SST[$_n]=$((SST[$_n] + OFFSET))
  done
  WRITER_PORT=$((WRITER_PORT + OFFSET)) READER_PORT=$((READER_PORT + OFFSET))
  HTTP_PORT=$((HTTP_PORT + OFFSET)) STATS_PORT=$((STATS_PORT + OFFSET))
fi
NODE_CGROUP=${RENTAL_NODE_CGROUP:-}
REDIS_PASS=rental MASTER_NAME=rental
CHECK_USER=haproxy_check CHECK_PASS=haproxy_check
MYSQL_USER=mysql
GALERA_STARTED=0

T0=$(date +%s%N)

# ---------------------------------------------------------------- output helpers
elapsed() {
  local ms=$((($(date +%s%N) - T0) / 1000000))
  printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}
step() { printf '[%5ss] %-10s %s\n' "$(elapsed)" "$1" "$2"; }
die() {
  printf 'cluster.sh: %s\n' "$*" >&2
  exit 1
}
# fail <node> <message>: print the tail of the node's log and exit non-zero.
fail() {
  local n=$1
  shift
  printf '[%5ss] %-10s FAILED: %s\n' "$(elapsed)" "$n" "$*" >&2
  local log="$RUN/logs/$n.log" text
  if [[ -s $log ]]; then
    # Only what was logged since this start attempt (logs are appended across restarts).
    text=$(tail -c +"$((${LOGMARK[$n]:-0} + 1))" "$log")
    if grep -qE '\[ERROR\]|FATAL|panic:' <<<"$text"; then
      printf -- '----- error lines in %s -----\n' "$log" >&2
      grep -E '\[ERROR\]|FATAL|panic:' <<<"$text" | tail -n 5 >&2
    fi
    printf -- '----- last 30 lines of %s -----\n' "$log" >&2
    tail -n 30 <<<"$text" >&2
    printf -- '-----\n' >&2
  fi
  exit 1
}
# mark_log <node>: remember the log size, so fail shows only this attempt's lines.
declare -A LOGMARK=()
mark_log() { LOGMARK[$1]=$(stat -c %s "$RUN/logs/$1.log" 2>/dev/null || echo 0); }

is_node() {
  local x
  for x in "${NODES[@]}"; do [[ $x == "$1" ]] && return 0; done
  return 1
}

# ---------------------------------------------------------------- PIDs
pidfile() { printf '%s/pids/%s.pid' "$RUN" "$1"; }

# owns <pid> <node>: true when <pid> is alive and is that node's process (guards
# against stale PID files whose PID was reused by something else).
owns() {
  local pid=$1 n=$2 comm cmd state
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ $state != Z && $state != X ]] || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  case $n in
    galera*) [[ $comm == mariadbd && $cmd == *"$RUN/conf/$n.cnf"* ]] ;;
    redis* | sentinel*) [[ $comm == redis-server* && $cmd == *"127.0.0.1:${PORT[$n]}"* ]] ;;
    haproxy) [[ $comm == haproxy && $cmd == *"$RUN/haproxy.cfg"* ]] ;;
    api*) [[ $comm == api && ${cmd%% *} == */api ]] ;;
    worker*) [[ $comm == worker && ${cmd%% *} == */worker ]] ;;
    *) return 1 ;;
  esac
}

# running <pid>: the process exists and is not a zombie. Used right after a start,
# when setsid may not have exec'd the program yet (owns would see "setsid" or
# "bash" and wrongly report that the node exited).
running() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ $state != Z && $state != X ]]
}

# alive_pid <node>: print the node's PID when it is running.
alive_pid() {
  local f p
  f=$(pidfile "$1")
  [[ -s $f ]] || return 1
  p=$(tr -dc '0-9' <"$f")
  owns "$p" "$1" || return 1
  printf '%s\n' "$p"
}
is_up() { alive_pid "$1" >/dev/null; }

# wait_gone <pid> <node> <seconds>
wait_gone() {
  local pid=$1 n=$2 i
  for ((i = 0; i < $3 * 10; i++)); do
    owns "$pid" "$n" || return 0
    sleep 0.1
  done
  return 1
}

# stop_node <node> <seconds>: SIGTERM by PID, wait, then SIGKILL.
stop_node() {
  local n=$1 t=$2 pid
  if ! pid=$(alive_pid "$n"); then
    rm -f "$(pidfile "$n")"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  if wait_gone "$pid" "$n" "$t"; then
    step "$n" "stopped (pid $pid)"
  else
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" "$n" 5 || die "$n: pid $pid survived SIGKILL"
    step "$n" "killed after ${t}s without exiting on SIGTERM (pid $pid)"
  fi
  rm -f "$(pidfile "$n")"
}

# ---------------------------------------------------------------- cgroups
# cgroup2_root: where the cgroup v2 hierarchy is mounted (pure v2 or hybrid).
cgroup2_root() { awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts; }
# cg_join <node>: move the calling (sub)shell into the node's cgroup when
# RENTAL_NODE_CGROUP is set. Sockets belong to the cgroup they were created in, so a
# node must start there (its children inherit it); used as ( cg_join n; exec cmd ).
cg_join() {
  [[ -n $NODE_CGROUP ]] || return 0
  local root dir
  root=$(cgroup2_root)
  [[ -n $root ]] || die "RENTAL_NODE_CGROUP is set but no cgroup v2 hierarchy is mounted"
  dir="$root/$NODE_CGROUP/$1"
  mkdir -p "$dir" || die "cannot create cgroup $dir"
  printf '%s\n' "$BASHPID" >"$dir/cgroup.procs" || die "cannot join cgroup $dir"
}

port_busy() { [[ -n $(ss -Hltn "sport = :$1" 2>/dev/null) ]]; }
check_ports_free() {
  local n=$1 p
  shift
  for p in "$@"; do
    port_busy "$p" && fail "$n" "127.0.0.1:$p is already in use by a process this script did not start"
  done
  return 0
}

# render <template> <output> KEY=VALUE...: replace @KEY@ in infra/deploy/local/<template>.
render() {
  local in="$HERE/$1" out=$2 kv k v args=()
  shift 2
  for kv in "$@"; do
    k=${kv%%=*} v=${kv#*=}
    v=${v//\\/\\\\} v=${v//|/\\|} v=${v//&/\\&}
    args+=(-e "s|@${k}@|${v}|g")
  done
  sed "${args[@]}" "$in" >"$out"
}

# ---------------------------------------------------------------- packages
ensure_packages() {
  local missing=() f
  for f in mariadbd mariadb mariadb-install-db rsync haproxy redis-server redis-cli; do
    command -v "$f" >/dev/null 2>&1 || missing+=("$f")
  done
  [[ -e /usr/lib/galera/libgalera_smm.so ]] || missing+=(libgalera_smm.so)
  [[ -e /usr/bin/wsrep_sst_rsync ]] || missing+=(wsrep_sst_rsync)
  command -v ss >/dev/null 2>&1 || missing+=(ss)
  ((${#missing[@]} == 0)) && return 0
  step packages "missing: ${missing[*]}; installing Debian packages"
  [[ $EUID -eq 0 ]] || die "need root to install packages"
  # Only packages not installed yet: never upgrade one that a running service uses.
  local pkgs=() pkg
  for pkg in mariadb-server mariadb-client galera-4 rsync haproxy redis-server redis-sentinel iproute2; do
    [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) == "install ok installed" ]] || pkgs+=("$pkg")
  done
  ((${#pkgs[@]} > 0)) || fail packages "${missing[*]} missing although the packages are installed"
  step packages "apt-get install ${pkgs[*]}"
  # Keep package scripts from starting services (a default-port MariaDB/Redis may already
  # run here and must stay untouched): policy-rc.d 101 = "action forbidden".
  local policy=/usr/sbin/policy-rc.d made_policy=0 before after p
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
  fi
  before=$(listen_pids 3306 6379 26379)
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}" >"$RUN/logs/apt.log" 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update >>"$RUN/logs/apt.log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}" >>"$RUN/logs/apt.log" 2>&1 ||
      { ((made_policy)) && rm -f "$policy"; fail apt "apt-get install failed"; }
  fi
  ((made_policy)) && rm -f "$policy"
  # If a package script started a daemon on a default port anyway, stop exactly that one.
  after=$(listen_pids 3306 6379 26379)
  for p in $after; do
    if ! grep -qx "$p" <<<"$before"; then
      step packages "stopping daemon pid $p started by the package install"
      kill -TERM "$p" 2>/dev/null || true
    fi
  done
  step packages "installed"
}
# listen_pids <port>...: PIDs listening on those TCP ports (one per line).
listen_pids() {
  local p
  for p in "$@"; do
    ss -Hltnp "sport = :$p" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 || true
  done | sort -u
}

prepare_dirs() {
  mkdir -p "$RUN"/{pids,logs,data,conf,bin,sock,state}
  chmod 755 "$RUN" "$RUN"/{pids,logs,data,conf,bin}
}

# ================================================================ Galera
gcnf() { printf '%s/conf/%s.cnf' "$RUN" "$1"; }
gdata() { printf '%s/data/%s' "$RUN" "$1"; }
gsock() { printf '%s/sock/%s.sock' "$RUN" "$1"; }
gsql() {
  local n=$1
  shift
  mariadb --no-defaults --protocol=socket -S "$(gsock "$n")" -uroot --connect-timeout=2 -N -B "$@"
}
# gstate <node>: prints "<local_state> <cluster_status> <cluster_size>" or fails.
gstate() {
  gsql "$1" -e "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state','wsrep_cluster_status','wsrep_cluster_size')" 2>/dev/null |
    awk '{v[$1]=$2} END {if (!("wsrep_local_state" in v)) exit 1; print v["wsrep_local_state"], v["wsrep_cluster_status"], v["wsrep_cluster_size"]}'
}
g_synced() {
  local s
  s=$(gstate "$1") || return 1
  [[ $s == "4 Primary "* ]]
}

write_galera_cnf() {
  local n=$1 user=$MYSQL_USER
  [[ $EUID -eq 0 ]] || user=$(id -un)
  mkdir -p "$(gdata "$n")"
  touch "$RUN/logs/$n.log"
  if [[ $EUID -eq 0 ]]; then
    chown "$MYSQL_USER:" "$(gdata "$n")" "$RUN/logs/$n.log" "$RUN/sock"
    chmod 750 "$(gdata "$n")"
  fi
  render galera.cnf.in "$(gcnf "$n")" USER="$user" NAME="$n" DATA="$(gdata "$n")" \
    SOCK="$(gsock "$n")" LOG="$RUN/logs/$n.log" PORT="${PORT[$n]}" \
    GMCAST="${GMCAST[$n]}" IST="${IST[$n]}" SST="${SST[$n]}" DONORS="${DONORS[$n]}" \
    GMCAST1="${GMCAST[galera1]}" GMCAST2="${GMCAST[galera2]}" GMCAST3="${GMCAST[galera3]}"
  chmod 644 "$(gcnf "$n")"
}

g_initialized() { [[ -d "$(gdata "$1")/mysql" ]]; }

# grastate <node> <key>: a value from grastate.dat (empty when absent).
grastate() {
  local f
  f="$(gdata "$1")/grastate.dat"
  [[ -f $f ]] || return 0
  awk -v k="$2:" '$1 == k {print $2}' "$f"
}

# g_position <node>: print "<uuid>:<seqno>" for a stopped node; runs --wsrep-recover
# when grastate.dat does not hold it (the node crashed or was killed).
g_position() {
  local n=$1 uuid seqno rlog
  uuid=$(grastate "$n" uuid)
  seqno=$(grastate "$n" seqno)
  if [[ -n $uuid && -n $seqno && $seqno != -1 ]]; then
    printf '%s:%s\n' "$uuid" "$seqno"
    return 0
  fi
  g_initialized "$n" || return 1
  write_galera_cnf "$n"
  rlog="$RUN/logs/$n.recover.log"
  : >"$rlog"
  [[ $EUID -eq 0 ]] && chown "$MYSQL_USER:" "$rlog"
  mariadbd --defaults-file="$(gcnf "$n")" --wsrep-recover --log-error="$rlog" >/dev/null 2>&1 9>&- || true
  sed -n 's/.*WSREP: Recovered position: *\([0-9a-f-]*:-\{0,1\}[0-9]*\).*/\1/p' "$rlog" | tail -n 1
}

# g_pick_bootstrap: the stopped node to bootstrap from when every Galera node is down,
# printed as "<node> <reason>": a node with safe_to_bootstrap: 1 (it left last, cleanly),
# else the highest seqno (read from grastate.dat or recovered; ties: lowest number);
# galera1 when no node has data yet.
g_pick_bootstrap() {
  local n best="" bestseq=-2 pos seq
  for n in "${GALERA[@]}"; do
    if [[ $(grastate "$n" safe_to_bootstrap) == 1 ]] && g_initialized "$n"; then
      printf '%s %s\n' "$n" "safe_to_bootstrap: 1 (seqno $(grastate "$n" seqno))"
      return 0
    fi
  done
  for n in "${GALERA[@]}"; do
    g_initialized "$n" || continue
    pos=$(g_position "$n") || continue
    seq=${pos##*:}
    [[ $seq =~ ^-?[0-9]+$ ]] || continue
    [[ ${pos%%:*} == 00000000-0000-0000-0000-000000000000 ]] && continue
    if ((seq > bestseq)); then best=$n bestseq=$seq; fi
  done
  if [[ -n $best ]]; then
    printf '%s %s\n' "$best" "highest seqno $bestseq"
  else
    printf 'galera1 %s\n' "no Galera state yet"
  fi
}

g_set_safe_to_bootstrap() {
  local f
  f="$(gdata "$1")/grastate.dat"
  [[ -f $f ]] && sed -i 's/^safe_to_bootstrap:.*/safe_to_bootstrap: 1/' "$f"
  return 0
}

# start_galera <node> new|join
start_galera() {
  local n=$1 mode=$2 args pid i s t0 timeout=90 pos
  mark_log "$n"
  check_ports_free "$n" "${PORT[$n]}" "${GMCAST[$n]}"
  write_galera_cnf "$n"
  rm -f "$(gsock "$n")" "$(gdata "$n")/mariadbd.pid"
  if ! g_initialized "$n" && [[ $mode == new ]]; then
    step "$n" "initialising data dir (mariadb-install-db)"
    mariadb-install-db --defaults-file="$(gcnf "$n")" --skip-test-db \
      --auth-root-authentication-method=socket >>"$RUN/logs/$n.log" 2>&1 9>&- ||
      fail "$n" "mariadb-install-db failed"
  fi
  args=(--defaults-file="$(gcnf "$n")")
  if [[ $mode == new ]]; then
    g_set_safe_to_bootstrap "$n"
    args+=(--wsrep-new-cluster)
  elif g_initialized "$n" && [[ $(grastate "$n" seqno) == -1 ]]; then
    # Killed node: recover its position so it can rejoin by IST instead of full SST.
    pos=$(g_position "$n" || true)
    [[ $pos =~ ^[0-9a-f-]+:[0-9]+$ ]] && args+=(--wsrep_start_position="$pos")
  fi
  (cg_join "$n" && exec setsid mariadbd "${args[@]}" >>"$RUN/logs/$n.log" 2>&1 </dev/null 9>&-) &
  pid=$!
  GALERA_STARTED=1
  printf '%s\n' "$pid" >"$(pidfile "$n")"
  t0=$(date +%s)
  [[ $mode == new ]] && timeout=60
  for ((i = 0; ; i++)); do
    running "$pid" || fail "$n" "mariadbd exited during start"
    if s=$(gstate "$n") && [[ $s == "4 Primary "* ]]; then break; fi
    (($(date +%s) - t0 > timeout)) && fail "$n" "not Synced/Primary after ${timeout}s (state: ${s:-no answer})"
    sleep 0.2
  done
  if [[ $mode == new ]]; then
    step "$n" "bootstrapped new cluster (pid $pid, port ${PORT[$n]})"
  else
    step "$n" "joined, cluster size ${s##* } (pid $pid, port ${PORT[$n]})"
  fi
}

# g_ensure_primary: when Galera nodes run but none is in the Primary component
# (two of three were lost), re-bootstrap the component from the first live one.
g_ensure_primary() {
  local n s i live=()
  for n in "${GALERA[@]}"; do
    is_up "$n" || continue
    live+=("$n")
    s=$(gstate "$n" || true)
    [[ $s == *" Primary "* ]] && return 0
  done
  ((${#live[@]} == 0)) && return 1
  step "${live[0]}" "no Primary component: SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'"
  gsql "${live[0]}" -e "SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'" || fail "${live[0]}" "pc.bootstrap failed"
  for ((i = 0; i < 50; i++)); do
    g_synced "${live[0]}" && return 0
    sleep 0.2
  done
  fail "${live[0]}" "still not Primary after pc.bootstrap"
}

galera_any_up() {
  local n
  for n in "${GALERA[@]}"; do is_up "$n" && return 0; done
  return 1
}

galera_up() {
  local n boot reason
  if ! galera_any_up; then
    read -r boot reason < <(g_pick_bootstrap)
    [[ -n $boot ]] || boot=galera1
    step "$boot" "all Galera nodes down: bootstrapping from $boot ($reason)"
    start_galera "$boot" new
  else
    g_ensure_primary
  fi
  for n in "${GALERA[@]}"; do
    if is_up "$n"; then
      [[ ${boot:-} == "$n" ]] || step "$n" "already running (pid $(alive_pid "$n"))"
    else
      start_galera "$n" join
    fi
  done
  # Accounts only when a node was (re)started: an up on a running cluster writes nothing.
  ((GALERA_STARTED)) && galera_accounts
  return 0
}

galera_accounts() {
  local n target=""
  for n in "${GALERA[@]}"; do
    if is_up "$n" && g_synced "$n"; then target=$n && break; fi
  done
  [[ -n $target ]] || fail galera1 "no Synced node to create the database on"
  # The app user gets rental.* only: ALL ON *.* would include READ_ONLY ADMIN.
  # Status variables (SHOW STATUS LIKE 'wsrep%') need no privilege, so no PROCESS grant.
  gsql "$target" <<SQL || fail "$target" "creating database/users failed"
CREATE DATABASE IF NOT EXISTS rental CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'rental'@'127.0.0.1' IDENTIFIED BY 'rental';
CREATE USER IF NOT EXISTS 'rental'@'localhost' IDENTIFIED BY 'rental';
ALTER USER 'rental'@'127.0.0.1' IDENTIFIED BY 'rental';
ALTER USER 'rental'@'localhost' IDENTIFIED BY 'rental';
GRANT ALL PRIVILEGES ON rental.* TO 'rental'@'127.0.0.1';
GRANT ALL PRIVILEGES ON rental.* TO 'rental'@'localhost';
CREATE USER IF NOT EXISTS '$CHECK_USER'@'127.0.0.1' IDENTIFIED BY '$CHECK_PASS';
ALTER USER '$CHECK_USER'@'127.0.0.1' IDENTIFIED BY '$CHECK_PASS';
-- Fault tests create scratch databases rt_<hex> (infra/testing/testenv) on the nodes themselves.
CREATE USER IF NOT EXISTS 'rental_test'@'127.0.0.1' IDENTIFIED BY 'rental_test';
ALTER USER 'rental_test'@'127.0.0.1' IDENTIFIED BY 'rental_test';
GRANT ALL PRIVILEGES ON \`rt\\_%\`.* TO 'rental_test'@'127.0.0.1';
SQL
  step galera "database rental and users rental, $CHECK_USER, rental_test ready (via $target)"
}

# ================================================================ HAProxy
haproxy_up() {
  local pid i
  if pid=$(alive_pid haproxy); then
    step haproxy "already running (pid $pid)"
    return 0
  fi
  mark_log haproxy
  check_ports_free haproxy "$WRITER_PORT" "$READER_PORT" "$HTTP_PORT" "$STATS_PORT"
  printf '[client]\nuser=%s\npassword=%s\nconnect-timeout=1\n' "$CHECK_USER" "$CHECK_PASS" >"$RUN/conf/haproxy-check.cnf"
  chmod 600 "$RUN/conf/haproxy-check.cnf"
  render galera-check.sh.in "$RUN/bin/galera-check.sh" CHECK_CNF="$RUN/conf/haproxy-check.cnf"
  chmod 755 "$RUN/bin/galera-check.sh"
  render haproxy.cfg.in "$RUN/haproxy.cfg" RUN="$RUN" STATS_PORT="$STATS_PORT" \
    WRITER_PORT="$WRITER_PORT" READER_PORT="$READER_PORT" HTTP_PORT="$HTTP_PORT" \
    G1="${PORT[galera1]}" G2="${PORT[galera2]}" G3="${PORT[galera3]}" \
    API1="${PORT[api1]}" API2="${PORT[api2]}" API1_DIAG="${DIAG[api1]}" API2_DIAG="${DIAG[api2]}"
  haproxy -c -q -f "$RUN/haproxy.cfg" >>"$RUN/logs/haproxy.log" 2>&1 || fail haproxy "invalid $RUN/haproxy.cfg"
  rm -f "$(pidfile haproxy)" "$RUN/haproxy.sock"
  (cg_join haproxy && exec haproxy -f "$RUN/haproxy.cfg" -D -p "$(pidfile haproxy)" >>"$RUN/logs/haproxy.log" 2>&1 </dev/null 9>&-) ||
    fail haproxy "haproxy did not start"
  for ((i = 0; i < 100; i++)); do
    pid=$(alive_pid haproxy) && curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$STATS_PORT/stats;csv" 2>/dev/null && break
    ((i == 99)) && fail haproxy "no stats endpoint after 10s"
    sleep 0.1
  done
  # Wait until the writer backend has a server UP (checks every 500ms).
  for ((i = 0; i < 100; i++)); do
    haproxy_csv | awk -F, '$1 == "galera_writer" && $2 == "BACKEND" && $18 == "UP" {ok=1} END {exit !ok}' && break
    ((i == 99)) && fail haproxy "galera_writer backend not UP after 10s"
    sleep 0.1
  done
  step haproxy "started (pid $pid): writer $WRITER_PORT, reader $READER_PORT, http $HTTP_PORT, stats $STATS_PORT"
}
haproxy_csv() { curl -fsS --max-time 1 "http://127.0.0.1:$STATS_PORT/stats;csv" 2>/dev/null; }
# haproxy_wait_up <backend> <server>: when HAProxy runs, wait (<= 10 s) until it marks
# the server UP, so a restarted node is back in rotation when start-node returns.
haproxy_wait_up() {
  local i
  is_up haproxy || return 0
  for ((i = 0; i < 100; i++)); do
    haproxy_csv | awk -F, -v b="$1" -v s="$2" '$1 == b && $2 == s && $18 ~ /^UP/ {ok=1} END {exit !ok}' && {
      step "$2" "UP in HAProxy backend $1"
      return 0
    }
    sleep 0.1
  done
  step "$2" "warning: not UP in HAProxy backend $1 after 10s"
}

# ================================================================ Redis
rcli() {
  local port=$1
  shift
  REDISCLI_AUTH=$REDIS_PASS timeout 3 redis-cli --no-auth-warning -h 127.0.0.1 -p "$port" "$@" 2>/dev/null
}
scli() {
  local port=$1
  shift
  env -u REDISCLI_AUTH timeout 3 redis-cli -h 127.0.0.1 -p "$port" "$@" 2>/dev/null
}
node_by_port() {
  local n
  for n in "${REDIS[@]}"; do [[ ${PORT[$n]} == "$1" ]] && printf '%s\n' "$n" && return 0; done
  return 1
}
other_redis() { if [[ $1 == redis1 ]]; then echo redis2; else echo redis1; fi; }
redis_role() { rcli "${PORT[$1]}" info replication | tr -d '\r' | awk -F: '$1 == "role" {print $2}'; }

# sentinel_master: the master node as reported by the first live Sentinel (empty if none).
sentinel_master() {
  local s out
  for s in "${SENTINELS[@]}"; do
    is_up "$s" || continue
    out=$(scli "${PORT[$s]}" sentinel get-master-addr-by-name "$MASTER_NAME" | tail -n 1) || continue
    [[ -n $out ]] || continue
    node_by_port "$out" && return 0
  done
  return 0
}
record_master() { printf '%s\n' "$1" >"$RUN/state/redis-master"; }

# current_master: Sentinel's view, else a live node whose role is master, else the node
# recorded when the cluster was last stopped (or last changed), else redis1.
current_master() {
  local m n
  m=$(sentinel_master)
  if [[ -n $m ]]; then echo "$m" && return 0; fi
  for n in "${REDIS[@]}"; do
    if is_up "$n" && [[ $(redis_role "$n") == master ]]; then echo "$n" && return 0; fi
  done
  m=$(cat "$RUN/state/redis-master" 2>/dev/null || true)
  if [[ $m == redis1 || $m == redis2 ]]; then echo "$m"; else echo redis1; fi
}

# start_redis <node> [<master node>]: no master = start as master.
start_redis() {
  local n=$1 m=${2:-} conf pid i
  mark_log "$n"
  check_ports_free "$n" "${PORT[$n]}"
  conf="$RUN/conf/$n.conf"
  mkdir -p "$RUN/data/$n"
  render redis.conf.in "$conf" PORT="${PORT[$n]}" PIDFILE="$(pidfile "$n")" \
    LOG="$RUN/logs/$n.log" DATA="$RUN/data/$n"
  [[ -n $m ]] && printf 'replicaof 127.0.0.1 %s\n' "${PORT[$m]}" >>"$conf"
  rm -f "$(pidfile "$n")"
  (cg_join "$n" && exec redis-server "$conf" >>"$RUN/logs/$n.log" 2>&1 </dev/null 9>&-) || fail "$n" "redis-server did not start"
  for ((i = 0; i < 100; i++)); do
    pid=$(alive_pid "$n") && [[ $(rcli "${PORT[$n]}" ping) == PONG ]] && break
    ((i == 99)) && fail "$n" "no pidfile/PING after 10s"
    sleep 0.1
  done
  if [[ -z $m ]]; then
    record_master "$n"
    step "$n" "started as master (pid $pid, port ${PORT[$n]})"
    return 0
  fi
  for ((i = 0; i < 150; i++)); do
    rcli "${PORT[$n]}" info replication | grep -q '^master_link_status:up' && break
    ((i == 149)) && fail "$n" "replica link to ${m} not up after 15s"
    sleep 0.1
  done
  step "$n" "started as replica of $m (pid $pid, port ${PORT[$n]})"
}

# start_redis_node <node>: restart one Redis node into the running setup.
start_redis_node() {
  local n=$1 o m i
  o=$(other_redis "$n")
  if ! is_up "$o"; then
    m=$(current_master)
    if [[ $m == "$n" ]]; then start_redis "$n"; else start_redis "$n" "$m"; fi
    return 0
  fi
  m=$(sentinel_master)
  if [[ $m == "$n" ]]; then
    # Killed master: give Sentinel time to promote the other node (about 3 s).
    step "$n" "Sentinel still names $n as master; waiting for the failover"
    for ((i = 0; i < 100; i++)); do
      m=$(sentinel_master)
      [[ $m != "$n" ]] && break
      sleep 0.1
    done
  fi
  [[ -n $m ]] || { [[ $(redis_role "$o") == master ]] && m=$o; }
  if [[ $m == "$n" ]]; then
    start_redis "$n"
  else
    record_master "${m:-$o}"
    start_redis "$n" "${m:-$o}"
    sentinels_wait_replica "$n"
  fi
}

redis_up() {
  local n m
  if is_up redis1 && is_up redis2; then
    for n in "${REDIS[@]}"; do step "$n" "already running (pid $(alive_pid "$n"), $(redis_role "$n"))"; done
    return 0
  fi
  if ! is_up redis1 && ! is_up redis2; then
    m=$(current_master)
    start_redis "$m"
    start_redis "$(other_redis "$m")" "$m"
    return 0
  fi
  for n in "${REDIS[@]}"; do
    if is_up "$n"; then step "$n" "already running (pid $(alive_pid "$n"))"; else start_redis_node "$n"; fi
  done
}

# ================================================================ Sentinel
# sentinel_field <sentinel> <field>: a field of SENTINEL MASTER rental.
sentinel_field() {
  scli "${PORT[$1]}" sentinel master "$MASTER_NAME" | awk -v f="$2" 'NR % 2 == 1 && $0 == f {getline; print; exit}'
}
# sentinel_ok <sentinel>: knows the master, a healthy replica and the 2 other Sentinels.
sentinel_ok() {
  local s=$1
  [[ $(sentinel_field "$s" flags) == master ]] || return 1
  [[ $(sentinel_field "$s" num-other-sentinels) == 2 ]] || return 1
  scli "${PORT[$s]}" sentinel replicas "$MASTER_NAME" |
    awk 'NR % 2 == 1 {k=$0; next} k == "flags" && $0 == "slave" {ok=1} END {exit !ok}'
}
# sentinels_wait_replica <node>: every live Sentinel sees <node> as a healthy replica
# (needed before the next failover; otherwise -failover-abort-no-good-slave).
sentinels_wait_replica() {
  local n=$1 s i ok
  for ((i = 0; i < 150; i++)); do
    ok=1
    for s in "${SENTINELS[@]}"; do
      is_up "$s" || continue
      if ! scli "${PORT[$s]}" sentinel replicas "$MASTER_NAME" |
        awk -v p="${PORT[$n]}" 'NR % 2 == 1 {k=$0; next} k == "port" {cur=$0} k == "flags" && cur == p && $0 == "slave" {ok=1} END {exit !ok}'; then
        ok=0
        break
      fi
    done
    ((ok)) && { step "$n" "seen as a healthy replica by the Sentinels"; return 0; }
    sleep 0.1
  done
  step "$n" "warning: Sentinels do not see it as a healthy replica yet (after 15s)"
}

start_sentinel() {
  local s=$1 m=$2 conf pid i
  mark_log "$s"
  check_ports_free "$s" "${PORT[$s]}"
  conf="$RUN/conf/$s.conf"
  mkdir -p "$RUN/data/$s"
  render sentinel.conf.in "$conf" PORT="${PORT[$s]}" PIDFILE="$(pidfile "$s")" \
    LOG="$RUN/logs/$s.log" DATA="$RUN/data/$s" MASTER_PORT="${PORT[$m]}"
  rm -f "$(pidfile "$s")"
  (cg_join "$s" && exec redis-server "$conf" --sentinel >>"$RUN/logs/$s.log" 2>&1 </dev/null 9>&-) || fail "$s" "sentinel did not start"
  for ((i = 0; i < 100; i++)); do
    pid=$(alive_pid "$s") && [[ $(scli "${PORT[$s]}" ping) == PONG ]] && break
    ((i == 99)) && fail "$s" "no pidfile/PING after 10s"
    sleep 0.1
  done
  step "$s" "started (pid $pid, port ${PORT[$s]}), monitoring $m"
}

sentinels_up() {
  local s m i started=0
  m=$(current_master)
  for s in "${SENTINELS[@]}"; do
    if is_up "$s"; then
      step "$s" "already running (pid $(alive_pid "$s"))"
    else
      start_sentinel "$s" "$m"
      started=1
    fi
  done
  ((started)) || return 0
  for s in "${SENTINELS[@]}"; do
    for ((i = 0; i < 200; i++)); do
      sentinel_ok "$s" && break
      ((i == 199)) && fail "$s" "does not see master + replica + 2 Sentinels after 20s"
      sleep 0.1
    done
  done
  record_master "$(current_master)"
  step sentinels "all 3 see master $(current_master), its replica and each other"
}

# ================================================================ apps
# app_env: the settings that point the apps at this cluster; nothing on the default
# ports (the apps' defaults already reach them), else every address (no spaces in them).
app_env() {
  ((OFFSET)) || return 0
  printf '%s\n' \
    "RENTAL_MYSQL_DSN=rental:rental@tcp(127.0.0.1:$WRITER_PORT)/rental" \
    "RENTAL_MYSQL_READ_DSN=rental:rental@tcp(127.0.0.1:$READER_PORT)/rental" \
    "RENTAL_MYSQL_NODES=127.0.0.1:${PORT[galera1]},127.0.0.1:${PORT[galera2]},127.0.0.1:${PORT[galera3]}" \
    "RENTAL_HAPROXY_STATS_URL=http://127.0.0.1:$STATS_PORT/stats;csv" \
    "RENTAL_REDIS_SENTINELS=127.0.0.1:${PORT[sentinel1]},127.0.0.1:${PORT[sentinel2]},127.0.0.1:${PORT[sentinel3]}"
}
app_bin() { case $1 in api*) echo "$BIN/api" ;; worker*) echo "$BIN/worker" ;; esac }

http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1" 2>/dev/null || true; }

start_app() {
  local n=$1 bin pid i t0
  bin=$(app_bin "$n")
  if pid=$(alive_pid "$n"); then
    step "$n" "already running (pid $pid)"
    return 0
  fi
  if [[ ! -x $bin ]]; then
    step "$n" "skipped: $bin not built"
    return 0
  fi
  mark_log "$n"
  check_ports_free "$n" "${PORT[$n]}" ${DIAG[$n]:+"${DIAG[$n]}"}
  printf -- '--- %s start %s\n' "$(date '+%F %T')" "$n" >>"$RUN/logs/$n.log"
  case $n in
    api*) (cg_join "$n" && exec env $(app_env) RENTAL_HTTP_ADDR=127.0.0.1:${PORT[$n]} RENTAL_DIAG_ADDR=127.0.0.1:${DIAG[$n]} \
      setsid "$bin" >>"$RUN/logs/$n.log" 2>&1 </dev/null 9>&-) & ;;
    worker*) (cg_join "$n" && exec env $(app_env) RENTAL_WORKER_ID=$n RENTAL_METRICS_ADDR=127.0.0.1:${PORT[$n]} setsid "$bin" >>"$RUN/logs/$n.log" 2>&1 </dev/null 9>&-) & ;;
  esac
  pid=$!
  printf '%s\n' "$pid" >"$(pidfile "$n")"
  t0=$(date +%s)
  case $n in
    api*)
      for ((i = 0; ; i++)); do
        running "$pid" || fail "$n" "exited during start"
        [[ $(http_code "http://127.0.0.1:${DIAG[$n]}/readyz") == 200 ]] && break
        (($(date +%s) - t0 >= APP_READY_TIMEOUT)) && fail "$n" "GET /readyz not 200 after ${APP_READY_TIMEOUT}s"
        sleep 0.25
      done
      step "$n" "ready (pid $pid, http 127.0.0.1:${PORT[$n]}, diagnostics 127.0.0.1:${DIAG[$n]})"
      ;;
    worker*)
      for ((i = 0; i < 40; i++)); do
        running "$pid" || fail "$n" "exited during start"
        port_busy "${PORT[$n]}" && break
        sleep 0.25
      done
      if port_busy "${PORT[$n]}"; then
        step "$n" "running (pid $pid, metrics 127.0.0.1:${PORT[$n]})"
      else
        step "$n" "running (pid $pid; metrics port ${PORT[$n]} not open after 10s)"
      fi
      ;;
  esac
}

apps_up() {
  local n
  for n in "${APPS[@]}"; do start_app "$n"; done
  for n in api1 api2; do
    is_up "$n" && haproxy_wait_up api "$n"
  done
  return 0
}
apps_down() {
  local n
  for n in worker2 worker1 api2 api1; do stop_node "$n" 15; done
}

# ================================================================ commands
# reachable_by_mysql: Galera runs as user mysql, which must enter every directory
# above the run directory; otherwise mariadb-install-db fails much later with Aria
# errors. Fail at once instead, naming the directory (mktemp -d makes one with mode 700).
reachable_by_mysql() {
  local d=$RUN
  id "$MYSQL_USER" >/dev/null 2>&1 || return 0 # the package install creates the user
  while [[ ! -e $d ]]; do d=$(dirname "$d"); done
  while :; do
    if ! runuser -u "$MYSQL_USER" -- test -x "$d" 2>/dev/null; then
      die "RENTAL_RUN_DIR $RUN is not reachable by user $MYSQL_USER, which runs Galera: it cannot enter $d (mode $(stat -c %a "$d"), owner $(stat -c %U "$d")). Use a directory every user may enter, or: chmod o+x $d"
    fi
    [[ $d == / ]] && return 0
    d=$(dirname "$d")
  done
}

lock() {
  [[ $RUN != *[[:space:]]* ]] || die "RENTAL_RUN_DIR must not contain whitespace: '$RUN'"
  [[ $EUID -eq 0 ]] || die "run as root (Galera runs as user mysql; packages may be installed)"
  reachable_by_mysql
  prepare_dirs
  exec 9>"$RUN/.lock"
  flock -w 600 9 || die "another cluster.sh holds $RUN/.lock"
}

cmd_up_data() {
  lock
  ensure_packages
  step run "run dir $RUN"
  galera_up
  haproxy_up
  redis_up
  sentinels_up
  step up-data "done in $(elapsed)s"
}

cmd_up_apps() {
  lock
  apps_up
}

cmd_down() {
  local m n
  lock
  apps_down
  stop_node haproxy 10
  m=$(sentinel_master)
  [[ -n $m ]] && record_master "$m"
  for n in sentinel3 sentinel2 sentinel1; do stop_node "$n" 10; done
  m=$(cat "$RUN/state/redis-master" 2>/dev/null || echo redis1)
  # Replica first, so the master has nothing to wait for and keeps the newest data.
  stop_node "$(other_redis "$m")" 15
  stop_node "$m" 15
  # galera1 last: it leaves with safe_to_bootstrap: 1 and bootstraps the next up.
  for n in galera3 galera2 galera1; do stop_node "$n" 60; done
  step down "done in $(elapsed)s"
}

node_info() {
  local n=$1 s c
  case $n in
    galera*)
      if s=$(gstate "$n"); then
        read -r st cs sz <<<"$s"
        case $st in 0) st=Undefined ;; 1) st=Joining ;; 2) st=Donor ;; 3) st=Joined ;; 4) st=Synced ;; esac
        echo "$st $cs size=$sz"
      fi
      ;;
    redis*)
      s=$(rcli "${PORT[$n]}" info replication | tr -d '\r')
      c=$(awk -F: '$1 == "role" {print $2}' <<<"$s")
      if [[ $c == slave ]]; then
        echo "replica of $(awk -F: '$1 == "master_port" {p=$2} $1 == "master_link_status" {l=$2} END {print p, "link=" l}' <<<"$s")"
      else
        echo "${c:-no answer}"
      fi
      ;;
    sentinel*)
      s=$(scli "${PORT[$n]}" sentinel get-master-addr-by-name "$MASTER_NAME" | tail -n 1)
      echo "master=${s:-?}"
      ;;
    haproxy)
      haproxy_csv | awk -F, '$2 != "FRONTEND" && $2 != "BACKEND" && $1 ~ /^(galera_writer|galera_reader|api)$/ {printf "%s/%s=%s ", $1, $2, $18}' |
        sed 's/galera_//g'
      ;;
    api*) echo "readyz=$(http_code "http://127.0.0.1:${DIAG[$n]}/readyz")" ;;
  esac
}

cmd_status() {
  local n pid alive info
  printf '%-10s %-8s %-5s %-6s %s\n' NODE PID ALIVE PORT INFO
  for n in "${NODES[@]}"; do
    info=""
    if pid=$(alive_pid "$n"); then
      alive=yes
      info=$(node_info "$n" 2>/dev/null || true)
    else
      alive=no
      pid=-
      [[ ($n == api* || $n == worker*) && ! -x $(app_bin "$n") ]] && info="(not built)"
    fi
    printf '%-10s %-8s %-5s %-6s %s\n' "$n" "$pid" "$alive" "${PORT[$n]}" "$info"
  done
}

cmd_kill_node() {
  local n=$1 pid
  pid=$(alive_pid "$n") || die "$n is not running"
  kill -KILL "$pid"
  wait_gone "$pid" "$n" 10 || die "$n (pid $pid) still there after SIGKILL"
  rm -f "$(pidfile "$n")"
  step "$n" "killed with SIGKILL (pid $pid)"
}

cmd_start_node() {
  local n=$1 boot reason o i
  lock
  if is_up "$n"; then
    step "$n" "already running (pid $(alive_pid "$n"))"
    return 0
  fi
  case $n in
    galera*)
      if galera_any_up; then
        g_ensure_primary
        start_galera "$n" join
        haproxy_wait_up galera_writer "$n"
      else
        read -r boot reason < <(g_pick_bootstrap)
        [[ $boot == "$n" ]] || die "all Galera nodes are down and $boot has the newest state: start-node $boot first (or run up-data)"
        step "$n" "all Galera nodes down: bootstrapping ($reason)"
        start_galera "$n" new
      fi
      ;;
    haproxy) haproxy_up ;;
    redis*) start_redis_node "$n" ;;
    sentinel*)
      start_sentinel "$n" "$(current_master)"
      for ((i = 0; i < 200; i++)); do
        sentinel_ok "$n" && { step "$n" "sees master $(current_master), its replica and 2 Sentinels"; return 0; }
        sleep 0.1
      done
      fail "$n" "does not see master + replica + 2 Sentinels after 20s"
      ;;
    api* | worker*)
      o=$(app_bin "$n")
      [[ -x $o ]] || die "$o not built"
      start_app "$n"
      if [[ $n == api* ]]; then haproxy_wait_up api "$n"; fi
      ;;
  esac
}

usage() {
  cat <<EOF
usage: $(basename "$0") <command>
  up            up-data, then up-apps
  up-data       Galera x3, HAProxy, Redis master+replica, Sentinel x3
  up-apps       api1 api2 worker1 worker2 (when bin/api, bin/worker exist)
  down-apps     stop the apps
  down          stop everything this script started (by PID)
  status        one line per node: name, pid, alive, port, info
  kill-node N   SIGKILL node N by PID
  start-node N  (re)start node N into the running cluster
  pid N         print node N's PID (exit 1 when not running)
  env           print the environment that points tools at this cluster (eval it)
nodes: ${NODES[*]}
run dir: $RUN
EOF
}

need_node() {
  [[ -n ${1:-} ]] || { usage >&2; exit 2; }
  is_node "$1" || die "unknown node '$1' (nodes: ${NODES[*]})"
}

main() {
  local cmd=${1:-}
  shift || true
  case $cmd in
    up)
      cmd_up_data
      apps_up
      ;;
    up-data) cmd_up_data ;;
    up-apps) cmd_up_apps ;;
    down-apps)
      lock
      apps_down
      ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env)
      # The settings rentalctl (or any tool) needs for this cluster: eval "$(cluster.sh env)".
      app_env | sed 's/^/export /; s/=\(.*\)$/="\1"/'
      printf 'export RENTAL_API_URL="http://127.0.0.1:%s/api/v1"\n' "$HTTP_PORT"
      ;;
    pid)
      need_node "${1:-}"
      alive_pid "$1" || { echo "$1 is not running" >&2 && exit 1; }
      ;;
    kill-node)
      need_node "${1:-}"
      cmd_kill_node "$1"
      ;;
    start-node)
      need_node "${1:-}"
      cmd_start_node "$1"
      ;;
    -h | --help | help) usage ;;
    *) usage >&2 && exit 2 ;;
  esac
}

main "$@"
