"""The sources registry (config/sources.yaml) and its pydantic schema.

Errors name the file, the source and the field, on one line, so a typo in a
200-source file is found at once.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from warta.yamlfile import load_yaml
from warta.errors import ConfigError, QueryError
from warta.gazetteer import load_gazetteer

TIMEZONES = {"WIB": "+07:00", "WITA": "+08:00", "WIT": "+09:00"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Region(_Strict):
    """A source's home region, in the gazetteer's canonical names."""

    province: str
    kabkota: str = ""  # "" for a province-wide source; "Kobar" in YAML becomes "Kabupaten Kotawaringin Barat"

    @field_validator("province")
    @classmethod
    def _known_province(cls, v: str) -> str:
        try:
            return load_gazetteer().province(v).name
        except QueryError as e:  # pydantic reports ValueError with the field's location
            raise ValueError(str(e)) from None

    @field_validator("kabkota")
    @classmethod
    def _known_kabkota(cls, v: str, info: ValidationInfo) -> str:
        if not v:
            return v
        province = info.data.get("province", "")  # absent when the province itself failed
        try:
            place = load_gazetteer().kabkota(v, province)
        except QueryError as e:
            raise ValueError(str(e)) from None
        if province and place.province != province:
            raise ValueError(f"{place.name!r} is in {place.province}, not {province}")
        return place.name


class Listing(_Strict):
    url: str
    article_links: str = ""  # CSS selector for article links; default: every link that passes allow/deny
    next_page: str = ""  # CSS selector for the next page; default: rel=next and common pager links
    max_pages: int = Field(5, ge=1, le=500)


class Discovery(_Strict):
    feeds: list[str] = []
    sitemaps: list[str] = []
    # Probe robots.txt Sitemap: lines and /sitemap.xml, /sitemap_index.xml, /wp-sitemap.xml.
    probe_sitemaps: bool = True
    listings: list[Listing] = []


class Politeness(_Strict):
    concurrency: int = Field(1, ge=1, le=2)
    delay: float = Field(1.0, ge=0.0, le=60.0)


class Selectors(_Strict):
    prune_xpath: list[str] = []  # removed before extraction (related-post blocks, share bars)
    body: str = ""  # CSS selector of the article body, for the fallback extractor


class Source(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    name: str
    type: Literal["government", "election_body", "news"]
    base_url: str
    region: Region
    timezone: Literal["WIB", "WITA", "WIT"]
    verified: bool = False  # False: structure not checked against the live site
    enabled: bool = True
    discovery: Discovery = Discovery()
    allow: list[str] = []  # regexes an article URL must match (any)
    deny: list[str] = []  # regexes that exclude a URL
    politeness: Politeness = Politeness()
    selectors: Selectors = Selectors()
    notes: str = ""

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        if not re.match(r"^https?://[^/\s]+", v):
            raise ValueError("must be an http(s) URL")
        return v if v.endswith("/") else v + "/"

    @field_validator("allow", "deny")
    @classmethod
    def _regexes(cls, v: list[str]) -> list[str]:
        for pattern in v:
            try:
                re.compile(pattern)
            except re.error as e:
                raise ValueError(f"bad regex {pattern!r}: {e}") from None
        return v

    @property
    def domain(self) -> str:
        return re.sub(r"^https?://", "", self.base_url).split("/")[0].lower()

    @property
    def utc_offset(self) -> str:
        return TIMEZONES[self.timezone]


class Registry(_Strict):
    sources: list[Source]

    @model_validator(mode="after")
    def _unique_ids(self) -> "Registry":
        seen: set[str] = set()
        for s in self.sources:
            if s.id in seen:
                raise ValueError(f"duplicate source id {s.id!r}")
            seen.add(s.id)
        return self

    def get(self, source_id: str) -> Source:
        for s in self.sources:
            if s.id == source_id:
                return s
        from warta.regions import resolve

        resolve(source_id, [s.id for s in self.sources], "source")  # raises with a suggestion
        raise AssertionError("unreachable")

    def enabled(self) -> list[Source]:
        return [s for s in self.sources if s.enabled]


def _describe(path: Path, raw: object, err: ValidationError) -> str:
    first = err.errors()[0]
    loc = list(first["loc"])
    where = ""
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        try:
            sid = raw["sources"][loc[1]].get("id")  # type: ignore[index]
        except (KeyError, IndexError, TypeError, AttributeError):
            sid = None
        where = f" source {sid!r}" if sid else f" source #{loc[1] + 1}"
        loc = loc[2:]
    field = ".".join(str(x) for x in loc) or "(top level)"
    msg = first["msg"].removeprefix("Value error, ")
    return f"{path}:{where} field {field!r}: {msg}"


def load_registry(path: str | Path) -> Registry:
    path = Path(path)
    raw = load_yaml(path)
    if not isinstance(raw, dict) or "sources" not in raw:
        raise ConfigError(f"{path}: expected a mapping with a 'sources:' list")
    try:
        return Registry.model_validate(raw)
    except ValidationError as e:
        raise ConfigError(_describe(path, raw, e)) from None
