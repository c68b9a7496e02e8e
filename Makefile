# carecoop: every target works on a fresh machine with only Go (and make).
GO      ?= go
BIN     := $(CURDIR)/bin
MODULES := proto services/kit services/framework services/purchasing services/demand services/monitoring services/notify services/portal tools/carecoop deploy
DATA    ?= .carecoop

.PHONY: run test test-faults fuzz bench scale scale-series proto proto-check templ templ-check assets screenshots lint tools tidy

## run: the whole platform in one process on an embedded NATS (data in $(DATA))
run:
	$(GO) run ./tools/carecoop dev --data $(DATA)

## test: every test of every module; a failing module does not stop the
## others, and the failures are listed again at the end. The portal's
## browser journeys take over ten minutes on two cores, go test's default.
test:
	@out=$$(mktemp); failed=""; \
	for m in $(MODULES); do \
		echo "== $$m"; \
		{ (cd $$m && $(GO) test -count=1 -timeout 40m ./...) 2>&1; echo $$? > $$out.rc; } | tee $$out.log; \
		if [ "$$(cat $$out.rc)" != 0 ]; then \
			failed="$$failed $$m"; \
			grep -E '^([[:space:]]*--- FAIL|FAIL[[:space:]]|panic:)' $$out.log | sed "s|^|$$m: |" >> $$out; \
		fi; \
	done; \
	rm -f $$out.rc $$out.log; \
	if [ -n "$$failed" ]; then \
		echo; echo "== FAILED:$$failed"; cat $$out; rm -f $$out; exit 1; \
	fi; \
	rm -f $$out; echo; echo "== all modules passed: $(MODULES)"

## test-faults: the fault tests (named TestFault*, in every module) on real
## in-process NATS servers and clusters: services started with a fresh
## three-node cluster, a stream leader killed under commands, a replica killed
## mid-reaction (docs/architecture.md#fault-tests). They also run in make test.
test-faults:
	@failed=""; for m in $(MODULES); do \
		out=$$(cd $$m && $(GO) test -count=1 -run '^TestFault' ./... 2>&1); rc=$$?; \
		echo "$$out" | grep -v -e 'no test files' -e 'no tests to run' | sed "s|^|$$m: |"; \
		[ $$rc = 0 ] || failed="$$failed $$m"; \
	done; \
	if [ -n "$$failed" ]; then echo "== fault tests FAILED in:$$failed"; exit 1; fi; echo "== fault tests passed"

## fuzz: every Go fuzz target (func Fuzz* in a _test.go file), one after
## another, FUZZTIME each (go test -fuzz takes one target per run). A crasher
## is written to the package's testdata/fuzz: commit it with the fix, and it
## runs as a seed in make test from then on.
## Minimising each new interesting input takes up to a minute by default,
## most of a short budget; a crasher is still minimised for this long.
FUZZTIME ?= 10s
FUZZMINIMIZETIME ?= 1s
fuzz:
	@set -e; for f in $$(grep -rlE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(' services tools deploy proto | sort); do \
		d=$$(dirname $$f); \
		for t in $$(grep -oE '^func Fuzz[A-Za-z0-9_]*' $$f | cut -d' ' -f2); do \
			echo "== $$d $$t"; (cd $$d && $(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) .); \
		done; \
	done; echo "== fuzz targets passed"

## bench: every benchmark, each compared with raw JetStream in the same run
bench:
	cd services/kit && $(GO) test -run '^$$' -bench . -benchtime 3s ./...
	cd services/purchasing && $(GO) test -run '^$$' -bench . -benchtime 2000x ./app
	cd services/demand && $(GO) test -run '^$$' -bench AggregateQuery -benchtime 2000x ./app
	cd services/monitoring && $(GO) test -run '^$$' -bench 'RiskRecompute|RawJetStreamPublish' -benchtime 2000x ./app
	cd services/notify && $(GO) test -run '^$$' -bench 'ReferralToChannel|RawJetStreamPublishConsume' -benchtime 200x ./app

## scale: simulate a history (SCALE_EVENTS, 100k by default: the CI size;
## 0 for SCALE_YEARS of history, however many events; SCALE=national for the
## national market) ending today into a fresh data directory, then
## cold-start the stack on it and print each service's time to ready and the
## process's peak memory, then again from the snapshots that start saved,
## and once more with the Go runtime's soft memory limit set to
## SCALE_MEMLIMIT, as deploy/ sets GOMEMLIMIT from each container's limit.
## SCALE_REACTIONS=drain lets the cold start's reactions handle the whole
## history before stopping; from-end starts them after it (--reactions-from-end),
## for histories too long to handle again. SCALE_PROFILES=DIR keeps each
## start's heap profile of the ready stack there (issue 16)
SCALE_EVENTS    ?= 100000
SCALE_YEARS     ?= 10
SCALE           ?= region
SCALE_MEMLIMIT  ?= 512MiB
SCALE_REACTIONS ?= drain
SCALE_PROFILES  ?=
scale:
	@case "$(SCALE_REACTIONS)" in drain) reactions=--drain-reactions;; from-end) reactions=--reactions-from-end;; \
	*) echo "SCALE_REACTIONS=$(SCALE_REACTIONS): want drain or from-end" >&2; exit 2;; esac; \
	dir=$$(mktemp -d); trap 'rm -rf "$$dir"' EXIT; \
	$(GO) build -o $$dir/carecoop ./tools/carecoop && \
	$$dir/carecoop simulate --data $$dir/data --events $(SCALE_EVENTS) --years $(SCALE_YEARS) --scale $(SCALE) && \
	n=0; for start in "cold start (no snapshots: replay, reactions $(SCALE_REACTIONS), then save them)" "restart (from the snapshots)" "restart with GOMEMLIMIT=$(SCALE_MEMLIMIT)"; do \
	echo "scale: $$start" && flags= && limit= && case "$$start" in cold*) flags=$$reactions;; *GOMEMLIMIT*) limit=$(SCALE_MEMLIMIT);; esac && \
	n=$$((n+1)) && if [ -n "$(SCALE_PROFILES)" ]; then mkdir -p "$(SCALE_PROFILES)" && flags="$$flags --heap-profile $(SCALE_PROFILES)/$(SCALE)-$(SCALE_EVENTS)-$$n.heap"; fi && \
	GOMEMLIMIT=$${limit:-off} $$dir/carecoop dev --data $$dir/data --no-seed --exit-when-ready $$flags \
		--nats-addr 127.0.0.1:0 --framework-addr 127.0.0.1:0 --purchasing-addr 127.0.0.1:0 --demand-addr 127.0.0.1:0 \
		--monitoring-addr 127.0.0.1:0 --notify-addr 127.0.0.1:0 --portal-addr 127.0.0.1:0 || exit 1; \
	done

