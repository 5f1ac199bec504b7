import csv
import hashlib
import json
from datetime import datetime, timedelta, timezone

import pyarrow.parquet as pq
import pytest

from indexer.base import Filters, SearchRequest
from indexer.document import build_document
from indexer.export import export, manifest_path
from indexer.sqlite_fts import SqliteFtsBackend
from warta.errors import WartaError
from warta.models import Article, article_id
from warta.query import parse

N = 2500  # more than one Parquet batch


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    b = SqliteFtsBackend(tmp_path_factory.mktemp("fts") / "fts.sqlite")
    b.ensure_ready()
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    docs = []
    for i in range(N):
        url = f"http://kab.example/berita/{i}"
        title = "=HYPERLINK(\"http://evil\")" if i == 0 else f"Bawaslu awasi kampanye pilkada hari ke-{i}"
        docs.append(build_document(Article(
            id=article_id(url), url=url, canonical_url=url, source_id="mmc", source_type="government",
            domain="kab.example", title=title, body=f"Pengawasan kampanye di Pangkalan Bun, laporan nomor {i}.",
            author="+62 Humas" if i == 1 else "Tim Humas", published_at=start + timedelta(hours=i),
            provinces=["Kalimantan Tengah"], kabkotas=["Kotawaringin Barat"], election_types=["pilkada-bupati"])))
    b.index(docs)
    yield b
    b.close()


def req(q="kampanye"):
    return SearchRequest(parse(q), Filters(), sort="date", facets=False, snippets=False)


def test_csv_is_excel_safe_with_manifest(backend, tmp_path):
    out = tmp_path / "hasil.csv"
    m = export(backend, req(), "csv", out, query_text="kampanye", filters={})
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert len(rows) == m.rows == N
    by_id = {r["id"]: r for r in rows}
    first = by_id[article_id("http://kab.example/berita/0")]
    assert first["title"].startswith("'=HYPERLINK")  # a formula is neutralised
    assert by_id[article_id("http://kab.example/berita/1")]["author"] == "'+62 Humas"
    assert first["provinces"] == "Kalimantan Tengah"
    man = json.loads(manifest_path(out).read_text())
    assert man["rows"] == N and man["complete"] is True and man["query"] == "kampanye"
    assert man["sha256"] == hashlib.sha256(raw).hexdigest()
    assert not list(tmp_path.glob(".*.part"))


def test_jsonl_and_parquet_hold_the_same_rows(backend, tmp_path):
    mj = export(backend, req(), "jsonl", tmp_path / "a.jsonl", query_text="kampanye", filters={})
    mp = export(backend, req(), "parquet", tmp_path / "a.parquet", query_text="kampanye", filters={})
    lines = (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()
    table = pq.read_table(tmp_path / "a.parquet")
    assert mj.rows == mp.rows == len(lines) == table.num_rows == N
    assert [json.loads(x)["id"] for x in lines] == table.column("id").to_pylist()
    assert table.column("kabkotas").to_pylist()[0] == ["Kotawaringin Barat"]
    # Sorted by date, newest first.
    dates = table.column("published_at").to_pylist()
    assert dates == sorted(dates, reverse=True)


def test_empty_result_still_writes_a_valid_file(backend, tmp_path):
    m = export(backend, req("tidakadakatainiapapun"), "parquet", tmp_path / "e.parquet", query_text="x",
               filters={})
    assert m.rows == 0 and pq.read_table(tmp_path / "e.parquet").num_rows == 0


def test_unwritable_path_is_a_one_line_error(backend, tmp_path):
    with pytest.raises(WartaError, match="does not exist"):
        export(backend, req(), "csv", tmp_path / "missing" / "x.csv", query_text="", filters={})


NASTY = ['Ketua KPU berkata, "Tahapan aman."\r\nBaris kedua;\tdengan tab', "-5 suara hilang", "@warga", "",
         "Kutipan \"\"ganda\"\" dan koma, titik."]


def test_csv_round_trips_quotes_newlines_and_formulas(tmp_path):
    b = SqliteFtsBackend(tmp_path / "fts.sqlite")
    b.ensure_ready()
    urls = [f"http://kab.example/nasty/{i}" for i in range(len(NASTY))]
    b.index([build_document(Article(
        id=article_id(u), url=u, canonical_url=u, source_id="mmc", source_type="government", domain="kab.example",
        title=f"Pemilu {i}", body=f"pemilu {text}", description=text, published_at=datetime(2024, 2, 1, tzinfo=timezone.utc)))
        for i, (u, text) in enumerate(zip(urls, NASTY))])
    export(b, req("pemilu"), "csv", tmp_path / "n.csv", query_text="pemilu", filters={})
    export(b, req("pemilu"), "jsonl", tmp_path / "n.jsonl", query_text="pemilu", filters={})
    with open(tmp_path / "n.csv", encoding="utf-8-sig", newline="") as fh:
        got = {r["id"]: r for r in csv.DictReader(fh)}
    want = {d["id"]: d for d in map(json.loads, (tmp_path / "n.jsonl").read_text(encoding="utf-8").splitlines())}
    assert got.keys() == want.keys() and len(got) == len(NASTY)
    for i, d in want.items():
        assert got[i]["body"] == d["body"]  # starts with "pemilu": no quote added
        desc = d["description"]
        assert got[i]["description"] == ("'" + desc if desc[:1] in "-@" and desc else desc)
    b.close()


def test_empty_csv_has_the_header_only(backend, tmp_path):
    m = export(backend, req("tidakadakatainiapapun"), "csv", tmp_path / "e.csv", query_text="x", filters={})
    with open(tmp_path / "e.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert m.rows == 0 and len(rows) == 1 and rows[0][0] == "id"
