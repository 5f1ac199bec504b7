"""warta: crawler and search engine for Indonesian regional election news."""

__version__ = "0.1.0"
