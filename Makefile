# The VideoTube workshop. Two commands do everything on a fresh Debian machine with Swift:
#
#   make run     build (release) and start the newest server on the default settings
#   make test    install what the tests need, then run every test
#
# Others: `make chapter N=1` runs one chapter (debug build); `make db` serves the embedded
# store over MongoDB's wire protocol (release build); `make bench` measures (release build);
# `make deps` installs the system libraries only.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# `make run` starts the Final server (the `videotube` product, Sources/Final).
RUN_PRODUCT ?= videotube
N ?= 1

# System packages: the C libraries we link, and the tools the tests use.
BUILD_PACKAGES := libmongoc-dev libbson-dev libsqlite3-dev libcrypt-dev libicu-dev libssl-dev libcurl4-openssl-dev pkg-config
TEST_PACKAGES := python3-mockupdb python3-venv nginx-light chromium
# `make bench` and `make reliability`: the load tool and the Node original's stack (Debian's own
# packages: nodejs with express, cors and cookie-parser; never npm).
BENCH_PACKAGES := wrk nodejs node-express node-cors node-cookie-parser python3-venv

# Python test helpers (pymongo; bcrypt and PyJWT as independent implementations to check
# interoperability against) live in a virtual environment of the project's own.
VENV := .venv

# Swagger UI for /api-docs: its files come from a PyPI wheel at set-up (never committed, never a
# CDN), into public/api-docs/, which the server serves as static files.
SWAGGER_UI := 5.31.0
API_DOCS := public/api-docs/swagger-ui-bundle.js

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Extra flags for every `swift build`. CI sets --force-resolved-versions: it builds exactly the
# versions in the committed Package.resolved, and fails if that file is out of date.
SWIFT_BUILD_FLAGS ?=

# Every build goes through scripts/swift: one fixed environment, so a setting given to make
# (PORT=3000 make chapter N=2) reaches the server without making SwiftPM recompile packages.
SWIFT := scripts/swift
# Every release build (make run, db, bench, reliability, dist) and the Dockerfile use the flags in
# scripts/release-flags: Swift's runtime linked into the binary, so it runs where Swift is not
# installed. One set of flags for all, so that no build undoes another's.
RELEASE_FLAGS := $(shell cat scripts/release-flags)

# What swift-format formats and checks (its settings are in .swift-format).
FORMAT_PATHS := Package.swift Sources Chapters Tests Benchmarks

.PHONY: hint watch exercises-mutate exercises-mutate-changed fuzz instructors-check whatsnew chapters frontend-check crud-spec deploy-check shell samples samples-check exercise check solution exercises-lock exercises-prove hooks help deps test-deps bench-deps run seed test bench reliability db chapter api-docs dist dist-check docs-check notes-check demo format lint clean

