# SI joint screening. The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
LOCK := requirements.lock
export FLASK_APP := screening

.PHONY: install lock run serve test test-fast fuzz lint format bench docs messages clean system-deps

# The translations: translations/<lang>/LC_MESSAGES/messages.po is committed; the messages.mo
# beside it, which the app reads, is build output (.gitignore), compiled again only when its .po
# is newer (the .mo is the stamp). A wheel compiles its own (setup.py).
PO_FILES := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

install: $(STAMP) $(NPM_STAMP) $(MO_FILES)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

# Exactly the versions in requirements.lock, each checked against its hash, then the project
# itself (editable, no dependencies, built with the locked setuptools): every machine gets the
# same packages. `make lock` refreshes the lock after a dependency change in pyproject.toml.
$(STAMP): $(LOCK) pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The test-only JavaScript tools (package.json: the FHIR R4 validator's schema, definitions and
# FHIRPath engine, and LHC-Forms for the browser test), never served to patients: exactly the
# versions in package-lock.json, each checked against its integrity hash, with no install scripts
# run. Again only when package.json or package-lock.json changed (`npm ci` starts from an empty
# node_modules). After changing package.json: `npm install --ignore-scripts` and commit both files.
$(NPM_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

# requirements.lock from pyproject.toml (dependencies, the test extras and the build backend),
# with hashes. Versions already in the lock are kept when pyproject.toml still allows them;
# `make lock UPGRADE=1` moves everything to the newest allowed.
PIP_TOOLS := pip-tools==7.6.2
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet '$(PIP_TOOLS)'
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	  --no-emit-index-url --no-emit-find-links --extra test --build-deps-for editable \
	  $(if $(UPGRADE),--upgrade) -o $(LOCK) pyproject.toml

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask run --host 127.0.0.1 --port 5000

serve: install
	$(BIN)/flask db upgrade
	$(BIN)/gunicorn --config gunicorn.conf.py 'screening:create_app()'

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Everything: ruff, then the whole suite (unit, web, gunicorn servers, Chromium + axe).
test: install lint system-deps
	$(BIN)/python -m pytest -q

# The edit loop, under a minute: unit and web tests on two processes (pytest-xdist), without the
# browser tests, the tests that start gunicorn and those that run Node.js (the FHIR R4 validator;
# markers in pyproject.toml), and with 20 examples
# per property-based test (the "fast" Hypothesis profile in tests/conftest.py; `make test` tries
# 60). No ruff: `make lint`.
test-fast: install system-deps
	HYPOTHESIS_PROFILE=fast $(BIN)/python -m pytest -q -n 2 -m "not browser and not server and not node"

# Property-based tests with a randomised search and more examples (the "fuzz" Hypothesis profile
# in tests/conftest.py); `make test` replays the same examples every run. Keep any failing input
# it finds as an @example in the test.
FUZZ_TESTS := tests/test_fuzz.py tests/test_questionnaire.py
fuzz: install system-deps
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q $(FUZZ_TESTS)

# Debian packages the tests need: Chromium (browser tests), Pango and fonts (WeasyPrint),
# poppler (PDF checks). Installed only when missing; needs root, as on CI and dev machines here.
SYSTEM_PACKAGES := chromium fonts-dejavu-core poppler-utils libpango-1.0-0 libpangoft2-1.0-0
system-deps:
	@if [ -x /usr/bin/chromium ] && command -v pdftoppm >/dev/null && fc-list | grep -qi dejavu; then :; else \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES); fi

bench: install
	$(BIN)/python benchmarks/run.py

docs: install
	$(BIN)/flask questions --format markdown > docs/data-dictionary.md
	$(BIN)/flask criteria > docs/criteria.md
	$(BIN)/python -m screening.fhir.docs docs/fhir

# Every user-facing string goes through gettext; this collects them for translators and adds
# the new ones, untranslated, to each catalogue (tests/test_spanish.py fails until they are
# translated: scripts/merge_translations.py merges translators' JSON into a catalogue).
messages: install
	mkdir -p translations
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i translations/messages.pot -d translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info
