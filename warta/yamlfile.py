"""Reading the project's YAML files with one kind of error: `path: line N: invalid YAML: problem`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from warta.errors import ConfigError


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read: {e}") from None


def _invalid(path: Path, e: yaml.YAMLError) -> ConfigError:
    mark = getattr(e, "problem_mark", None)
    at = f" line {mark.line + 1}:" if mark else ""
    problem = getattr(e, "problem", None) or str(e).splitlines()[0]
    return ConfigError(f"{path}:{at} invalid YAML: {problem}")


def load_yaml(path: str | Path) -> Any:
    """The parsed document; ConfigError (one line) when it is missing, unreadable or not YAML."""
    path = Path(path)
    text = read_text(path)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise _invalid(path, e) from None


def compose_yaml(path: str | Path) -> tuple[Any, yaml.Node | None]:
    """The parsed document and its node tree (for line numbers of fields)."""
    path = Path(path)
    text = read_text(path)
    try:
        return yaml.safe_load(text), yaml.compose(text)
    except yaml.YAMLError as e:
        raise _invalid(path, e) from None
