"""Synthetic Indonesian-like regional election news, for benchmarks (never for tests of quality).

    .venv/bin/python bench/generate.py --n 100000 --store /tmp/bench/store.sqlite [--fts /tmp/bench/fts.sqlite]
    .venv/bin/python bench/generate.py --pages 20 --out /tmp/bench/pages   # a few HTML pages to look at

What it makes, deterministically from a seed:
- articles: a title, a body of paragraphs (word count log-normal, median ~330,
  clipped to 45..2,500 words), a region from config/gazetteer/regions.csv
  (the source's home kabupaten/kota, sometimes a neighbour), institutions
  (Bawaslu/KPU/Pemkab of that region), people, a date uniform over
  2023-11-01 .. 2024-12-31 in the source's time zone;
- ~5 % syndicated copies: an earlier article re-published by another outlet,
  lightly edited (a paragraph trimmed, a dateline and credit added, a word or
  two changed) — what the near-duplicate clustering must catch;
- an HTML page per article with the chrome of a regional site: navigation,
  breaking-news ticker, share bar, related posts, comments, footer, meta tags
  and JSON-LD (pages average ~16 KB);
- a fast path that writes N `Article` rows straight into a `warta.store.Store`
  (batched transactions, no extraction) and optionally indexes them into the
  SQLite FTS backend, for 100k / 1M-scale figures.

The text is a word salad from a fixed Indonesian vocabulary: it has the token
and length statistics of real articles, not their meaning.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import json
import math
import random
import sys
import time
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REGIONS_CSV = ROOT / "config" / "gazetteer" / "regions.csv"
START = datetime(2023, 11, 1, tzinfo=timezone.utc)
END = datetime(2025, 1, 1, tzinfo=timezone.utc)
TZ = {"WIB": timezone(timedelta(hours=7)), "WITA": timezone(timedelta(hours=8)), "WIT": timezone(timedelta(hours=9))}
WITA_PROVINCES = {"Bali", "Nusa Tenggara Barat", "Nusa Tenggara Timur", "Kalimantan Selatan", "Kalimantan Timur",
                  "Kalimantan Utara", "Sulawesi Utara", "Sulawesi Tengah", "Sulawesi Selatan", "Sulawesi Tenggara",
                  "Gorontalo", "Sulawesi Barat"}
COPY_SHARE = 0.05

# --- vocabulary ----------------------------------------------------------------------------------

_WORDS = """
pemilihan umum pilkada serentak kepala daerah bupati wakil walikota gubernur calon pasangan
tahapan kampanye pemungutan suara penghitungan rekapitulasi daftar pemilih tetap sementara
petugas panitia pengawas kecamatan kelurahan desa tempat tps logistik surat kotak bilik tinta
netralitas aparatur sipil negara asn tni polri pelanggaran laporan temuan sidang putusan
sengketa gugatan mahkamah konstitusi hasil perolehan kursi partai politik koalisi dukungan
masyarakat warga pemuda perempuan disabilitas pemilih pemula sosialisasi bimbingan teknis
rapat koordinasi kegiatan acara hadir menyampaikan mengatakan menjelaskan menegaskan berharap
mengimbau mengajak seluruh pihak agar dapat menjaga kondusivitas keamanan ketertiban damai
jujur adil langsung umum bebas rahasia integritas transparansi akuntabilitas partisipasi
tingkat meningkat dibandingkan sebelumnya tahun bulan minggu hari pagi siang sore malam
kantor aula gedung balai pertemuan hotel lapangan pasar sekolah masjid gereja jalan kota
kabupaten provinsi pusat daerah wilayah setempat sekitar dusun rukun tetangga kampung
anggaran dana hibah bantuan sosial program pembangunan infrastruktur pendidikan kesehatan
ekonomi pertanian perkebunan sawit karet nelayan sungai banjir jembatan listrik air bersih
media informasi berita hoaks ujaran kebencian politik uang serangan fajar mahar money politic
pengamanan personel apel gelar pasukan patroli posko siaga distribusi pengiriman gudang
penetapan pengundian nomor urut debat publik visi misi janji debat kedua ketiga terbuka
relawan tim pemenangan saksi mandat formulir c hasil plano salinan berita acara keberatan
penyelenggara ad hoc ppk pps kpps pantarlih pengawas tps panwascam komisioner ketua anggota
divisi hukum pencegahan penindakan humas hubungan teknis perencanaan data sumber daya
dalam rangka untuk dengan oleh pada dari ke di yang dan atau serta juga telah akan sudah
masih belum bisa harus perlu tidak bukan sangat lebih paling banyak sedikit beberapa para
kami kita mereka ia dia beliau tersebut ini itu sebagai karena sehingga namun tetapi bahwa
""".split()
_VERBS = "mengatakan menyampaikan menjelaskan menegaskan mengungkapkan menuturkan menambahkan".split()
_FIRST = ("Ahmad Budi Siti Dewi Rahmat Agus Hendra Yuliana Rudi Fitri Hasan Nurul Slamet Andi Rina Muhammad "
          "Sri Bambang Eko Wahyu Lestari Indra Fajar Gusti Abdul Maria Yohanes Daeng Made Komang").split()
_LAST = ("Saputra Rahmah Hidayat Santoso Wijaya Kurniawan Lestari Pratama Siregar Nasution Harahap Sinaga Lubis "
         "Rahman Hakim Effendi Gunawan Setiawan Wibowo Purnomo Syahputra Noor Ansyari Hamdani Riduan").split()
_ROLES = ("Ketua", "Anggota", "Koordinator Divisi Hukum", "Sekretaris", "Kepala Bagian Humas", "Penjabat Bupati")
_TOPIC_TITLES = [
    "{inst} Gelar Rapat Koordinasi Pengawasan Tahapan {race} di {place}",
    "{inst} Imbau ASN di {place} Jaga Netralitas Jelang {race}",
    "Rekapitulasi Suara {race} Tingkat Kecamatan di {place} Berjalan Lancar",
    "Ribuan Surat Suara {race} Tiba di Gudang Logistik {inst}",
    "{inst} Tangani Dugaan Politik Uang di {place}",
    "Debat Publik Calon {race} {place} Digelar Malam Ini",
    "Partisipasi Pemilih di {place} Ditargetkan Naik pada {race}",
    "Pengamanan {race}: Polres Kerahkan Personel ke TPS Rawan di {place}",
    "Sosialisasi Pemilih Pemula oleh {inst} Sasar Sekolah di {place}",
    "Sengketa Hasil {race} {place} Masuk Mahkamah Konstitusi",
]
_RACES = ["Pilkada Serentak 2024", "Pemilu 2024", "Pilbup", "Pilwalkot", "Pilgub", "Pileg 2024", "Pilpres 2024"]
_TOPICS = ["netralitas", "politik-uang", "logistik", "rekapitulasi", "kampanye", "debat", "sengketa", "partisipasi",
           "pengamanan", "daftar-pemilih", "hoaks"]
_ELECTION_TYPES = ["pemilu", "pemilu-presiden", "pemilu-legislatif", "pilkada", "pilkada-bupati", "pilkada-walikota",
                   "pilkada-gubernur"]


@dataclass(frozen=True)
class Place:
    name: str  # "Kabupaten Kotawaringin Barat"
    short: str  # "Kotawaringin Barat"
    province: str
    capital: str


@dataclass(frozen=True)
class SynthSource:
    id: str
    name: str
    type: str  # government | election_body | news
    domain: str
    place: Place
    tz: str


@dataclass
class SynthArticle:
    n: int
    source: SynthSource
    url: str
    title: str
    paragraphs: list[str]
    published_at: datetime
    author: str
    place: Place
    institutions: list[str]
    people: list[dict[str, str]]
    topics: list[str]
    election_types: list[str]
    copy_of: int | None = None  # index of the original for a syndicated copy
    credit: str = ""
    dateline: str = ""

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


def load_places() -> list[Place]:
    with open(REGIONS_CSV, encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(line for line in fh if not line.startswith("#"))]
    return [Place(r["name"], r["short"], r["province"], r["capital"] or r["short"])
            for r in rows if r["level"] in ("kabupaten", "kota")]


def make_sources(rng: random.Random, places: list[Place], count: int = 120) -> list[SynthSource]:
    out = []
    for i in range(count):
        p = rng.choice(places)
        kind = rng.choices(["news", "government", "election_body"], [0.5, 0.2, 0.3])[0]
        slug = p.short.lower().replace(" ", "")
        if kind == "election_body":
            body = rng.choice(["bawaslu", "kpu"])
            name, domain = f"{body.upper()} {p.name}", f"{slug}.{body}.go.id"
        elif kind == "government":
            name, domain = f"Media Center {p.name}", f"mmc.{slug}kab.go.id"
        else:
            name, domain = f"{p.short} Pos {i}", f"{slug}pos{i}.id"
        out.append(SynthSource(f"bench-{i:03d}", name, kind, domain, p,
                               "WITA" if p.province in WITA_PROVINCES else "WIB"))
    return out


class Generator:
    """Articles one at a time, reproducible from the seed (copies need their originals in memory:
    only the last `window` originals are kept, syndication happens within days)."""

    def __init__(self, seed: int = 42, n_sources: int = 120, copy_share: float = COPY_SHARE, window: int = 5000):
        self.rng = random.Random(seed)
        self.places = load_places()
        self.sources = make_sources(self.rng, self.places, n_sources)
        self.copy_share = copy_share
        self.window = window
        self._recent: list[SynthArticle] = []

    def _name(self) -> str:
        r = self.rng
        return f"{r.choice(_FIRST)} {r.choice(_LAST)}"

    def _sentence(self, place: Place, inst: str, people: list[dict[str, str]]) -> str:
        r = self.rng
        words = r.choices(_WORDS, k=r.randint(9, 22))
        if r.random() < 0.3:
            words.insert(r.randint(0, len(words)), place.name if r.random() < 0.5 else place.short)
        if r.random() < 0.2:
            words.insert(r.randint(0, len(words)), inst)
        s = " ".join(words)
        if people and r.random() < 0.15:
            p = r.choice(people)
            s = f"\u201c{s.capitalize()},\u201d {r.choice(_VERBS)} {p['role']} {p['institution']}, {p['name']}"
        return s[0].upper() + s[1:] + "."

    def _words_wanted(self) -> int:
        return max(45, min(2500, int(math.exp(self.rng.gauss(math.log(330), 0.6)))))

    def _original(self, n: int) -> SynthArticle:
        r = self.rng
        src = r.choice(self.sources)
        place = src.place if r.random() < 0.8 else r.choice(self.places)
        insts = [f"Bawaslu {place.name}", f"KPU {place.name}", f"Pemerintah {place.name}"]
        inst = r.choice(insts)
        people = [{"name": self._name(), "role": r.choice(_ROLES), "institution": r.choice(insts), "quote": ""}
                  for _ in range(r.randint(0, 3))]
        race = r.choice(_RACES)
        title = r.choice(_TOPIC_TITLES).format(inst=inst, race=race, place=place.short)
        want, got, paragraphs = self._words_wanted(), 0, []
        while got < want:
            para = " ".join(self._sentence(place, inst, people) for _ in range(r.randint(2, 5)))
            paragraphs.append(para)
            got += len(para.split())
        published = START + timedelta(seconds=r.randrange(int((END - START).total_seconds())))
        published = published.astimezone(TZ[src.tz]).replace(microsecond=0)
        slug = "-".join(title.lower().replace(":", "").split()[:8])
        return SynthArticle(
            n=n, source=src, url=f"https://{src.domain}/berita/{published:%Y/%m}/{n}-{slug}", title=title,
            paragraphs=paragraphs, published_at=published, author=self._name(), place=place,
            institutions=sorted({inst, *(p["institution"] for p in people)}), people=people,
            topics=sorted(set(r.sample(_TOPICS, r.randint(0, 3)))),
            election_types=sorted(set(r.sample(_ELECTION_TYPES, r.randint(1, 2)))),
        )

    def _copy(self, n: int, orig: SynthArticle) -> SynthArticle:
        """Another outlet re-publishes it hours later: trims a paragraph, adds a dateline and credit,
        changes a word or two."""
        r = self.rng
        src = r.choice([s for s in self.sources[:40] if s.id != orig.source.id])
        paras = list(orig.paragraphs)
        if len(paras) > 3 and r.random() < 0.6:
            del paras[r.randrange(1, len(paras))]
        dateline = orig.place.capital.upper()
        paras[0] = f"{dateline} \u2013 {paras[0]}"
        words = paras[-1].split()
        for _ in range(2):
            if len(words) > 4:
                words[r.randrange(len(words))] = r.choice(_WORDS)
        paras[-1] = " ".join(words)
        published = (orig.published_at + timedelta(hours=r.randint(1, 48))).astimezone(TZ[src.tz])
        slug = orig.url.rsplit("-", 1)[-1]
        return SynthArticle(
            n=n, source=src, url=f"https://{src.domain}/{published:%Y/%m/%d}/{n}-{slug}",
            title=orig.title if r.random() < 0.7 else orig.title.replace(" di ", " Di "), paragraphs=paras,
            published_at=published, author=self._name(), place=orig.place, institutions=orig.institutions,
            people=orig.people, topics=orig.topics, election_types=orig.election_types, copy_of=orig.n,
            credit=f"({r.choice(['humas', 'rls', 'adv'])})", dateline=dateline,
        )

    def articles(self, n: int) -> Iterator[SynthArticle]:
        for i in range(n):
            if self._recent and self.rng.random() < self.copy_share:
                yield self._copy(i, self.rng.choice(self._recent))
                continue
            a = self._original(i)
            self._recent.append(a)
            if len(self._recent) > self.window:
                self._recent.pop(0)
            yield a


# --- HTML pages ------------------------------------------------------------------------------------

def _chrome_links(rng: random.Random, k: int) -> str:
    return "".join(f'<li><a href="/kategori/{w}">{w.title()}</a></li>' for w in rng.sample(_WORDS, k))


def render_page(a: SynthArticle, rng: random.Random | None = None) -> bytes:
    """The article inside a regional portal's chrome (nav, ticker, share bar, related, comments, footer)."""
    r = rng or random.Random(a.n)
    e = html.escape
    iso = a.published_at.isoformat()
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title, "datePublished": iso,
          "author": {"@type": "Person", "name": a.author}, "publisher": {"@type": "Organization", "name": a.source.name}}
    related = "".join(
        f'<li><a href="/berita/{r.randrange(10**6)}-{w}"><img src="/img/{r.randrange(999)}.jpg" alt="">'
        f'{e(r.choice(_TOPIC_TITLES).format(inst="KPU", race=r.choice(_RACES), place=a.place.short))}</a>'
        f'<span class="date">{r.randint(1, 28)} Oktober 2024</span></li>'
        for w in r.sample(_WORDS, 8))
    comments = "".join(
        f'<div class="comment"><b>{e(r.choice(_FIRST))}</b><p>{" ".join(r.choices(_WORDS, k=r.randint(5, 25)))}</p></div>'
        for _ in range(r.randint(0, 6)))
    ticker = " | ".join(e(r.choice(_TOPIC_TITLES).format(inst="Bawaslu", race=r.choice(_RACES), place=p.short))
                        for p in (a.place,) * 6)
    paras = "".join(f"<p>{e(p)}</p>" for p in a.paragraphs)
    if a.credit:
        paras += f"<p>{e(a.credit)}</p>"
    share = "".join(f'<a class="share-{s}" href="https://{s}.com/share?u={e(a.url)}">Bagikan ke {s}</a>'
                    for s in ("facebook", "twitter", "whatsapp", "telegram", "linkedin"))
    styles = "".join(f".c{i}{{margin:{i}px;padding:{i % 7}px;color:#{i * 9973 % 0xFFFFFF:06x}}}" for i in range(120))
    page = f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>{e(a.title)} - {e(a.source.name)}</title>