## scale-series: the national market at 1M, 3M and 10M events (17 months,
## 51 months and 14 years of the simulator's national activity; issue 16
## put ten years of national use at 8-10M), one after another in one run:
## the figures of issue 16's goal, side by side (about 80 minutes; 16 GB of
## disk at the largest). `make scale SCALE=national SCALE_EVENTS=0` is ten
## years exactly (7.1M events).
scale-series:
	@for n in 1000000 3000000 10000000; do \
	echo "scale-series: national, $$n events"; \
	$(MAKE) --no-print-directory scale SCALE=national SCALE_EVENTS=$$n SCALE_YEARS=15 SCALE_REACTIONS=from-end SCALE_MEMLIMIT=1536MiB || exit 1; \
	done

# Build tools pinned in tools/protogen/go.mod (outside the workspace).
$(BIN)/buf $(BIN)/protoc-gen-go $(BIN)/protoc-gen-go-grpc $(BIN)/templ: tools/protogen/go.mod
	cd tools/protogen && GOWORK=off $(GO) build -o $(BIN)/ \
		github.com/bufbuild/buf/cmd/buf \
		google.golang.org/protobuf/cmd/protoc-gen-go \
		google.golang.org/grpc/cmd/protoc-gen-go-grpc \
		github.com/a-h/templ/cmd/templ

tools: $(BIN)/buf $(BIN)/protoc-gen-go $(BIN)/protoc-gen-go-grpc $(BIN)/templ

## proto: lint and regenerate proto/gen (committed)
proto: tools
	cd proto && $(BIN)/buf lint && rm -rf gen && $(BIN)/buf generate

## templ: regenerate the portal's page components (generated code committed)
templ: tools
	cd services/portal && $(BIN)/templ generate -path view

## templ-check: fail if the committed components are not what view/*.templ generates
templ-check: templ
	@git diff --exit-code --stat -- services/portal/view || { echo "services/portal/view is stale: run 'make templ' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- 'services/portal/view/*_templ.go')" || { echo "services/portal/view has untracked generated files: run 'make templ' and commit"; exit 1; }

## assets: rebuild the portal's CSS and JavaScript from the pinned GOV.UK Frontend (npm; output committed),
## and the needs page's SSDA903 counter (the kit's ssda903 in WebAssembly, with Go's wasm_exec.js)
assets:
	cd services/portal/assets/build && npm ci --no-audit --no-fund && npm run build
	@# -trimpath and no VCS stamp: the same Go gives the same bytes in any clone, so the committed file can be checked.
	cd services/portal && GOOS=js GOARCH=wasm $(GO) build -trimpath -buildvcs=false -ldflags='-s -w' -o assets/static/needs.wasm ./wasm
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" services/portal/assets/static/wasm_exec.js
	cp "$$($(GO) env GOROOT)/LICENSE" services/portal/assets/static/LICENSE-go.txt

## screenshots: PNGs of the portal's main pages over the demo data, in docs/screenshots
screenshots:
	cd tools/carecoop && CARECOOP_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run '^TestScreenshots$$' .

## proto-check: fail if the committed generated code is not what proto/ generates
proto-check: proto
	@git diff --exit-code --stat -- proto/gen || { echo "proto/gen is stale: run 'make proto' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- proto/gen)" || { echo "proto/gen has untracked files: run 'make proto' and commit"; exit 1; }

## lint: gofmt, go vet, buf lint, buf breaking against main
lint: tools
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^proto/gen/')); test -z "$$out" || { echo "gofmt needed:"; echo "$$out"; exit 1; }
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) vet ./...); done
	cd proto && $(BIN)/buf lint
	@# Events and APIs evolve by adding fields: nothing breaking against main.
	@if git rev-parse --verify -q main >/dev/null; then cd proto && $(BIN)/buf breaking --against '../.git#branch=main,subdir=proto'; \
	else echo "buf breaking: no main branch to compare with"; fi

tidy:
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) mod tidy); done
