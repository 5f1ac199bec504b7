"""Property tests of URL canonicalisation (crawlers.urls.canonicalize) and the URL checks.

The canonical URL is the crawler's identity for a page (seen-set, url state,
dedupe), so it must be a fixed point, drop exactly the noise (tracking
parameters, fragment, host case) and never raise on what a hostile page links to.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

import tests.hypothesis_profiles  # noqa: F401 - loads the CI/dev profile
from crawlers.urls import canonicalize, is_amp, rejection, same_site
from warta.sources import Source

pytestmark = pytest.mark.timeout(120)

SRC = Source.model_validate({
    "id": "wp", "name": "WP", "type": "news", "base_url": "http://127.0.0.1:8080/",
    "region": {"province": "Kalimantan Selatan", "kabkota": "Balangan"}, "timezone": "WITA",
})

# Keys our list or courlan drop on purpose, matched case-insensitively below.
TRACKING = {"fbclid", "gclid", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid", "igshid", "ref", "amp"}

label = st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?", fullmatch=True)
host = st.one_of(
    st.lists(label, min_size=1, max_size=3).map(lambda ls: ".".join([*ls, "id"])),
    st.sampled_from(["127.0.0.1", "Kobar.Bawaslu.GO.ID", "WWW.Example.COM", "xn--bcher-kva.de"]),
)
segment = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="/?#\\%", exclude_categories=["Cc", "Cs", "Zs", "Zl", "Zp"]),
    max_size=12,
)
path = st.lists(st.one_of(segment, st.sampled_from(["berita", "2024", "06", "amp", "a%20b", "~user", "..", "."])),
                max_size=5).map(lambda segs: "/" + "/".join(segs))
key = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda k: k.lower() not in TRACKING and not k.lower().startswith("utm_"))
value = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), min_size=1, max_size=10)
tracking_pair = st.tuples(
    st.one_of(st.sampled_from(sorted(TRACKING)), st.from_regex(r"(utm|UTM|Utm)_[a-z]{1,8}", fullmatch=True)),
    st.text(alphabet="abc123", max_size=5),
)


@st.composite
def http_urls(draw: st.DrawFn) -> tuple[str, str, dict[str, str], list[str]]:
    """(url, host, kept parameters, tracking keys) from parts; scheme and host in random case."""
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "Https"]))
    h = draw(host)
    port = draw(st.sampled_from(["", ":8080", ":80", ":443"]))
    kept = draw(st.dictionaries(key, value, max_size=4))
    tracking = draw(st.lists(tracking_pair, max_size=3))
    pairs = list(kept.items()) + tracking
    pairs = draw(st.permutations(pairs))
    query = "?" + urlencode(pairs) if pairs else draw(st.sampled_from(["", "?"]))
    fragment = draw(st.sampled_from(["", "#", "#comments", "#a?utm_source=x", "#/route"]))
    url = f"{scheme}://{h}{port}{draw(path)}{query}{fragment}"
    return url, h, kept, [k for k, _ in tracking]


@given(st.text(max_size=200))
@example("http://[::1")  # ValueError from urlsplit: a hostile <link rel=canonical> failed the whole page
@example("http://a]b/")
@example("//[x")
@example("http://a.com\x00/")
@example("")
def test_canonicalize_never_raises_and_is_idempotent_on_any_text(text: str) -> None:
    once = canonicalize(text)
    assert isinstance(once, str)
    assert canonicalize(once) == once
    # The cheap checks the spider runs next must not raise either.
    assert isinstance(rejection(once, SRC), str)
    assert isinstance(is_amp(once), bool) and isinstance(same_site(once, SRC), bool)


@given(http_urls())
@example(("http://A.COM/a b?x=1&utm_source=2#f", "A.COM", {"x": "1"}, ["utm_source"]))
@example(("HTTP://Kobar.Bawaslu.GO.ID/?UTM_Source=1&id=2", "Kobar.Bawaslu.GO.ID", {"id": "2"}, ["UTM_Source"]))
# courlan dropped any name starting "ga", "gl", "cid", "source", "uid"...: distinct articles merged.
@example(("http://0.id/?ga=0", "0.id", {"ga": "0"}, []))
@example(("http://0.id/berita.php?cid=12&gambar=3", "0.id", {"cid": "12", "gambar": "3"}, []))
@example(("http://0.id/x?REF=1&Fbclid=2&id=3", "0.id", {"id": "3"}, ["REF", "Fbclid"]))
def test_canonical_http_urls_drop_exactly_the_noise(built: tuple[str, str, dict[str, str], list[str]]) -> None:
    url, h, kept, tracking = built
    once = canonicalize(url)
    assert canonicalize(once) == once
    parts = urlsplit(once)
    assert parts.scheme in ("http", "https")
    assert parts.hostname is not None and parts.hostname == parts.hostname.lower()
    assert parts.hostname.encode("idna").decode("ascii") == h.lower() or parts.hostname == h.lower()
    assert "#" not in once and not parts.fragment
    params = parse_qsl(parts.query, keep_blank_values=True)
    keys = [k for k, _ in params]
    assert not any(k.lower().startswith("utm_") or k.lower() in TRACKING for k in keys), once
    assert {k for k in tracking if k.lower() not in TRACKING and not k.lower().startswith("utm_")} <= set(keys)
    # Every real parameter survives with its value: they select the article.
    assert dict(params) == kept, (url, once)
    assert keys == sorted(keys)  # sorted query: parameter order never makes two identities


@given(http_urls(), http_urls())
def test_canonical_form_ignores_host_case_and_fragment(a: tuple[str, str, dict[str, str], list[str]],
                                                       b: tuple[str, str, dict[str, str], list[str]]) -> None:
    url = a[0]
    base = url.split("#", 1)[0]
    assume("://" in base)
    scheme, rest = base.split("://", 1)
    netloc, sep, tail = rest.partition("/")
    variant = f"{scheme.upper()}://{netloc.swapcase()}{sep}{tail}#{b[1]}"
    assert canonicalize(variant) == canonicalize(url)
