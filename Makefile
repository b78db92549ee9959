# SI joint screening. The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := screening

.PHONY: install run serve test lint format bench docs messages clean system-deps

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

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

test: install lint system-deps
	$(BIN)/python -m pytest -q

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

# Every user-facing string goes through gettext; this collects them for translators.
messages: install
	mkdir -p translations
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info