<meta name="description" content="{e(a.paragraphs[0][:160])}">
<meta property="og:title" content="{e(a.title)}"><meta property="og:type" content="article">
<meta property="article:published_time" content="{iso}"><meta name="author" content="{e(a.author)}">
<link rel="canonical" href="{e(a.url)}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
<style>{styles}</style>
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments)}};gtag('js',new Date());</script>
</head><body>
<header class="site-header"><div class="logo"><a href="/">{e(a.source.name)}</a></div>
<nav class="main-nav"><ul><li><a href="/">Beranda</a></li>{_chrome_links(r, 12)}</ul></nav>
<div class="breaking">Breaking News: {ticker}</div>
<form class="search" action="/cari"><input name="q" placeholder="Cari berita..."></form></header>
<div class="ads"><a href="/iklan"><img src="/ads/banner-{r.randrange(99)}.gif" alt="Iklan"></a></div>
<main><div class="breadcrumb"><a href="/">Beranda</a> &raquo; <a href="/berita">Berita</a> &raquo; Pemilu</div>
<article class="post">
<h1 class="entry-title">{e(a.title)}</h1>
<div class="meta">Oleh <span class="author">{e(a.author)}</span> &middot; <time datetime="{iso}">{a.published_at:%d/%m/%Y %H:%M}</time></div>
<div class="share-top">{share}</div>
<div class="entry-content">{paras}</div>
<div class="tags">Tag: {_chrome_links(r, 5)}</div>
<div class="share-bottom">{share}</div>
</article>
<section class="related"><h3>Berita Terkait</h3><ul>{related}</ul></section>
<section class="comments"><h3>Komentar</h3>{comments}</section></main>
<aside class="sidebar"><h3>Terpopuler</h3><ul>{_chrome_links(r, 10)}</ul><h3>Arsip</h3><ul>{_chrome_links(r, 12)}</ul></aside>
<footer class="site-footer"><p>&copy; 2024 {e(a.source.name)}. Hak cipta dilindungi undang-undang.</p>
<ul><li><a href="/redaksi">Redaksi</a></li><li><a href="/pedoman-media-siber">Pedoman Media Siber</a></li>
<li><a href="/kontak">Kontak</a></li></ul></footer></body></html>"""
    return page.encode("utf-8")


def source_model(s: SynthSource) -> Any:
    """The project's `Source` for a synthetic source (needs a gazetteer-valid region)."""
    from warta.sources import Source

    return Source.model_validate({
        "id": s.id, "name": s.name, "type": s.type, "base_url": f"https://{s.domain}/",
        "region": {"province": s.place.province, "kabkota": s.place.name}, "timezone": s.tz,
    })


