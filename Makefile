# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CLI := $(VENV)/bin/copyright-assistant
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test test-fast install browser ocr model index doctor bench clean

run: index ocr ## install, assemble the model, build the index if missing or stale, serve the chat
	@echo ">> Serving the web chat on http://127.0.0.1:7860 (Ctrl-C to stop)"
	@$(CLI) serve --host 127.0.0.1 --port 7860

test: model browser ocr ## install what the tests need, then run the whole suite (slow tests included)
	@echo ">> Running the test suite"
	@$(PY) -m pytest -q

test-fast: install ## the quick tests only (no real LLM)
	@$(PY) -m pytest -q -m "not slow"

install: $(STAMP)

$(STAMP): pyproject.toml scripts/llama_wheel.sh
	@echo ">> [install 1/3] Python virtual environment in $(VENV)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo ">> [install 2/3] llama.cpp runtime: compiled once for this CPU (about 10 minutes on 2 cores), then cached"
	@wheel=$$(PYTHON=$(PY) bash scripts/llama_wheel.sh) && \
	  echo ">> [install 3/3] the project and its pinned dependencies (about 2 minutes the first time)" && \
	  $(PY) -m pip install -q "$$wheel" -e ".[test]"
	@touch $@

browser: ## Debian's Chromium (and a CJK font) for the browser tests, when missing
	@test -x /usr/bin/chromium || { echo ">> Installing Chromium for the browser tests (apt)"; \
	  (apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null 2>&1 || \
	   (apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null)); }

# Tesseract reads scanned PDF pages (English and simplified Chinese), poppler renders them; the OCR tests
# draw their scans with the two fonts.
OCR_PACKAGES := tesseract-ocr tesseract-ocr-chi-sim poppler-utils fonts-dejavu-core fonts-wqy-microhei

ocr: ## Tesseract and poppler for scanned PDFs (apt), when missing; without them a scan is refused with a message
	@if command -v pdftoppm >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx chi_sim \
	    && test -f /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf && test -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc; then :; \
	  elif command -v apt-get >/dev/null; then echo ">> Installing Tesseract and poppler for scanned PDFs (apt)"; \
	    apt-get install -y -qq $(OCR_PACKAGES) >/dev/null 2>&1 || \
	    (apt-get update -qq && apt-get install -y -qq $(OCR_PACKAGES) >/dev/null) || \
	    echo ">> Could not install $(OCR_PACKAGES): scanned PDFs will be refused until they are installed"; \
	  else echo ">> Scanned PDFs need Tesseract (eng, chi_sim) and poppler: install them with your package manager"; fi

model: install ## assemble and verify the default model (1.1 GB, once)
	@$(PY) -m assistant.model_files

index: model ## build or refresh the library index from corpus/ and seeds/
	@echo ">> Building the library index (first time about a minute; later only changed files)"
	@$(CLI) ingest

doctor: install
	@$(CLI) doctor

bench: model ## run every benchmark in turn (about an hour on 2 cores, more when the machine is shared) and rewrite benchmarks/RESULTS.md
	@echo ">> [bench 1/12] retrieval: quality, latency, 100k-chunk library"
	@$(PY) benchmarks/retrieval.py
	@echo ">> [bench 2/12] scale: ingest, latency, memory and disk at 1k, 10k, 100k chunks"
	@$(PY) benchmarks/scale.py
	@echo ">> [bench 3/12] latency of an answer with the default model"
	@$(PY) benchmarks/latency.py
	@echo ">> [bench 4/12] quality: ours against a plain LangChain RAG, every question"
	@$(PY) benchmarks/quality.py --json benchmarks/.cache/quality.json
	@if test -f benchmarks/soak.py; then echo ">> [bench 5/12] soak"; $(PY) benchmarks/soak.py; \
	  else echo ">> [bench 5/12] soak: benchmarks/soak.py not present, skipped"; fi
	@echo ">> [bench 6/12] web soak: 200 turns from 10 sessions against the real server, its memory after each"
	@$(PY) benchmarks/web_soak.py
	@echo ">> [bench 7/12] compare: five-jurisdiction comparisons with the default model"
	@$(PY) benchmarks/compare.py
	@echo ">> [bench 8/12] hostile documents: the injection screen and the answers around what it misses"
	@$(PY) benchmarks/redteam.py
	@echo ">> [bench 9/12] verification: the answer checker on the labelled development claims"
	@$(PY) benchmarks/verification.py
	@echo ">> [bench 10/12] OCR: pages per minute and character accuracy on scanned pages (English, Chinese)"
	@$(PY) benchmarks/ocr.py
	@echo ">> [bench 11/12] card extraction: uploads' cards by rules, scored against the curated cards"
	@$(PY) benchmarks/card_extraction.py
	@echo ">> [bench 12/12] case linking: precision and recall of the cases linked on the user-worded questions"
	@$(PY) benchmarks/linking.py

clean: ## remove the venv and the data directory (index and model)
	rm -rf $(VENV) data
