"""Shared pytest set-up: the Elasticsearch server fixtures (`es_url`, `es_backend_factory`)."""

pytest_plugins = ["tests.es_fixture"]
