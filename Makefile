# Two commands set everything up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := SIPAS_ENV=development $(VENV)/bin/flask --app survey_app
PO := $(wildcard survey_app/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

WORKERS ?= 4
THREADS ?= 8
PORT ?= 5000

.PHONY: run dev test bench setup init demo lint translations clean

$(VENV)/.installed-runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-runtime requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

%.mo: %.po $(VENV)/.installed-runtime
	$(VENV)/bin/pybabel compile --use-fuzzy -i $< -o $@

translations: $(MO)

setup: $(VENV)/.installed-runtime translations

init: setup
	$(FLASK) sipas init

# Served as in production (gunicorn, several workers) on the embedded SQLite default.
run: init
	@echo "SIPAS is served at http://127.0.0.1:$(PORT)/ (gunicorn, $(WORKERS) workers × $(THREADS) threads, SQLite instance/sipas.db); Ctrl-C stops it."
	SIPAS_ENV=development $(VENV)/bin/gunicorn -c gunicorn.conf.py --workers $(WORKERS) --threads $(THREADS) --bind 127.0.0.1:$(PORT) \
		--access-logfile - --no-control-socket 'survey_app:create_app()'

# A single reloading development server with the debugger, for working on the code.
dev: init
	$(FLASK) run --debug --host 127.0.0.1 --port $(PORT)

demo: init
	$(FLASK) sipas demo

test: $(VENV)/.installed-dev translations
	$(VENV)/bin/ruff check survey_app forms analysis tests bench
	$(FLASK) sipas init --no-admin >/dev/null
	$(PY) -m pytest

bench: $(VENV)/.installed-dev translations
	$(PY) bench/analysis_bench.py
	$(PY) bench/results_bench.py
	$(PY) bench/load.py
	$(PY) bench/review_bench.py

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check survey_app forms analysis tests bench

clean:
	rm -rf $(VENV) $(MO)
