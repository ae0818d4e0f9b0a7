# Everyday commands. The first use creates .venv (Python 3.10, as Rasa 3.6 needs) and
# installs the pinned dependencies; later uses reuse it until pyproject.toml or
# constraints.txt change.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.digibridge-installed

.PHONY: run test test-fast train lint bench-nlu bench-massive bench-publish bench-speech bench-load bench-soak catalogs

$(STAMP): pyproject.toml constraints.txt
	@if ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then \
		py=$$(scripts/find-python310) || exit 1; \
		rm -rf $(VENV) && "$$py" -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt pip setuptools wheel
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	@touch $@

run: $(STAMP)
	$(VENV)/bin/digibridge up

test: $(STAMP)
	scripts/ensure-chromium
	$(PY) -m pytest

# Everyday: the tests that start no Rasa process (about three minutes).
test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not integration"

train: $(STAMP)
	$(VENV)/bin/digibridge train

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench-nlu: $(STAMP)
	$(PY) -m benchmarks.nlu

# Publish of a handful of phrases: time until live, and the chat's replies meanwhile.
bench-publish: $(STAMP)
	$(PY) -m benchmarks.publish

# Spoken answers: synthesis time per 100 characters per language, and the cache's effect.
bench-speech: $(STAMP)
	$(PY) -m benchmarks.speech

# Stock `rasa init` Rasa, DigiBridge default and production (PostgreSQL, Redis) under the
# same closed-loop load at 1, 8 and 32 users, and one 250-message conversation (about 12
# minutes). Options: make bench-load LOAD_ARGS="--seconds 5 --levels 1,8".
bench-load: $(STAMP)
	$(PY) -m benchmarks.load $(LOAD_ARGS)

# Ten minutes at 8 users per DigiBridge shape: memory and p95 at the end within 10% of the
# first minute, every message answered and stored.
bench-soak: $(STAMP)
	$(PY) -m benchmarks.load --soak 600 $(LOAD_ARGS)

# Ours against Rasa's default pipeline on ../shared/benchmarks/massive (about an hour).
bench-massive: $(STAMP)
	$(PY) -m benchmarks.massive

# Re-extract interface text into locales/messages.pot and merge it into every catalogue.
catalogs: $(STAMP)
	$(VENV)/bin/pybabel extract --no-location --omit-header --ignore-dirs=admin -c NOTE: -k _ -k N_ -o locales/messages.pot bot actions
	$(VENV)/bin/pybabel update --no-fuzzy-matching --no-wrap -i locales/messages.pot -d locales -D messages
	$(VENV)/bin/pybabel extract --no-location --omit-header -F locales/admin-babel.cfg -k _ -k N_ -o locales/admin.pot .
	$(VENV)/bin/pybabel update --no-fuzzy-matching --no-wrap -i locales/admin.pot -d locales -D admin
