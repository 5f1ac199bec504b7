"""Shared pytest set-up: the Elasticsearch server fixture plugin is registered here."""

import importlib.util

# TODO(integration): unconditional once tests/es_fixture.py lands.
pytest_plugins = ["tests.es_fixture"] if importlib.util.find_spec("tests.es_fixture") else []
