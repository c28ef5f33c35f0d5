# Two commands do everything on a fresh Debian machine:
#   make up    start the whole system (local HA cluster, migrations, demo data, api x2, worker x2)
#   make test  run every test (needs MariaDB on 127.0.0.1:3306 and Redis on 127.0.0.1:6379;
#              .ci/run installs and starts them when absent)
#   make test-cluster   fault tests against a local HA cluster of their own (its own run
#              directory .run-faulttest and ports, never make up's; FAULT=TestRedisMasterKilled runs one)
#   make test-partitions  partitions, lossy links and full disks on that cluster (root, nftables)
GO      ?= go
BIN     := $(CURDIR)/bin
CLUSTER := infra/deploy/local/cluster.sh
TESTFLAGS ?= -race -count=1 -timeout 20m
FAULT   ?= .

.PHONY: build up down status test test-cluster test-partitions bench vet fmt clean

build:
	$(GO) build -o $(BIN)/ ./cmd/...

up: build
	$(CLUSTER) up-data
	$(BIN)/rentalctl migrate
	$(BIN)/rentalctl seed
	$(CLUSTER) up-apps
	@echo
	@echo "The rental platform is up: open http://127.0.0.1:9000/"
	@echo "  log in as tenant@example.com, landlord01@example.com or admin@example.com (password demo-password)"
	@echo "  JSON API: http://127.0.0.1:9000/api/v1/listings"
	@echo "  status:  $(CLUSTER) status      stop: make down"

down:
	$(CLUSTER) down

status:
	$(CLUSTER) status

# The browser tests keep their screenshots (1280 and 375 px wide) here.
SCREENSHOTS ?= $(BIN)/screenshots

test:
	$(GO) vet ./...
	RENTAL_SCREENSHOTS=$(SCREENSHOTS) $(GO) test $(TESTFLAGS) ./...

# The Galera nodes themselves, for tests that write to every node (multi-primary).
# The fault tests' own cluster: make up's ports plus 5000 (infra/testing/faulttest).
GALERA_DSNS ?= rental_test:rental_test@tcp(127.0.0.1:8311)/,rental_test:rental_test@tcp(127.0.0.1:8312)/,rental_test:rental_test@tcp(127.0.0.1:8313)/

# The tests build their own binaries into their run directory: make up's bin/ stays as it is.
test-cluster:
	RENTAL_TEST_GALERA_DSNS='$(GALERA_DSNS)' $(GO) test -tags cluster -count=1 -v -timeout 30m -run '$(FAULT)' ./infra/testing/faulttest/

# One cluster start, every scenario in turn (healed between them); SCENARIO=redis-master-isolated runs one.
SCENARIO ?=
test-partitions:
	@command -v nft >/dev/null || apt-get install -y -qq --no-install-recommends nftables
	RENTAL_PARTITION_SCENARIO='$(SCENARIO)' $(GO) test -tags cluster,partitions -count=1 -v -timeout 60m -run '^TestPartitions$$' ./infra/testing/faulttest/

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

# Benchmarks, side by side in one run, on a scratch database and key prefix of
# the MariaDB and Redis that `make test` uses; output goes to docs/BENCHMARKS.md by hand.
bench:
	@command -v wrk >/dev/null || apt-get install -y -qq --no-install-recommends wrk
	$(GO) run ./cmd/rentalbench $(BENCHFLAGS)

clean:
	rm -rf $(BIN)
