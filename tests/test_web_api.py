"""The JSON API over a real crawled corpus, through a real HTTP server (uvicorn on loopback)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import time

import httpx
import pytest

from tests.web_fixture import TOKEN, XSS_SCRIPT, corpus, serve_in_thread, served  # noqa: F401 - fixtures

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def client(served):  # noqa: F811
    with httpx.Client(base_url=served.base_url, timeout=60) as c:
        yield c


def _all_ids(client, **params) -> tuple[list[str], int]:
    ids, cursor, total = [], None, None
    for _ in range(100):
        r = client.get("/api/search", params={**params, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        body = r.json()
        total = body["total"] if total is None else total
        assert body["total"] == total
        ids += [h["id"] for h in body["hits"]]
        cursor = body["next_cursor"]
        if not cursor:
            return ids, total
    raise AssertionError("paging did not end")


@pytest.mark.parametrize("sort", ["date", "relevance"])
def test_cursor_paging_returns_every_hit_once(client, sort):
    ids, total = _all_ids(client, q="", sort=sort, size=7, include_copies="true")
    assert total == 53  # 52 replica articles + the hostile one
    assert len(ids) == len(set(ids)) == total
    collapsed, ctotal = _all_ids(client, q="", sort=sort, size=100)
    assert len(collapsed) == ctotal < total  # syndicated copies collapse to one hit


def test_search_hits_carry_snippets_highlights_and_metadata(client):
    body = client.get("/api/search", params={"q": "bawaslu", "size": 5}).json()
    assert body["total"] > 0 and body["hits"]
    for h in body["hits"]:
        assert h["title"] and h["source_id"] and "url" in h
        for a, b in h["highlights"]:
            assert h["snippet"][a:b].lower().startswith("bawaslu")
    assert set(body["facets"]) >= {"source_id", "provinces", "kabkotas", "topics", "month"}


def test_filters_match_their_facet_counts(client):
    facets = client.get("/api/facets", params={"q": "pilkada"}).json()["facets"]
    checked = 0
    for field, param in (("source_id", "source"), ("kabkotas", "kabkota"), ("provinces", "province"),
                         ("source_type", "source_type"), ("election_types", "election_type"), ("topics", "topic")):
        for entry in facets[field][:3]:
            r = client.get("/api/search", params={"q": "pilkada", param: entry["value"], "size": 1})
            assert r.status_code == 200, r.text
            # Naming a source shows that outlet's copies too, so its total can only be larger.
            if param == "source":
                assert r.json()["total"] >= entry["count"]
            else:
                assert r.json()["total"] == entry["count"], (param, entry)
            checked += 1
    assert checked >= 8


def test_repeated_filter_is_any_of(client):
    sources = [f["value"] for f in client.get("/api/facets").json()["facets"]["source_id"]][:2]
    each = [client.get("/api/search", params={"source": s, "size": 1}).json()["total"] for s in sources]
    both = client.get("/api/search", params=[("source", sources[0]), ("source", sources[1]), ("size", "1")]).json()
    assert both["total"] == sum(each)
    assert set(both["filters"]["sources"]) == set(sources)


def test_region_aliases_and_dates(client):
    kobar = client.get("/api/search", params={"kabkota": "Kobar", "size": 1}).json()
    full = client.get("/api/search", params={"kabkota": "Kabupaten Kotawaringin Barat", "size": 1}).json()
    assert kobar["total"] == full["total"] > 0
    month = client.get("/api/facets").json()["facets"]["month"][0]
    y, m = month["value"].split("-")
    import calendar

    last = calendar.monthrange(int(y), int(m))[1]
    r = client.get("/api/search", params={"from": f"{y}-{m}-01", "to": f"{y}-{m}-{last}", "size": 1}).json()
    assert r["total"] == month["count"]


def test_article_by_id_with_copies(client):
    hit = next(h for h in client.get("/api/search", params={"size": 100}).json()["hits"] if h["copies"])
    a = client.get(f"/api/articles/{hit['id']}").json()
    assert a["id"] == hit["id"] and a["title"] == hit["title"] and a["body"]
    assert {c["url"] for c in a["copies"]} == {c["url"] for c in hit["copies"]}
    r = client.get("/api/articles/does-not-exist")
    assert r.status_code == 404 and "does-not-exist" in r.json()["error"]


BAD_REQUESTS = [
    ("/api/search", {"q": '"politik uang'}), ("/api/search", {"q": "(pilkada OR"}), ("/api/search", {"q": "a)"}),
    ("/api/search", {"q": "*"}), ("/api/search", {"q": "OR"}), ("/api/search", {"q": "x" * 5000}),
    ("/api/search", {"provnce": "Kalteng"}), ("/api/search", {"province": "Atlantis"}),
    ("/api/search", {"kabkota": "Bogor"}), ("/api/search", {"source": "nope"}), ("/api/search", {"topic": "x"}),
    ("/api/search", {"election_type": "pemilu-rt"}), ("/api/search", {"source_type": "blog"}),
    ("/api/search", {"size": "0"}), ("/api/search", {"size": "101"}), ("/api/search", {"size": "-1"}),
    ("/api/search", {"size": "ten"}), ("/api/search", {"sort": "random"}), ("/api/search", {"cursor": "!!!"}),
    ("/api/search", {"cursor": "bm90IGpzb24"}), ("/api/search", {"from": "2024-13-01"}),
    ("/api/search", {"from": "kemarin"}), ("/api/search", {"from": "2024-12-01", "to": "2024-01-01"}),
    ("/api/search", {"include_copies": "maybe"}), ("/api/facets", {"q": '"'}), ("/api/facets", {"cursor": "x"}),
    ("/api/export", {"format": "xls"}), ("/api/export", {}), ("/api/export", {"format": "csv", "q": "("}),
    ("/api/runs", {"limit": "0"}), ("/api/runs", {"limit": "x"}), ("/api/sources", {"x": "1"}),
    ("/api/articles/abc", {"q": "1"}),
]


def _assert_json_error(r: httpx.Response) -> str:
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/json")
    message = r.json()["error"]
    assert message and "\n" not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize(("path", "params"), BAD_REQUESTS)
def test_bad_requests_get_one_line_json_errors(client, path, params):
    _assert_json_error(client.get(path, params=params))


def test_cursor_of_another_sort_is_refused(client):
    cursor = client.get("/api/search", params={"size": 1, "sort": "relevance", "q": "pilkada"}).json()["next_cursor"]
    msg = _assert_json_error(client.get("/api/search", params={"size": 1, "sort": "date", "cursor": cursor}))
    assert "cursor" in msg


def test_raw_hostile_query_strings(client):
    for raw in ("q=%00", "q=%FF%FE", "q=%22", "q=%28%28", "size=%00", "cursor=%00", "from=%00",
                "province=%00", "q=" + "%28" * 3000, "q=a&q=b", "%FF=1", "q", "=&=&&", "q=%E2%80%AE%F0%9F%99%82"):
        r = client.get("/api/search?" + raw)
        assert r.status_code < 500, (raw, r.status_code, r.text[:200])
        if r.status_code >= 400:
            _assert_json_error(r)
        else:
            assert "total" in r.json()


def test_property_random_hostile_queries_never_fail_the_server(client):
    """Random queries from the characters that break query parsers: always 200 or a one-line 4xx."""
    rng = random.Random(20240214)
    atoms = ['"', "(", ")", "*", "-", "AND", "OR", "NOT", " ", "pilkada", "bawaslu", "é", "ß", "日本", "🙂",
             "\u202e", "\\", "'", ":", "^", "~", "{", "}", "[", "]", "\x00", "\t", "%", "&", "#", "?", "/", "NEAR",
             "<script>", "';--", "\u00a0", "ﬁ", "İ"]
    outcomes = {"ok": 0, "error": 0}
    for _ in range(150):
        q = "".join(rng.choice(atoms) for _ in range(rng.randint(1, 12)))
        r = client.get("/api/search", params={"q": q, "size": 3})
        if r.status_code == 200:
            assert isinstance(r.json()["total"], int)
            outcomes["ok"] += 1
        else:
            _assert_json_error(r)
            outcomes["error"] += 1
    assert outcomes["ok"] and outcomes["error"]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export_streams_every_hit_with_its_manifest(client, fmt):
    search = {"q": "NOT hoaks", "province": "Kalteng", "include_copies": "1"}
    params = {**search, "format": fmt}
    total = client.get("/api/search", params={**search, "size": 1}).json()["total"]
    assert total > 10  # more than a page: the export is not just one page
    r = client.get("/api/export", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"].startswith("attachment;")
    data = r.content
    if fmt == "csv":
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in data.decode().splitlines()]
    else:
        import pyarrow.parquet as pq

        rows = pq.read_table(io.BytesIO(data)).to_pylist()
    assert len(rows) == total == int(r.headers["x-warta-rows"])
    assert all("Kalimantan Tengah" in str(row["provinces"]) for row in rows)
    assert hashlib.sha256(data).hexdigest() == r.headers["x-warta-sha256"]
    link = r.headers["link"].split(";")[0].strip("<>")
    manifest = client.get(link).json()
    assert manifest["rows"] == total and manifest["complete"] and manifest["format"] == fmt
    assert manifest["query"] == "NOT hoaks" and manifest["filters"]["provinces"] == ["Kalimantan Tengah"]
    assert manifest["sha256"] == r.headers["x-warta-sha256"]


def test_export_of_everything_matches_search_total(client):
    total = client.get("/api/search", params={"include_copies": "1", "size": 1}).json()["total"]
    r = client.get("/api/export", params={"format": "jsonl", "include_copies": "1"})
    assert len(r.content.decode().splitlines()) == total
    _assert_json_error(client.get("/api/export/manifest/unknown"))


def test_security_headers_on_every_kind_of_response(client, served):
    for path in ("/", "/?q=%22", "/api/search", "/api/search?q=(", "/static/style.css", "/nope", "/openapi.json",
                 "/docs", f"/article/{served.corpus.xss_id}", "/sources"):
        r = client.get(path)
        csp = r.headers.get("content-security-policy", "")
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"]


def test_pages_escape_scraped_text_and_refuse_non_http_links(client, served):
    html = client.get(f"/article/{served.corpus.xss_id}").text
    assert XSS_SCRIPT not in html and "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert 'href="javascript:' not in html
    search = client.get("/", params={"q": "keamanan"}).text
    assert XSS_SCRIPT not in search and "<img src=x" not in search and 'href="javascript:' not in search


def test_html_errors_are_400_pages_with_the_message(client):
    r = client.get("/", params={"q": '"politik uang'})
    assert r.status_code == 400 and "unbalanced quote" in r.text and "Traceback" not in r.text
    r = client.get("/", params={"province": "Atlantis"})
    assert r.status_code == 400 and "unknown province" in r.text
    assert client.get("/article/nope").status_code == 404


def test_openapi_document_and_reference(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/search", "/api/articles/{article_id}", "/api/facets", "/api/export", "/api/sources",
            "/api/runs", "/api/crawl"} <= set(spec["paths"])
    names = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert {"q", "province", "kabkota", "from", "to", "size", "cursor", "sort"} <= names
    # Invalid input is answered 400 {"error"}: that is what the document promises, not FastAPI's 422.
    operations = [op for path in spec["paths"].values() for op in path.values()]
    assert all("422" not in op["responses"] for op in operations)
    assert all("400" in op["responses"] for op in operations if op["tags"] == ["api"])
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert "/api/search" in client.get("/docs").text


def test_sources_and_runs(client):
    sources = client.get("/api/sources").json()["sources"]
    assert len(sources) == 4 and all(s["status"] in ("ok", "warn", "fail", "unknown") for s in sources)
    runs = client.get("/api/runs", params={"limit": 5}).json()["runs"]
    assert runs and runs[0]["sources"] and "new" in runs[0]["sources"][0]["stats"]


def test_crawl_needs_the_token(client, served):
    assert client.post("/api/crawl").status_code == 401
    # The token is checked before the body is read: a malformed body does not change the answer.
    for body in (b"{not json", b'{"sources": 5}'):
        for headers, status in (({}, 401), ({"Authorization": "Bearer wrong"}, 403)):
            r = client.post("/api/crawl", content=body, headers={**headers, "Content-Type": "application/json"})
            assert r.status_code == status, r.text
    assert "WWW-Authenticate".lower() in client.post("/api/crawl").headers
    assert client.post("/api/crawl", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.post("/api/crawl", headers={"Authorization": "Basic " + TOKEN}).status_code == 401
    bad = client.post("/api/crawl", headers={"Authorization": f"Bearer {TOKEN}"}, json={"sources": ["nope"]})
    assert bad.status_code == 400 and "nope" in bad.json()["error"]
    runs_before = client.get("/api/runs").json()["runs"][0]["id"]
    source = client.get("/api/sources").json()["sources"][0]["source_id"]
    r = client.post("/api/crawl", headers={"Authorization": f"Bearer {TOKEN}"}, json={"sources": [source]})
    assert r.status_code == 202, r.text
    assert r.json()["started"] is True and TOKEN not in r.text
    crawls = served.app.state.warta.crawls
    deadline = time.monotonic() + 180
    while crawls.running() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not crawls.running()
    latest = client.get("/api/runs").json()["runs"][0]
    assert latest["id"] > runs_before and [s["source_id"] for s in latest["sources"]] == [source]


def test_crawl_is_disabled_without_a_configured_token(corpus):  # noqa: F811
    from warta.web.server import create_app

    with serve_in_thread(create_app(corpus.settings, token="")) as base:
        r = httpx.post(base + "/api/crawl", headers={"Authorization": "Bearer anything"})
        assert r.status_code == 403 and "disabled" in r.json()["error"]


def test_saved_searches_are_managed_with_the_token(client):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    body = {"name": "kukar-web", "query": "pilkada", "kabkotas": ["Kukar"]}
    assert client.post("/api/saved", json=body).status_code == 401
    assert client.post("/api/saved", json=body, headers={"Authorization": "Bearer wrong"}).status_code == 403
    bad = client.post("/api/saved", json={**body, "kabkotas": ["Kutai Kartanegaraa"]}, headers=auth)
    assert bad.status_code == 400 and "Kabupaten Kutai Kartanegara" in bad.json()["error"]
    made = client.post("/api/saved", json=body, headers=auth)
    assert made.status_code == 201, made.text
    assert made.json()["filters"]["kabkotas"] == ["Kabupaten Kutai Kartanegara"]  # resolved once, when saved
    names = [s["name"] for s in client.get("/api/saved").json()["saved"]]
    assert "kukar-web" in names
    assert client.delete("/api/saved/kukar-web").status_code == 401
    assert client.delete("/api/saved/kukar-web", headers=auth).status_code == 204
    assert "kukar-web" not in [s["name"] for s in client.get("/api/saved").json()["saved"]]
    assert client.delete("/api/saved/kukar-web", headers=auth).status_code == 400