help:
	@echo "make run            start $(RUN_PRODUCT), the Final server (release build); its API page is /api-docs"
	@echo "make seed           load a small demo channel into the embedded store (or MONGODB_URI); twice changes nothing"
	@echo "make run SEED=1     the same, then start the server (seeding needs the data folder the server holds)"
	@echo "make exercise N=6   cut chapter 6's exercises for you to write (E=2: one); make check N=6 grades them"
	@echo "make check          your progress over every exercise; make solution N=6 restores the reference"
	@echo "make hint N=6 E=2   an exercise's hint, file and graded tests; make watch N=6 checks again on every save"
	@echo "make dist           a self-contained folder dist/videotube (release binary, API page files, sample settings)"
	@echo "make test           run every test (debug build)"
	@echo "make chapter N=1    run one chapter (debug build; N=9 the Final server; FRESH=1 empties its data first)"
	@echo "make demo N=1       replay a lesson's Try it against its chapter on fresh data (N=1..9; STEP=, FULL=1, KEEP=1)"
	@echo "make whatsnew N=6   what chapter 6 adds: its modules and files, new routes, exercises, lesson"
	@echo "make chapters A=5 B=6  two chapters side by side on fresh data (ports 8000 and 8001)"
	@echo "make db             serve ./data over MongoDB's wire protocol on 127.0.0.1:27017 (release build)"
	@echo "make shell          a Python prompt (pymongo) on the data make db serves: db.users.find_one()"
	@echo "make samples        write samples/me.png, new.png and clip.mp4, the files the lessons upload"
	@echo "make bench          measure the embedded store (in-process and through the wire) and authentication (release build)"
	@echo "make reliability    inject faults (kill -9, MongoDB down, slow clients, SIGTERM under load) and check nothing is lost"
	@echo "make deps           install the system libraries only"
	@echo "make format         format the Swift sources (swift-format, shipped with Swift); make lint checks them"
	@echo "make notes-check    check that the Swift excerpts in notes/ match the files they name"
	@echo "make samples-check  run each lesson's Try it against its chapter and compare the answers it shows"
	@echo "make fuzz           generated commands with extreme arguments through the wire: none may stop videotube-db"
	@echo "make crud-spec      MongoDB's own unified CRUD tests through videotube-db: passed, failed, skipped, by cause"
	@echo "make frontend-check a page on another origin in Chromium: cookies, absolute media URLs, a video that seeks"
	@echo "make deploy-check   nginx (deploy/nginx.conf) in front of the server: the API and each client's address through it"

# Installs whichever of the packages are missing, and says which.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
endef

deps:
	$(call apt_install,$(BUILD_PACKAGES))

test-deps: deps
	$(call apt_install,$(TEST_PACKAGES))

# `make run SEED=1` loads the demo data first (once is enough: seeding twice changes nothing).
# The server is exec'd, so a signal to make (Ctrl-C, kill) reaches the server itself.
run: deps $(API_DOCS)
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) $(RELEASE_FLAGS) --product $(RUN_PRODUCT)
	@if [ -n "$(SEED)" ]; then .build/release/$(RUN_PRODUCT) seed || exit 1; fi; exec .build/release/$(RUN_PRODUCT)

# The files the lessons upload (no image editor or video tool needed).
samples:
	python3 scripts/make_samples.py samples

# A Python prompt on the data `make db` serves (pymongo; mongosh and Compass are not in Debian).
shell: $(VENV)/.installed
	@$(VENV)/bin/python -i scripts/db_shell.py

seed: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) $(RELEASE_FLAGS) --product $(RUN_PRODUCT)
	@.build/release/$(RUN_PRODUCT) seed || { echo; \
		echo "make seed could not load the demo data. If the server (make run) is using the data folder, either"; \
		echo "stop it (Ctrl-C) and run make seed again, or start it seeded: make run SEED=1"; exit 1; }

api-docs: $(API_DOCS)

$(API_DOCS):
	$(call apt_install,python3-venv)
	@[ -x $(VENV)/bin/pip ] || python3 -m venv $(VENV)
	$(VENV)/bin/pip download --quiet --disable-pip-version-check --no-deps --dest .build/wheels swagger-ui-bundle-v2==$(SWAGGER_UI)
	$(VENV)/bin/python scripts/extract_swagger_ui.py .build/wheels/swagger_ui_bundle_v2-$(SWAGGER_UI)-py3-none-any.whl public/api-docs

# Which build `make dist` packs: release for real use; the tests check the packing with debug.
DIST_CONFIG ?= release

# A folder that runs anywhere this machine's kind runs: the release binary, the API page's files,
# the sample settings, and a launcher that starts it from its own folder (data and media go there).
dist: deps $(API_DOCS)
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) $(if $(filter release,$(DIST_CONFIG)),$(RELEASE_FLAGS),-c $(DIST_CONFIG)) --product $(RUN_PRODUCT)
	rm -rf dist/videotube && mkdir -p dist/videotube/bin dist/videotube/public
	cp .build/$(DIST_CONFIG)/$(RUN_PRODUCT) dist/videotube/bin/
	cp -r public/api-docs dist/videotube/public/
	cp .env.sample dist/videotube/.env.sample
	python3 scripts/dist_folder.py dist/videotube $(RUN_PRODUCT) $(DIST_CONFIG)
	@echo "dist/videotube is ready: copy it anywhere and run ./videotube (or dist/videotube/videotube from here)"