# --- fast path into the store ---------------------------------------------------------------------

def to_article(a: SynthArticle, cluster_of: dict[int, str]) -> Any:
    """An `Article` with the enrichment fields a real run would compute (from the generator's truth)."""
    from warta.models import Article, article_id

    aid = article_id(a.url)
    body = a.body
    cluster = cluster_of.get(a.copy_of, aid) if a.copy_of is not None else aid
    cluster_of.setdefault(a.n, aid)
    return Article(
        id=aid, url=a.url, canonical_url=a.url, source_id=a.source.id, source_type=a.source.type,
        domain=a.source.domain, title=a.title, body=body, description=a.paragraphs[0][:160], author=a.author,
        credit=a.credit, dateline=a.dateline, language="id", published_at=a.published_at,
        crawled_at=a.published_at + timedelta(hours=3), date_source="jsonld",
        provinces=[a.place.province], kabkotas=[a.place.name], primary_province=a.place.province,
        primary_kabkota=a.place.name, election_related=True, election_types=a.election_types, topics=a.topics,
        institutions=a.institutions, people=a.people,
        content_hash=hashlib.sha256(body.encode("utf-8")).hexdigest(),  # fast stand-in for dedupe.content_hash
        cluster_id=cluster, is_canonical=a.copy_of is None, word_count=len(body.split()),
        extractor="synthetic", extractor_version="bench",
    )


