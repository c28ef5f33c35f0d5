-- Runs once per node (mysql1..3), only on an empty data directory, inside the
-- image's temporary socket-only server (docker-entrypoint-initdb.d).
--
-- Everything here is created identically on every member with the binary log
-- switched off, so no member starts with local GTIDs the others lack (a member
-- with extra transactions is refused by the group). RESET BINARY LOGS AND GTIDS
-- at the end (8.4 renamed the old RESET statement) wipes whatever the image's own init
-- step may have logged.

SET SESSION sql_log_bin = 0;

-- Distributed-recovery user: members copy missing transactions from a donor
-- through the group_replication_recovery channel with these credentials
-- (configured by gr-keeper.sh via CHANGE REPLICATION SOURCE).
CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED WITH caching_sha2_password BY 'repl';
GRANT REPLICATION SLAVE, CONNECTION_ADMIN, BACKUP_ADMIN, GROUP_REPLICATION_STREAM ON *.* TO 'repl'@'%';

-- ProxySQL monitor user (mysql-monitor_username in infra/deploy/docker/proxysql/proxysql.cnf).
-- ProxySQL >= 2.5 reads performance_schema.replication_group_members /
-- replication_group_member_stats directly on MySQL 8, no sys view needed.
CREATE USER IF NOT EXISTS 'monitor'@'%' IDENTIFIED WITH mysql_native_password BY 'monitor';
GRANT USAGE, REPLICATION CLIENT ON *.* TO 'monitor'@'%';
GRANT SELECT ON performance_schema.* TO 'monitor'@'%';
GRANT SELECT ON sys.* TO 'monitor'@'%';

-- Application schema; tables come from `rentalctl migrate`, which runs
-- through ProxySQL and therefore replicates through the group.
CREATE DATABASE IF NOT EXISTS rental CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci;

-- Application users. ProxySQL logs in to the backends with the same
-- username/password as the client, so these must match mysql_users in
-- proxysql.cnf. mysql_native_password keeps ProxySQL's backend auth simple
-- (enabled explicitly in conf.d/group-replication.cnf: 8.4 ships it off).
--   rental_w: writer DSN (ProxySQL default_hostgroup 10), also runs migrations.
--   rental_r: reader DSN (ProxySQL default_hostgroup 20), read-only grants.
CREATE USER IF NOT EXISTS 'rental_w'@'%' IDENTIFIED WITH mysql_native_password BY 'rental';
GRANT ALL PRIVILEGES ON rental.* TO 'rental_w'@'%';
-- The command runner reads the group's members to tell a multi-primary group
-- (statements one at a time) from a single server (batched commits); without
-- this grant it cannot tell, which it takes as multi-primary.
GRANT SELECT ON performance_schema.replication_group_members TO 'rental_w'@'%';
CREATE USER IF NOT EXISTS 'rental_r'@'%' IDENTIFIED WITH mysql_native_password BY 'rental';
GRANT SELECT, SHOW VIEW ON rental.* TO 'rental_r'@'%';

FLUSH PRIVILEGES;

-- Start every member with an empty binary log and an empty gtid_executed.
RESET BINARY LOGS AND GTIDS;