# The venv also finds scripts/workshop (the shared Python helpers) through a .pth file.
$(VENV)/.installed: Tests/python/requirements.txt scripts/workshop/__init__.py
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r Tests/python/requirements.txt
	$(VENV)/bin/python -c 'import site, sys; open(site.getsitepackages()[0] + "/workshop.pth", "w").write(sys.argv[1] + "\n")' "$(CURDIR)/scripts"
	touch $@

test: test-deps $(VENV)/.installed $(API_DOCS)
	$(MAKE) --no-print-directory notes-check
	$(MAKE) --no-print-directory exercises-prove
	$(MAKE) --no-print-directory exercises-mutate-changed
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --build-tests
	$(SWIFT) test --skip-build
	VIDEOTUBE_DB=.build/debug/videotube-db $(VENV)/bin/python -m pytest -q Tests/python --ignore=Tests/python/test_operator_fuzz.py
	$(MAKE) --no-print-directory fuzz FUZZ_EXAMPLES=1000
	$(VENV)/bin/python Benchmarks/reliability.py .build/debug --quick
	python3 scripts/demo.py all .build/debug
	python3 scripts/check_instructors.py .build/debug
	python3 scripts/check_samples.py .build/debug
	$(MAKE) --no-print-directory dist-check DIST_CONFIG=debug
	python3 scripts/check_deploy.py .build/debug/videotube
	$(VENV)/bin/python scripts/check_frontend.py .build/debug/videotube
	$(MAKE) --no-print-directory crud-spec
	$(MAKE) --no-print-directory docs-check

# Faults injected for real against the release build (kill -9, MongoDB going away, slow clients,
# SIGTERM under load, schemathesis); `make test` runs the same parts, smaller, on the debug build.
reliability: bench-deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) $(RELEASE_FLAGS) --product videotube
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) $(RELEASE_FLAGS) --product videotube-db
	$(VENV)/bin/python Benchmarks/reliability.py .build/release

db: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) $(RELEASE_FLAGS) --product videotube-db
	exec .build/release/videotube-db

$(VENV)/.bench-installed: $(VENV)/.installed Benchmarks/requirements.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r Benchmarks/requirements.txt
	touch $@

bench-deps: deps $(VENV)/.bench-installed
	$(call apt_install,$(BENCH_PACKAGES))

bench: bench-deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) $(RELEASE_FLAGS) --product EmbeddedBench
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) $(RELEASE_FLAGS) --product AuthBench
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) $(RELEASE_FLAGS) --product videotube-db
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) $(RELEASE_FLAGS) --product videotube
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) $(RELEASE_FLAGS) --product BareHummingbird
	$(VENV)/bin/python Benchmarks/http_bench.py .build/release
	@echo; $(VENV)/bin/python Benchmarks/distant_mongo_bench.py .build/release
	@echo
	.build/release/EmbeddedBench
	@echo; .build/release/AuthBench
	@dir=$$(mktemp -d); port=$$($(VENV)/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); \
	DATA_DIR=$$dir DB_PORT=$$port .build/release/videotube-db > $$dir/server.log 2>&1 & pid=$$!; \
	sleep 2; echo; $(VENV)/bin/python Benchmarks/wire_bench.py $$port; status=$$?; kill $$pid; rm -rf $$dir; exit $$status
	@echo; $(VENV)/bin/python Benchmarks/hardening_bench.py .build/release/videotube
	@echo; $(VENV)/bin/python Benchmarks/summarize.py

