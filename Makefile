# One command each: `make serve` (set up, build the model if missing, serve on 127.0.0.1:8000)
# and `make test` (set up, lint, run the whole suite). Both create .venv/ on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup model serve test lint train clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

model: setup
	$(BIN)/attune model-path >/dev/null 2>&1 || $(BIN)/attune train

serve: model
	$(BIN)/attune serve --host 127.0.0.1 --port 8000

lint: setup
	$(BIN)/ruff check .

test: model lint
	$(BIN)/pytest -q

train: setup
	$(BIN)/attune train

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
