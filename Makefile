# Everything runs from .venv, built from requirements.lock on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= examples/ppmi.yaml

.PHONY: synth test validate bench lock clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

synth: $(STAMP)
	PPMI_CONFIG=$(CONFIG) $(BIN)/python main.py

validate: $(STAMP)
	$(BIN)/ppmi validate $(CONFIG)

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py

lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -e '.[test]'
	{ echo '# Every package ppmi needs, runtime and test, pinned. Regenerate: make lock'; .lock-venv/bin/pip freeze --all --exclude-editable | grep -v "^pip=="; } > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) cdktf.out .pytest_cache .hypothesis