def fill_store(store_path: Path, n: int, *, seed: int = 42, batch: int = 5000, signatures: bool = False,
               raw_html: bool = False, fts_path: Path | None = None, progress: bool = True) -> dict[str, Any]:
    """Write n articles into a Store with batched transactions (same columns `upsert_article` writes).

    signatures: compute the MinHash signature per body (≈1 ms each: slow at 1M).
    raw_html: store the zlib-compressed page too (≈ 4x slower, ~6 KB per row).
    fts_path: also index every article into the SQLite FTS backend (build_document: tokenise + stem).
    """
    from pipelines.minhash import signature as make_signature
    from warta.store import Store

    store = Store(store_path) if store_path is not None else None  # None: FTS only
    fts = None
    if fts_path is not None:
        from indexer.document import build_document
        from indexer.sqlite_fts import SqliteFtsBackend

        fts = SqliteFtsBackend(fts_path)
        fts.ensure_ready()
    gen = Generator(seed)
    cluster_of: dict[int, str] = {}
    t0 = time.perf_counter()
    t_fts = 0.0
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    rows: list[tuple[Any, ...]] = []
    raws: list[tuple[Any, ...]] = []
    docs: list[dict[str, Any]] = []
    done = 0

    def flush() -> None:
        nonlocal rows, raws, docs, t_fts
        if store is not None:
            with store.transaction() as db:
                db.executemany(
                    "INSERT OR REPLACE INTO articles(id, source_id, canonical_url, domain, content_hash, cluster_id, "
                    "is_canonical, published_ms, data, signature, shingle_count, first_seen, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
                if raws:
                    db.executemany("INSERT OR REPLACE INTO raw_pages(article_id, url, fetched_at, encoding, "
                                   "html_zlib) VALUES (?, ?, ?, '', ?)", raws)
        if fts is not None and docs:
            t = time.perf_counter()
            fts.index(docs)
            t_fts += time.perf_counter() - t
        rows, raws, docs = [], [], []

    for a in gen.articles(n):
        art = to_article(a, cluster_of)
        if store is None:
            docs.append(build_document(art))
            done += 1
            if len(docs) >= batch:
                flush()
            continue
        sig = make_signature(art.body) if signatures else None
        rows.append((art.id, art.source_id, art.canonical_url, art.domain, art.content_hash, art.cluster_id,
                     int(art.is_canonical), int(art.published_at.timestamp() * 1000),
                     json.dumps(art.to_dict(), ensure_ascii=False, sort_keys=True),
                     sig.to_bytes() if sig else None, sig.shingle_count if sig else 0, now, now))
        if raw_html:
            raws.append((art.id, art.url, now, zlib.compress(render_page(a), 6)))
        if fts is not None:
            docs.append(build_document(art))
        done += 1
        if len(rows) >= batch:
            flush()
            if progress:
                el = time.perf_counter() - t0
                print(f"  {done:>9,} rows  {done / el:,.0f} rows/s", file=sys.stderr, flush=True)
    if rows or docs:
        flush()
    elapsed = time.perf_counter() - t0
    count = store.count() if store else None
    if store:
        store.close()
    if fts is not None:
        fts.close()
    return {"rows": n, "store_count": count, "seconds": round(elapsed, 2), "rows_per_s": round(n / elapsed, 1),
            "fts_seconds": round(t_fts, 2) if fts is not None else None, "signatures": signatures,
            "raw_html": raw_html}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000, help="articles to write into --store")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--store", type=Path, help="SQLite store to fill (fast path)")
    ap.add_argument("--fts", type=Path, help="also index into this SQLite FTS database")
    ap.add_argument("--fts-only", action="store_true", help="fill only --fts (no store rows)")
    ap.add_argument("--signatures", action="store_true")
    ap.add_argument("--raw-html", action="store_true")
    ap.add_argument("--pages", type=int, default=0, help="write this many HTML pages into --out")
    ap.add_argument("--out", type=Path, default=Path("/tmp/warta-bench-pages"))
    args = ap.parse_args()
    if args.pages:
        args.out.mkdir(parents=True, exist_ok=True)
        for a in Generator(args.seed).articles(args.pages):
            (args.out / f"{a.n:06d}.html").write_bytes(render_page(a))
        print(f"wrote {args.pages} pages to {args.out}")
    if args.fts_only and args.fts:
        print(json.dumps(fill_store(None, args.n, seed=args.seed, fts_path=args.fts), indent=2))
    elif args.store:
        print(json.dumps(fill_store(args.store, args.n, seed=args.seed, signatures=args.signatures,
                                    raw_html=args.raw_html, fts_path=args.fts), indent=2))


if __name__ == "__main__":
    main()
