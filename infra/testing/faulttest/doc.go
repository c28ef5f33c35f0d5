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
// They start the cluster themselves (and stop it afterwards unless it was
// already running) and write their figures to .run/fault-report/*.json; see
// docs/RELIABILITY.md.
package faulttest
