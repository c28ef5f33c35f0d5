// Package faulttest holds the fault tests of the local HA cluster
// (infra/deploy/local/cluster.sh): the Redis master, the Redis replica, a worker, an
// api and the Galera writer are killed with SIGKILL under a steady mixed load,
// and every test ends with a check that every acknowledged command is in
// MySQL exactly once and that every read model matches MySQL.
//
// The tests carry the build tag "cluster", so `make test` does not run them:
//
//	make test-cluster        # or: go test -tags cluster -count=1 -v ./infra/testing/faulttest/
//
// They run a cluster of their own, never make up's: its own run directory
// (.run-faulttest: data, logs, binaries) and make up's ports plus 5000, so a
// user's data and make up's demo data never see a fault test's writes. They
// start it from nothing (and stop it afterwards unless RENTAL_FAULT_KEEP is
// set) and write their figures to .run-faulttest/fault-report/*.json; see
// docs/RELIABILITY.md. The partition tests (build tag "partitions", make
// test-partitions) cut links between its nodes: partition_test.go.
package faulttest
