# lawtrail — the two commands a fresh machine needs are `make run` and `make test`.
GO        ?= go
DATA      ?= $(CURDIR)/.lawtrail-data
DEB_PKGS  := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
             libxinerama-dev libxi-dev libxxf86vm-dev libusb-1.0-0-dev \
             poppler-utils python3 openssl python3-openpyxl jq sqlite3 chromium postgresql-15 ffmpeg
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# make test-usb boots a kernel under QEMU with these (the kernel itself is
# fetched by apt-get download into the user's cache folder on first use).
USB_PKGS  := qemu-system-x86 busybox-static dosfstools mtools exfatprogs

.PHONY: run test test-usb bench lint deps deps-usb fuzz demo screenshots release

## deps: install the Debian packages the build needs, only when some are missing.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

## deps-usb: what make test-usb needs besides deps (QEMU, busybox, FAT tools)
## and apt's package lists (the kernel package is downloaded from them).
deps-usb: deps
	@missing=""; for p in $(USB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ] || ! apt-cache depends linux-image-amd64 >/dev/null 2>&1; then \
	  echo "installing:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  { [ -z "$$missing" ] || $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; }; \
	fi

## run: start the terminal app with the default data dir ($(DATA)).
run: deps
	LAWTRAIL_DATA=$(DATA) $(GO) run .

## test: lint, a real build of every binary (the GUI with its OpenGL driver, as
## `make run` builds it), then every test: unit, crash, migration, tamper,
## fuzz seed corpora and the headless UI (-tags ci uses Fyne's test driver);
## the concurrent docking pipeline, sync, hub, live view and the UI flow once more under the race detector;
## the hub's tests once more with its record on PostgreSQL (hub/postgrestest starts one), and the
## hub's and sync's once more on PostgreSQL with the footage on S3 (hub/blobstore/s3test runs versitygw);
## the load test (cmd/lawtrail-hub, always PostgreSQL + S3) runs once. The race run leaves out
## TestOnePatchAtATimeAcrossTwoHubs (it runs in both passes above): it makes a hub ask another's
## upload to let go mid-write, which meets a data race inside tusd v2.9.1 itself (handler/context.go
## reads the request's body reader while writeChunk sets it; no newer tusd is on the proxy).
test: deps lint
	$(GO) build -o /dev/null . ./cmd/...
	$(GO) test -tags ci -count=1 -timeout 30m ./...
	LAWTRAIL_TEST_HUB_DB=postgres $(GO) test -tags ci -count=1 -timeout 20m -skip '^TestLoadTwoHubsOneKilled$$' ./hub/ ./hub/console/ ./hub/web/ ./hub/live/ ./cmd/lawtrail-hub/
	LAWTRAIL_TEST_HUB_DB=postgres LAWTRAIL_TEST_HUB_BLOBS=s3 $(GO) test -tags ci -count=1 -timeout 20m ./hub/ ./sync/...
	$(GO) test -tags ci -count=1 -race -skip '^TestOnePatchAtATimeAcrossTwoHubs$$' ./ingest/ ./sync/... ./hub/ ./hub/live/ ./live/ ./app/
	$(MAKE) test-usb

## test-usb: device/usb against real USB stacks: a Debian kernel under QEMU
## (TCG) with usb-mtp, usb-storage, hot-plug over QMP, and a fake locked
## recorder (dummy_hcd + FunctionFS) in the guest. LAWTRAIL_SKIP_USBVM=1
## skips it; nothing else does.
test-usb: deps-usb
	$(GO) test -tags usbvm -count=1 -v -timeout 15m ./device/usb/usbvm/

## release: the terminal app without the emoji font (-4 MB), stripped.
release: deps
	$(GO) build -tags no_emoji -ldflags "-s -w" -o lawtrail .

## demo: the app on a throwaway terminal docking a simulated recorder (PIN 123456).
demo: deps
	$(GO) run . --demo

## screenshots: a PNG of every screen under Xvfb, in Chinese, into docs/screenshots/.
screenshots: deps
	@for p in xvfb x11-apps netpbm; do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || \
	  { $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends xvfb x11-apps netpbm; break; }; done
	./scripts/screenshots.sh

