# The two commands of a fresh machine are `make demo` and `make test`;
# both set up everything they need through scripts/bootstrap.sh.
PY := .venv/bin/python
PORT ?= 8000
export PORT

.PHONY: setup demo serve test test-postgres reliability bench clean messages

setup:
	@scripts/bootstrap.sh

# `make demo LANGUAGE=de`: the demo in German (PLAUDIT_LANGUAGE, docs/operations.md#languages).
demo: setup
	$(PY) manage.py migrate --noinput
	$(if $(LANGUAGE),PLAUDIT_LANGUAGE=$(LANGUAGE) )$(PY) manage.py demo

serve: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py serve

test: setup
	DATA_DIR=$(CURDIR)/var/test $(PY) -m pytest $(PYTEST_ARGS)

test-postgres: setup
	DATA_DIR=$(CURDIR)/var/test scripts/with-postgres.sh $(PY) -m pytest $(PYTEST_ARGS)

# The reliability suite at full size (100,000 events, 500+ generated API cases): slow, run on purpose.
# With it, the relay and Procfile tests and the security and privacy tests that are fast enough to run
# in `make test` as well.
RELIABILITY_TESTS := tests/reliability tests/test_relay.py tests/test_procfile.py tests/test_authorization_matrix.py tests/test_privacy.py \
	tests/test_idempotency.py tests/test_rate_limits.py tests/test_notification_safety.py
reliability: setup
	RELIABILITY=full DATA_DIR=$(CURDIR)/var/reliability $(PY) -m pytest $(RELIABILITY_TESTS) $(PYTEST_ARGS)

bench: setup
	$(PY) -m bench

# The gettext catalogs (docs/operations.md#add-a-language): extract the marked texts of the pages and
# the Python code into locale/django.pot, merge them into every locale/<language>/LC_MESSAGES/django.po,
# and compile those to django.mo (Babel's pure-Python compiler: no system gettext needed).
messages: setup
	.venv/bin/pybabel extract --no-location --sort-output -F babel.cfg -k gettext_lazy -k gettext_noop -k ngettext_lazy:1,2 -k pgettext_lazy:1c,2 -o locale/django.pot web engine base badges leaderboards notifications insights kudos rulesets challenges
	.venv/bin/pybabel update --no-fuzzy-matching -w 100 -i locale/django.pot -d locale -D django
	.venv/bin/pybabel compile --statistics -d locale -D django

clean:
	rm -rf var .pytest_cache
