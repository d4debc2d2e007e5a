# kubectl-harden. `make check` is what CI runs; `make demo` runs the product end to end on a local kind cluster.
SHELL := /bin/bash
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo v0.0.0-dev)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
DATE ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
PKG := github.com/kubectl-harden/kubectl-harden/pkg/version
LDFLAGS := -s -w -X $(PKG).Version=$(VERSION) -X $(PKG).Commit=$(COMMIT) -X $(PKG).Date=$(DATE)

.PHONY: all build test lint upstream browser fuzz bench e2e demo krew-check release check clean

all: build

## build: the plugin binary in bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/kubectl-harden ./cmd/kubectl-harden

## test: unit, golden and fuzz-seed tests (no cluster)
test:
	$(GO) test -count=1 ./...

## upstream: our kubelet defaults and drop-in merge against the kubelet's own code (k8s.io/kubernetes, a module of its own; first build is slow)
upstream:
	cd hack/upstream-defaults && $(GO) vet ./... && $(GO) test -count=1 ./...

## browser: the HTML report in headless Chromium (installs Debian's chromium when missing)
browser:
	hack/browser-test.sh

## lint: go vet, staticcheck (pinned, hack/staticcheck.sh), gofmt, go mod tidy (also of the tools module hack/tools)
lint:
	$(GO) vet ./...
	$(GO) vet -tags e2e ./test/e2e/... ./pkg/debugpod/...
	$(GO) vet -tags browser ./test/e2e/...
	GO=$(GO) hack/staticcheck.sh
	cd hack/tools && $(GO) mod tidy -diff
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@cp go.mod /tmp/harden-go.mod.bak; cp go.sum /tmp/harden-go.sum.bak; $(GO) mod tidy; \
	  if ! diff -q go.mod /tmp/harden-go.mod.bak >/dev/null || ! diff -q go.sum /tmp/harden-go.sum.bak >/dev/null; then \
	    cp /tmp/harden-go.mod.bak go.mod; cp /tmp/harden-go.sum.bak go.sum; echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; fi

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

## release: GoReleaser snapshot archives in dist/, and the Krew manifest rendered for them (dist/krew/harden.yaml)
release:
	hack/release.sh

## krew-check: validate the rendered Krew manifest with Krew v0.4.3, install it from the local archives, run `kubectl harden version`
krew-check: release
	hack/krew-check.sh

## check: everything CI runs
check: lint test upstream browser e2e krew-check

clean:
	rm -rf bin dist .e2e