# Each chapter keeps its data in a folder of its own (./data/chapterNN, media in it too), so
# following the chapters in order never meets an account an earlier chapter made. Set DATA_DIR
# (and MEDIA_DIR) to choose another; FRESH=1 (or `rm -rf data/chapterNN`) starts a chapter over.
# N=9 (or final) is the Final server, in a debug build: with your own exercises in it. The build
# includes the tests' (the one make check runs), so the first make check after it builds only
# what changed since.
PRODUCT_OF = case "$(N)" in 9|final) echo videotube;; [1-8]) echo Chapter0$(N);; *) echo "usage: N=1..9 (9 or final: the Final server)" >&2; exit 2;; esac
chapter: deps
	@product=$$($(PRODUCT_OF)) || exit 2; number=$$(case "$(N)" in final) echo 9;; *) echo $(N);; esac); \
	folder=./data/chapter$$(printf '%02d' $$number); \
	if [ -n "$(FRESH)" ] && [ -z "$$DATA_DIR" ]; then rm -rf "$$folder"; echo "FRESH=1: $$folder emptied"; fi; \
	$(SWIFT) build --product videotube-workshopPackageTests && $(SWIFT) build --product $$product && \
	DATA_DIR=$${DATA_DIR:-$$folder} MEDIA_DIR=$${MEDIA_DIR:-$$folder/media} exec .build/debug/$$product

# A lesson's "Try it", replayed against its chapter on fresh data (debug build), for a projector:
# STEP=5 starts at step 5, FULL=1 shows bodies whole, KEEP=1 leaves the server running;
# MONGODB_URI=… runs it on that server, in a new database.
demo: deps
	@product=$$($(PRODUCT_OF)) || exit 2; \
	$(SWIFT) build --product $$product && python3 scripts/demo.py $(N) .build/debug/$$product \
		$(if $(STEP),--step $(STEP)) $(if $(FULL),--full) $(if $(KEEP),--keep)

# For instructors: what chapter N adds (its modules, files, new routes, exercises, lesson), and two
# chapters side by side on fresh data (A on PORT_A 8000, B on PORT_B 8001).
# The operator fuzzer through the wire (Tests/python/test_operator_fuzz.py): FUZZ_EXAMPLES batches
# of ten generated commands with extreme arguments; no command may stop or hang videotube-db.
# `make test` runs 1,000 batches (10,000 commands, about 15 seconds).
FUZZ_EXAMPLES ?= 10000
fuzz: deps $(VENV)/.installed
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --product videotube-db
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) VIDEOTUBE_DB=.build/debug/videotube-db $(VENV)/bin/python -m pytest -q -s Tests/python/test_operator_fuzz.py

# The commands of notes/instructors.md, run (servers started and stopped; release builds: make -n).
instructors-check: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --build-tests
	python3 scripts/check_instructors.py .build/debug

# Builds the product of chapter $(1) (1..8, or 9: the Final server), quietly; says so if it fails.
define build_chapter
	case "$(1)" in 0) ;; 9) p=videotube;; *) p=Chapter0$(1);; esac; \
	if [ "$(1)" != 0 ]; then echo "building $$p (debug)..."; \
		$(SWIFT) build --product $$p > .build/last-build.log 2>&1 || { cat .build/last-build.log; exit 1; }; fi
endef

whatsnew: deps
	@n=$$(case "$(N)" in final) echo 9;; *) echo "$(N)";; esac); \
	case "$$n" in [1-9]) ;; *) echo "usage: make whatsnew N=1..9"; exit 2;; esac; \
	prev=$$((n - 1)); $(call build_chapter,$$prev); $(call build_chapter,$$n); \
	python3 scripts/whatsnew.py $$n .build/debug

chapters: deps
	@for n in $(A) $(B); do n=$$(case "$$n" in final) echo 9;; *) echo "$$n";; esac); \
		case "$$n" in [2-9]) ;; *) echo "usage: make chapters A=5 B=6 (chapters 2..9)"; exit 2;; esac; \
		$(call build_chapter,$$n); done; \
	exec python3 scripts/chapters.py $(A) $(B) .build/debug

dist-check: dist
	bash scripts/check_dist.sh dist/videotube

