# The course's entry points. Each target builds .venv from pyproject.toml when it is
# missing or older than pyproject.toml, so a fresh clone needs only Python >= 3.11 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The site's Voila template lives in the repo (share/jupyter/voila/templates/course).
export JUPYTER_PATH := $(CURDIR)/share/jupyter$(if $(JUPYTER_PATH),:$(JUPYTER_PATH))

.PHONY: serve lab test bench export frontend clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)  ## the public site (Voila, settings in voila.json) on http://127.0.0.1:8866
	$(BIN)/voila

lab: $(STAMP)  ## JupyterLab on the lessons, for students and authors
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) lessons

test: $(STAMP)  ## everything: models, widgets, data, lessons (nbval), grading, site (browser)
	$(BIN)/python -m pytest

bench: $(STAMP)  ## measurements against stock tools; results go to benchmarks/README.md by hand
	$(BIN)/python benchmarks/site_render.py
	$(BIN)/python benchmarks/site_load.py
	$(BIN)/python benchmarks/autograde_throughput.py

export: $(STAMP)  ## the lessons as static pages in site/ (figures interactive, no kernel)
	$(BIN)/course-export site

frontend:  ## rebuild the site's front end (website/frontend → the template's course-live.js); needs npm
	cd website/frontend && npm ci && npm run build

clean:
	rm -rf $(VENV)
