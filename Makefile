# kubectl-harden. `make check` is what CI runs; `make demo` runs the product end to end on a local kind cluster.
SHELL := /bin/bash
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo v0.0.0-dev)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
DATE ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
PKG := github.com/kubectl-harden/kubectl-harden/pkg/version
LDFLAGS := -s -w -X $(PKG).Version=$(VERSION) -X $(PKG).Commit=$(COMMIT) -X $(PKG).Date=$(DATE)

# One set of compile flags for every go command the targets run (vet, test, the builds,
# GoReleaser's, the upstream module, the tests' own builds): the release's -trimpath and
# CGO_ENABLED=0. A package compiled once for one of them is in the build cache for all.
export CGO_ENABLED ?= 0
export GOFLAGS := -trimpath $(GOFLAGS)

.PHONY: all build test lint size upstream browser fuzz bench e2e demo krew-check release check clean

all: build

## build: the plugin binary in bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/kubectl-harden ./cmd/kubectl-harden

## test: unit, golden and fuzz-seed tests (no cluster); results of unchanged packages come from Go's test cache (TESTFLAGS=-count=1 runs them all)
TESTFLAGS ?=
test:
	$(GO) test $(TESTFLAGS) ./...

## upstream: our kubelet defaults and drop-in merge against the kubelet's own code (k8s.io/kubernetes, the module hack/upstream-defaults; first build 10-20 min, with progress)
upstream:
	GO=$(GO) hack/upstream.sh

## browser: the HTML report in headless Chromium (test/browser, a module of its own; installs Debian's chromium when none is on PATH)
browser:
	hack/browser-test.sh

## size: the stripped binary's per-package breakdown; fails above 36 MB or when the linker keeps every exported method
size:
	$(GO) run ./hack/binsize -check -n 15

## lint: go vet (also e2e, browser, and a windows build), staticcheck (pinned, hack/staticcheck.sh), gofmt, go mod tidy of every module but hack/upstream-defaults (tidied by `make upstream`)
lint:
	$(GO) vet ./...
	$(GO) vet -tags e2e ./test/e2e/... ./pkg/debugpod/...
	cd test/browser && $(GO) vet -tags browser ./...
	@# the code for the other release platforms compiles (the full GoReleaser cross-build runs only when its inputs change)
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) build -trimpath -o /dev/null ./cmd/kubectl-harden
	GO=$(GO) hack/staticcheck.sh
	cd hack/tools && $(GO) mod tidy -diff
	cd test/browser && $(GO) mod tidy -diff
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) mod tidy -diff

## fuzz: a short run of every fuzz target
fuzz:
	hack/fuzz.sh

## bench: benchmarks of evaluation, RBAC and the node scan on a simulated 10/100/1000-node cluster
bench:
	hack/bench.sh

## e2e: end-to-end tests against a real kind cluster (created if needed)
e2e:
	hack/e2e.sh

## demo: build, bring up a kind cluster, scan its nodes and RBAC
demo:
	hack/demo.sh

## release: GoReleaser snapshot archives for the six platforms in dist/, and the Krew manifest rendered for them (dist/krew/harden.yaml)
release:
	hack/release.sh

## krew-check: a GoReleaser snapshot (linux/amd64 and windows/amd64; KREW_CHECK_FULL=1: the six platforms) validated and installed with Krew v0.4.3, `kubectl harden version`
krew-check:
	hack/krew-check.sh

## check: everything CI runs, stage by stage with start times, durations and a summary (hack/check.sh)
check:
	hack/check.sh

clean:
	rm -rf bin dist .e2e