# MongoDB's unified CRUD specification tests through videotube-db (Tests/spec/crud_unified.py): the
# test files come from pymongo's source distribution on PyPI, never committed. It reports passed /
# failed / skipped by cause, and fails below 95% of the tests that apply (part of make test).
CRUD_SPEC := .build/spec/crud/unified
$(CRUD_SPEC)/.fetched: $(VENV)/.installed
	mkdir -p .build/spec
	$(VENV)/bin/pip download --quiet --disable-pip-version-check --no-binary :all: --no-deps --dest .build/spec \
		pymongo==$$($(VENV)/bin/python -c 'import pymongo; print(pymongo.version)')
	tar xzf .build/spec/pymongo-*.tar.gz -C .build/spec --strip-components=2 --wildcards '*/test/crud/unified/*.json'
	touch $@

crud-spec: deps $(CRUD_SPEC)/.fetched
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --product videotube-db
	$(VENV)/bin/python Tests/spec/crud_unified.py $(CURDIR)/.build/debug/videotube-db $(CRUD_SPEC)

# The deployment recipe (deploy/: nginx in front, the systemd unit) tried for real (debug build).
deploy-check: test-deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --product videotube
	python3 scripts/check_deploy.py .build/debug/videotube

# A page on another origin (a frontend's dev server) in headless Chromium against the Final server:
# logged-out list, cookie login, the avatar and the video by the URLs the API gave, a seek (debug build).
frontend-check: test-deps $(VENV)/.installed
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --product $(RUN_PRODUCT)
	$(VENV)/bin/python scripts/check_frontend.py .build/debug/$(RUN_PRODUCT)

# Renders /api-docs in headless Chromium and checks every operation is listed (debug build).
docs-check: deps $(API_DOCS)
	$(call apt_install,chromium)
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --product $(RUN_PRODUCT)
	bash scripts/check_api_docs.sh .build/debug/$(RUN_PRODUCT)

format:
	swift format format --in-place --recursive $(FORMAT_PATHS)

# Exercises (scripts/exercises.py): cut chapter N's regions out of the real code, check them,
# restore the reference. E=2 picks one exercise; FORCE=1 cuts a region that holds your own code
# (which is kept in .exercises/attempts/ first). `make check` alone shows progress.
exercise:
	@python3 scripts/exercises.py open $(N)

check:
	@python3 scripts/exercises.py check $(if $(filter command line,$(origin N)),$(N),)

solution:
	@python3 scripts/exercises.py solution $(N)

# The requirement and recipe of an exercise (E=2: one), and a check on every save (rustlings' watch).
hint:
	@python3 scripts/exercises.py hint $(N)

watch:
	@python3 scripts/exercises.py watch $(N)

# Maintainers: after changing an exercise's reference code, record its digest (scripts/exercises.lock).
exercises-lock:
	python3 scripts/exercises.py lock

# Every exercise is graded: cut all, build once, each one's tests must fail; then restored.
exercises-prove:
	python3 scripts/exercises.py prove

# Is every line of the exercises' reference graded? Each line deleted, each plain condition negated,
# built and graded in turn; a mutant that passes is a line the grade does not see (scripts/mutate.py).
# N=6 (E=2: one exercise), or N=all (one build per mutant: long). Figures: Benchmarks/results/mutation.md.
exercises-mutate:
	python3 scripts/mutate.py $(N) $(E)

# In make test: only the exercises whose region or chapter tests changed since their last run.
exercises-mutate-changed:
	python3 scripts/mutate.py changed

# The repository's git hooks (.githooks: a commit subject of at most 72 characters).
hooks:
	git config core.hooksPath .githooks

lint:
	swift format lint --strict --recursive $(FORMAT_PATHS)
	python3 scripts/check_headers.py
	python3 scripts/check_line_length.py

# The Swift excerpts in notes/ match the files they name (also part of `make test`).
notes-check:
	python3 scripts/check_excerpts.py
	python3 scripts/exercises.py lessons

# The lessons' sample output is what the chapters print (also part of `make test`). L=06: one lesson.
samples-check:
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --build-tests
	python3 scripts/check_samples.py .build/debug $(L)

clean:
	$(SWIFT) package clean