## bench: the measured figures, each against a baseline measured in the same run
## (the hub's acceptance as a process on SQLite and on PostgreSQL against raw ed25519.Verify on one
## core, BenchmarkHubAcceptance, and its storage path alone in the process against the same,
## BenchmarkAppendStorage in ./hub/; the load test's figures for one and two hub processes on PostgreSQL
## + S3, BenchmarkLoad; footage goodput into S3 against the throttled link, BenchmarkGoodput)
## (raw ed25519.Verify, one-event transactions, `cp -r && sync`, one source; the
## agency feed's catch-up on 100,000 events against the own signed-append rate,
## BenchmarkAgencyCatchUp in ./sync/client/, target ≥ 0.5).
## The docking benchmarks write about 16 GiB to the temp folder (BenchmarkDockVsStockTools:
## lawtrailctl ingest against cp -r && sync + openssl dgst on all cores, 1 and 4 GiB sets,
## with the machine's fsync'd write, the disk written and read back past the page cache (docking's
## floor), SHA-256 and footage-cipher speeds beside it, and the stock tools again reading their copies
## back from the disk as docking does).
bench: deps-usb
	$(GO) test -tags ci -run '^$$' -bench . -benchtime 2s ./evidence/ ./store/
	$(GO) test -tags ci -run '^$$' -bench . -benchtime 1x ./app/
	$(GO) test -tags ci -run '^$$' -bench . -benchtime 1x -timeout 30m ./ingest/ ./cmd/lawtrailctl/ ./sync/client/
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./hub/web/
	$(GO) test -tags ci -run '^$$' -bench 'HubAcceptance|Load|Migrate' -benchtime 1x -timeout 30m ./cmd/lawtrail-hub/
	$(GO) test -run '^$$' -bench AppendStorage -benchtime 2x ./hub/
	LAWTRAIL_TEST_HUB_DB=postgres $(GO) test -run '^$$' -bench AppendStorage -benchtime 2x ./hub/
	LAWTRAIL_TEST_HUB_DB=postgres LAWTRAIL_TEST_HUB_BLOBS=s3 $(GO) test -tags ci -run '^$$' -bench 'Goodput' -benchtime 1x -timeout 30m ./sync/client/
	$(GO) test -tags usbvm -count=1 -v -run TestMTPThroughputAgainstPlainRead ./device/usb/usbvm/ | grep -E 'FIGURE|^(ok|FAIL|---)'

## lint: gofmt must have nothing to say, go vet must pass.
lint:
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './.lawtrail-data/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags ci ./...

## fuzz: run each fuzzer for a while (make test runs only their seed corpora).
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParseBody -fuzztime 60s ./evidence/
	$(GO) test -run '^$$' -fuzz FuzzVerifyAgreesWithStdlib -fuzztime 60s ./evidence/
	$(GO) test -run '^$$' -fuzz FuzzParseDecision -fuzztime 60s ./casework/
	$(GO) test -run '^$$' -fuzz FuzzParseMajorList -fuzztime 60s ./casework/
	$(GO) test -run '^$$' -fuzz FuzzDescribe -fuzztime 60s ./device/
	$(GO) test -run '^$$' -fuzz FuzzContainers -fuzztime 60s ./device/mtp/
	$(GO) test -run '^$$' -fuzz FuzzGarbageReplies -fuzztime 60s ./device/unlock/
	$(GO) test -run '^$$' -fuzz FuzzCompatID -fuzztime 60s ./device/usb/
	$(GO) test -run '^$$' -fuzz FuzzAgencyPage -fuzztime 60s ./sync/client/
	$(GO) test -run '^$$' -fuzz FuzzVerifyRange -fuzztime 60s ./sync/protocol/
	$(GO) test -run '^$$' -fuzz FuzzParseConfigContent -fuzztime 60s ./casework/
	$(GO) test -run '^$$' -fuzz FuzzParsePins -fuzztime 60s ./cmd/lawtrailctl/
