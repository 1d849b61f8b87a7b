# Two commands: `make run` serves the demo, `make test` runs the whole suite.
# Both set everything up on a fresh machine that has nothing but Python 3.11.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
XDIST  ?= auto

.PHONY: run test install browser migrate lint check bench clean reset demo-logins

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Playwright drives Debian's chromium; it never downloads a browser of its own. The fonts
# let it render Chinese and emoji (customer text) instead of empty boxes.
BROWSER_PACKAGES := chromium fonts-noto-cjk fonts-noto-color-emoji

browser:
	@missing=$$(for p in $(BROWSER_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages for the browser tests:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

migrate: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable

# The demo makes its own secrets under var/ (switchboard/local_secrets.py); a deployment
# sets them instead (README, "Running in production").
run: export SWITCHBOARD_DEMO = 1
run: migrate
	$(BIN)/python manage.py rundemo

# Empties the demo (database, queues, schedule, log) and keeps .venv and the logins.
reset: export SWITCHBOARD_DEMO = 1
reset: migrate
	$(BIN)/python manage.py reset_demo

demo-logins: export SWITCHBOARD_DEMO = 1
demo-logins: install
	@$(BIN)/python manage.py demo_logins

test: install browser
	$(BIN)/python -m pytest -n $(XDIST) -p no:cacheprovider tests; \
	status=$$?; [ $$status -eq 5 ] && echo "pytest collected no tests" >&2; exit $$status

lint: install
	$(BIN)/ruff check .

# What CI checks before the tests: lint and formatting (ruff).
check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy inbox rules reports accounts api audit channels_fb channels_ig channels_tw kb meta \
		sandbox slack switchboard webhooks_out bench

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var
