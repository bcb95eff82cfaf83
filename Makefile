# HSE Digital: common tasks. Everything also works without make; see README.md.
.PHONY: run build test test-race fuzz vet fmt web web-gen web-dev test-web screenshots web-check bench-health bench-auth bench-audits bench-incidents bench-mixed bench-upload bench-import bench-lists bench image clean

GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
IMAGE ?= ghcr.io/org/hse-digital:$(VERSION)

## run: serve on the embedded default (SQLite under ./data), port 3001
run:
	$(GO) run ./cmd/hse serve

## build: the static binary, built exactly as the container image builds it
build:
	scripts/build.sh bin/hse $(VERSION)

## test: the whole test suite (PostgreSQL too when HSE_TEST_POSTGRES_URL is set), then the web app's
test: vet
	$(GO) test -count=1 -timeout 30m ./...
	$(MAKE) test-web

## web: rebuild the web application into web/dist (committed; the binary embeds it)
web:
	cd web && npm ci --no-audit --no-fund && npm run build

## web-gen: regenerate the web app's typed API client from the server's OpenAPI document
web-gen:
	cd web && npm run gen

## web-dev: Vite's dev server on :5173, proxying /api to a local `hse serve` (HSE_API to change)
web-dev:
	cd web && npm run dev

## test-web: unit tests (Vitest), then end-to-end tests in Chromium against a real `hse serve`
## (CHROMIUM=/path/to/chromium; default /usr/bin/chromium)
test-web:
	cd web && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run typecheck && npm test && npm run e2e

## screenshots: the main pages at 390 px and 1440 px into docs/screenshots/
screenshots:
	cd web && npm run screenshots

## web-check: fail when the committed client or bundle differ from a fresh generation and build
web-check:
	cd web && npm ci --no-audit --no-fund && npm run gen && npm run build
	git diff --exit-code -- web/openapi.json web/src/api/schema.d.ts web/dist
	@test -z "$$(git status --porcelain -- web/dist web/src/api)" || { echo "untracked files in web/dist or web/src/api"; git status --porcelain -- web/dist web/src/api; exit 1; }

## test-race: the suite under the race detector (slower)
test-race:
	$(GO) test -count=1 -race ./...

## fuzz: each fuzz target for FUZZTIME (default 10s; the one through the whole API, whose workers
## start a platform first, FUZZTIME_API, default 30s); an input that fails is saved under the
## package's testdata/fuzz, where it stays as a regression case that `make test` runs
FUZZTIME ?= 10s
FUZZTIME_API ?= 30s
FUZZ_TARGETS = \
	./internal/inputguard:FuzzCheckJSON:$(FUZZTIME) \
	./internal/inputguard:FuzzCheckQuery:$(FUZZTIME) \
	./internal/checklist:FuzzDefinition:$(FUZZTIME) \
	./internal/hse:FuzzDecodeCursor:$(FUZZTIME) \
	./internal/httpapi:FuzzCSVSafe:$(FUZZTIME) \
	./internal/httpapi:FuzzListParams:$(FUZZTIME) \
	./internal/importer:FuzzParse:$(FUZZTIME) \
	./internal/app:FuzzWriteBodies:$(FUZZTIME_API)
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; rest=$${t#*:}; name=$${rest%%:*}; time=$${rest#*:}; \
	  echo "== $$name in $$pkg for $$time"; \
	  $(GO) test "$$pkg" -run '^$$' -fuzz "^$$name\$$" -fuzztime "$$time"; \
	done

vet:
	@unformatted=$$(gofmt -l cmd internal tools deploy 2>/dev/null); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags faultinject ./cmd/hse

## bench-health: GET /api/live vs a bare net/http handler (needs wrk)
bench-health:
	scripts/bench-health.sh

## bench-auth: authenticated GET /api/auth/me vs GET /api/live (needs wrk)
bench-auth:
	scripts/bench-auth.sh

## bench-audits: audit list and completion at 1,000 stations and 100,000 audits per organization
## (SQLite, and PostgreSQL when HSE_TEST_POSTGRES_URL or a URL argument is given)
bench-audits:
	scripts/bench-audits.sh $(PG)

## bench-upload: server peak RSS while taking 10 parallel 5 MB uploads (photo and PDF), then hse smoke
bench-upload:
	scripts/bench-upload.sh

## bench-incidents: 50 clients reporting incidents over HTTP, one and ten organizations (PG=postgres://... adds PostgreSQL)
bench-incidents:
	scripts/bench-incidents.sh $(PG)

## bench-mixed: 100 clients at saturation, 45 % list and 40 % record reads, 10 % incident reports, 5 % comments;
## p50/p95/p99 per class, target report p95 <= 3x list p95 (PG=postgres://... adds PostgreSQL)
bench-mixed:
	scripts/bench-mixed.sh $(PG)

## bench-import: a 10,000-row stations import (CSV and XLSX) through the API, target under 10 s (PG=postgres://... adds PostgreSQL)
bench-import:
	scripts/bench-import.sh $(PG)

## bench-lists: every list x sort x filter, search, the plan and the exports at scale 0.01 and 1, with
## the growth ratio; exits non-zero when a target is missed (PG=postgres://... adds PostgreSQL)
bench-lists:
	scripts/bench-lists.sh $(PG)

## bench: Go benchmarks of hot paths
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## image: container image (needs a Docker engine)
image:
	docker build --build-arg VERSION=$(VERSION) -t $(IMAGE) .

clean:
	rm -rf bin
