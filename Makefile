# The two commands of the README work on a machine that has only Python 3.11 and pip.
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: demo test uv chromium lint migrations-check

demo: uv
	$(UV) run --locked portico demo

test: uv chromium
	$(UV) run --locked pytest

uv:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv

# Browser tests drive Debian's Chromium; install it when it is missing (never a downloaded browser build).
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

lint: uv
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .

migrations-check: uv
	$(UV) run --locked portico makemigrations --check --dry-run
