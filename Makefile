# datamon cluster — build, run, test.
# `make run` starts a local cluster; `make test` runs the test suite. Both
# install what they need (Debian packages when run as root, Go modules via the proxy).

GO        ?= go
BIN       := bin/datamon
PKGS      := ./...
NODES     ?= 4
SITES     ?= 3
RUN_DIR   ?= ./datamon-local
TEST_TIMEOUT ?= 18m
FUZZTIME  ?= 20s
export CGO_ENABLED ?= 1
# fuse3: cgofuse against libfuse3 (FUSE mounts; needs libfuse3-dev to build, fuse3 to run).
GOTAGS    ?= fuse3
# `datamon version`: git describe and the commit, stamped at link time.
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
COMMIT    ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
LDFLAGS   := -X main.version=$(VERSION) -X main.commit=$(COMMIT)

.PHONY: all build build-static cross-windows deps run test test-short test-race lint fmt vet bench bench-quick fuzz jepsen clean

all: build

deps:
	@./scripts/deps.sh

build:
	@mkdir -p bin
	$(GO) build -tags $(GOTAGS) -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/datamon

# A build without cgo: everything but FUSE.
build-static:
	@mkdir -p bin
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o bin/datamon-static ./cmd/datamon

# Windows: cgofuse needs no cgo there (WinFsp at run time); keeps that build from rotting.
cross-windows:
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build -tags $(GOTAGS) -o /dev/null ./cmd/datamon

run: deps build
	./$(BIN) cluster local --nodes $(NODES) --sites $(SITES) --dir $(RUN_DIR) $(if $(BASE_PORT),--base-port $(BASE_PORT))

test: deps build lint build-static cross-windows
	@rm -f bin/pytest-summary.txt
	DATAMON_PYTEST_SUMMARY=$(CURDIR)/bin/pytest-summary.txt DATAMON_BIN=$(CURDIR)/$(BIN) \
		$(GO) test -tags $(GOTAGS) -count=1 -timeout $(TEST_TIMEOUT) $(PKGS); st=$$?; \
		cat bin/pytest-summary.txt 2>/dev/null; exit $$st

# The in-process packages under the race detector (no multi-process e2e;
# raftmeta's crash tests included). Not part of `make test`: it roughly
# triples their time.
RACE_PKGS ?= ./api/... ./cas/... ./client/... ./diskguard/... ./durability/... ./gateway/... ./membership/... \
	./peer/... ./raftlog/... ./raftmeta/... ./s3backend/... ./shard/... ./transfer/...
test-race:
	$(GO) test -race -count=1 -timeout 30m $(RACE_PKGS)

# Unit tests only (no multi-process clusters).
test-short:
	$(GO) test -short -count=1 $(PKGS)

lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet -tags $(GOTAGS) $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

bench: deps build
	DATAMON_BIN=$(CURDIR)/$(BIN) $(GO) run ./bench/cmd/datamon-bench -profile full

bench-quick: deps build
	DATAMON_BIN=$(CURDIR)/$(BIN) $(GO) run ./bench/cmd/datamon-bench -profile quick

# Each fuzz target for FUZZTIME.
fuzz:
	@./scripts/fuzz.sh $(FUZZTIME)

jepsen: deps build
	DATAMON_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 90m ./jepsen -run . -jepsen.full

# Short jepsen profile (CI, < ~12 min): real nodes under partitions, kills,
# pauses and clock offsets; histories checked (see jepsen/README.md).
.PHONY: jepsen-short
jepsen-short: deps build
	DATAMON_BIN=$(CURDIR)/bin/datamon $(GO) test -count=1 -timeout 20m ./jepsen -run . -jepsen.short

clean:
	rm -rf bin $(RUN_DIR)
