# Two commands do all the set-up: `make run` and `make test`. Both create the environment on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test dev benchmark lock clean

$(BIN)/cylvy-pipeline: pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

## Materialize the whole pipeline for the sample project in each market and print the results.
run: $(BIN)/cylvy-pipeline
	$(BIN)/cylvy-pipeline run

## Run the test suite (real PostgreSQL, real Dagster).
test: $(BIN)/cylvy-pipeline
	$(BIN)/python -m pytest

## Open the Dagster UI and daemon on 127.0.0.1:3000.
dev: $(BIN)/cylvy-pipeline
	$(BIN)/cylvy-pipeline dev

benchmark: $(BIN)/cylvy-pipeline
	$(BIN)/python benchmarks/pipeline_benchmark.py

lock: $(BIN)/cylvy-pipeline
	( echo '# Every dependency of cylvy_pipeline (and its tests), pinned. Regenerate with `make lock` after changing pyproject.toml.'; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v -i '^cylvy' ) > requirements.lock

clean:
	-$(BIN)/cylvy-pipeline db stop
	rm -rf $(VENV) .cylvy
