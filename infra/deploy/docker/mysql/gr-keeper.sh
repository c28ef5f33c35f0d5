#!/usr/bin/env bash
# Keeps the MySQL Group Replication group of mysql1..3 formed.
#
# Runs as the long-running `mysql-keeper` compose service (restart:
# unless-stopped), so it runs again after every `docker compose up` and after
# every host reboot. A Group Replication group does not re-form by itself
# once every member has stopped: group_replication_start_on_boot only joins a
# group that is running. So every GR_INTERVAL seconds the keeper:
#   * leaves a member that is already ONLINE alone;
#   * if some member is ONLINE (a group exists), makes every other member join it;
#   * if no member is ONLINE or RECOVERING (first start, a reboot, every node
#     restarted), bootstraps the group on exactly one member: the one whose
#     transactions contain everyone else's, counting both the executed ones
#     (gtid_executed) and those certified and received but not applied yet
#     (RECEIVED_TRANSACTION_SET of the group_replication_applier channel), as
#     MySQL Shell's rebootClusterFromCompleteOutage does. On a fresh cluster
#     that is the first of GR_NODES (mysql1). The others then join it;
#   * once every member is ONLINE, persists group_replication_start_on_boot ON
#     so a single restarted member rejoins on its own.
# After a pass that ends with every member ONLINE it touches $GR_HEALTH_FILE,
# which the service's healthcheck reads; a failed pass removes it.
#
# It refuses to decide anything until every node answers, so that it never
# bootstraps a second group next to a running one (split brain).
#
# Environment:
#   MYSQL_ROOT_PASSWORD  root password of the nodes (required)
#   GR_NODES             space-separated member hostnames (default: mysql1 mysql2 mysql3)
#   GR_REPL_USER         recovery user created by init/01-users.sql (default: repl)
#   GR_REPL_PASSWORD     its password (default: repl)
#   GR_WAIT_SECONDS      how long one pass waits for nodes / for ONLINE (default: 600)
#   GR_INTERVAL          seconds between passes (default: 10); 0 runs one pass and exits
#   GR_HEALTH_FILE       the file a good pass touches (default: /tmp/gr-healthy)
set -Eeuo pipefail

: "${MYSQL_ROOT_PASSWORD:?MYSQL_ROOT_PASSWORD must be set}"
read -r -a NODES <<<"${GR_NODES:-mysql1 mysql2 mysql3}"
REPL_USER="${GR_REPL_USER:-repl}"
REPL_PASSWORD="${GR_REPL_PASSWORD:-repl}"
WAIT_SECONDS="${GR_WAIT_SECONDS:-600}"
INTERVAL="${GR_INTERVAL:-10}"
HEALTH_FILE="${GR_HEALTH_FILE:-/tmp/gr-healthy}"

CLIENT_CNF="$(mktemp)"
trap 'rm -f "$CLIENT_CNF"' EXIT
chmod 600 "$CLIENT_CNF"
cat >"$CLIENT_CNF" <<EOF
[client]
user=root
password="${MYSQL_ROOT_PASSWORD}"
connect-timeout=5
EOF

log() { printf '[gr-keeper] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# q HOST SQL: run SQL on HOST and print the rows tab-separated, no header.
q() {
	mysql --defaults-extra-file="$CLIENT_CNF" --protocol=TCP -h "$1" -P 3306 \
		--batch --skip-column-names -e "$2"
}

# state HOST: this member's own GR state (ONLINE, RECOVERING, OFFLINE, ERROR,
# UNREACHABLE); OFFLINE when the plugin has not been started.
state() {
	local s
	if ! s="$(q "$1" "SELECT IFNULL((SELECT MEMBER_STATE FROM performance_schema.replication_group_members WHERE MEMBER_ID = @@server_uuid), 'OFFLINE')" 2>/dev/null)"; then
		echo UNREACHABLE
		return
	fi
	echo "${s:-OFFLINE}"
}

wait_reachable() {
	local host="$1" deadline=$((SECONDS + WAIT_SECONDS))
	until q "$host" "SELECT 1" >/dev/null 2>&1; do
		((SECONDS < deadline)) || die "$host did not accept connections within ${WAIT_SECONDS}s"
		sleep 2
	done
	log "$host is reachable"
}

wait_online() {
	local host="$1" deadline=$((SECONDS + WAIT_SECONDS)) s
	while :; do
		s="$(state "$host")"
		[[ "$s" == ONLINE ]] && { log "$host is ONLINE"; return 0; }
		[[ "$s" == ERROR || "$s" == OFFLINE ]] && { log "$host went $s while joining"; return 1; }
		((SECONDS < deadline)) || { log "$host still $s after ${WAIT_SECONDS}s"; return 1; }
		sleep 2
	done
}

# transactions HOST: what HOST executed plus what it has certified and received
# but not applied yet (its relay log of the group_replication_applier channel).
transactions() {
	q "$1" "SELECT REPLACE(GTID_UNION(@@GLOBAL.gtid_executed, IFNULL((SELECT RECEIVED_TRANSACTION_SET FROM performance_schema.replication_connection_status WHERE CHANNEL_NAME = 'group_replication_applier'), '')), '\n', '')"
}

# Store the recovery credentials in the channel (needed by start_on_boot, which
# cannot pass USER/PASSWORD to START GROUP_REPLICATION). Only valid while GR
# is stopped on that member.
configure_recovery() {
	q "$1" "CHANGE REPLICATION SOURCE TO SOURCE_USER='${REPL_USER}', SOURCE_PASSWORD='${REPL_PASSWORD}' FOR CHANNEL 'group_replication_recovery'"
}

# stop_gr HOST: cancel a pending start-on-boot join attempt or clear the ERROR
# state. Harmless when GR is not running.
stop_gr() {
	q "$1" "STOP GROUP_REPLICATION" >/dev/null 2>&1 || true
}

bootstrap_on() {
	local host="$1" rc=0
	log "bootstrapping the group on $host"
	stop_gr "$host"
	configure_recovery "$host"
	q "$host" "SET GLOBAL group_replication_bootstrap_group = ON"
	q "$host" "START GROUP_REPLICATION" || rc=$?
	# Always switch it back, whether START succeeded or not: a member that
	# later restarts with bootstrap_group=ON would create a second group.
	q "$host" "SET GLOBAL group_replication_bootstrap_group = OFF"
	((rc == 0)) || die "START GROUP_REPLICATION (bootstrap) failed on $host"
	wait_online "$host" || die "$host did not become ONLINE after bootstrapping"
}

join() {
	local host="$1" attempt s
	for attempt in 1 2 3; do
		s="$(state "$host")"
		case "$s" in
		ONLINE) return 0 ;;
		RECOVERING)
			log "$host is RECOVERING, waiting"
			wait_online "$host" && return 0
			;;
		UNREACHABLE) die "$host became unreachable" ;;
		esac
		log "joining $host (state $s, attempt $attempt)"
		stop_gr "$host"
		configure_recovery "$host"
		if q "$host" "START GROUP_REPLICATION" && wait_online "$host"; then
			return 0
		fi
		sleep $((attempt * 5))
	done
	die "$host could not join the group"
}

# ---------------------------------------------------------------------------

# all_online: every member answers, is ONLINE and sees every member ONLINE;
# the quiet common case of a pass.
all_online() {
	local n
	for n in "${NODES[@]}"; do
		[[ "$(q "$n" "SELECT COUNT(*) FROM performance_schema.replication_group_members WHERE MEMBER_STATE = 'ONLINE'" 2>/dev/null)" == "${#NODES[@]}" ]] || return 1
	done
}

# ensure_group is one pass. It runs in a subshell: die ends the pass, not the keeper.
ensure_group() {
all_online && return 0
for n in "${NODES[@]}"; do
	wait_reachable "$n"
done

declare -A STATE
group_member=""
for n in "${NODES[@]}"; do
	STATE[$n]="$(state "$n")"
	log "$n: ${STATE[$n]}"
	if [[ -z "$group_member" && "${STATE[$n]}" == ONLINE ]]; then
		group_member="$n"
	fi
done

if [[ -z "$group_member" ]]; then
	for n in "${NODES[@]}"; do
		if [[ "${STATE[$n]}" == RECOVERING ]]; then
			# Someone is joining a group we cannot see ONLINE yet: let it settle.
			log "$n is RECOVERING; waiting for it before deciding"
			wait_online "$n" || true
			[[ "$(state "$n")" == ONLINE ]] && group_member="$n" && break
		fi
	done
fi

if [[ -z "$group_member" ]]; then
	log "no ONLINE member: the group has to be bootstrapped"
	# Stop pending start-on-boot attempts so no member is mid-join while we
	# compare GTID sets and bootstrap.
	for n in "${NODES[@]}"; do stop_gr "$n"; done

	declare -A GTIDS
	for n in "${NODES[@]}"; do
		GTIDS[$n]="$(transactions "$n")"
		log "$n transactions (executed + received): ${GTIDS[$n]:-<empty>}"
	done

	# The bootstrap member must already have every transaction any other
	# member has; otherwise the others would be refused when joining.
	candidate=""
	for c in "${NODES[@]}"; do
		ok=1
		for o in "${NODES[@]}"; do
			[[ "$o" == "$c" ]] && continue
			if [[ "$(q "$c" "SELECT GTID_SUBSET('${GTIDS[$o]}', '${GTIDS[$c]}')")" != 1 ]]; then
				ok=0
				break
			fi
		done
		if ((ok)); then
			candidate="$c"
			break
		fi
	done
	[[ -n "$candidate" ]] || die "members have diverged GTID sets (no member contains all others); fix by hand"

	bootstrap_on "$candidate"
	group_member="$candidate"
else
	log "group is running (ONLINE member: $group_member)"
fi

for n in "${NODES[@]}"; do
	[[ "$n" == "$group_member" ]] && continue
	join "$n"
done

# Every member must see all members ONLINE, in multi-primary mode.
want="${#NODES[@]}"
for n in "${NODES[@]}"; do
	online="$(q "$n" "SELECT COUNT(*) FROM performance_schema.replication_group_members WHERE MEMBER_STATE = 'ONLINE'")"
	[[ "$online" == "$want" ]] || die "$n sees $online ONLINE members, want $want"
	single="$(q "$n" "SELECT @@GLOBAL.group_replication_single_primary_mode")"
	[[ "$single" == 0 ]] || die "$n runs in single-primary mode; multi-primary expected"
	# From now on a restarted member rejoins by itself. bootstrap_group is
	# persisted OFF defensively: it must never be ON at startup.
	q "$n" "SET PERSIST group_replication_start_on_boot = ON"
	q "$n" "SET PERSIST group_replication_bootstrap_group = OFF"
done

q "$group_member" "SELECT MEMBER_HOST, MEMBER_PORT, MEMBER_STATE, MEMBER_ROLE FROM performance_schema.replication_group_members ORDER BY MEMBER_HOST" >&2
log "group replication is ONLINE on: ${NODES[*]}"
}

while :; do
	if (ensure_group); then
		touch "$HEALTH_FILE"
	else
		rm -f "$HEALTH_FILE"
		log "pass failed; trying again in ${INTERVAL}s"
	fi
	((INTERVAL > 0)) || exit 0
	sleep "$INTERVAL"
done
