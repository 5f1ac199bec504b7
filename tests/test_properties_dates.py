"""Property tests of Indonesian date parsing (pipelines.dates).

Dates come from untrusted pages, so the parsers must never raise, must return
only timezone-aware datetimes inside the plausibility window, and must read
every house style we format back to the instant it was written from.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import tests.hypothesis_profiles  # noqa: F401 - loads the CI/dev profile
from pipelines.dates import EARLIEST_YEAR, find_dates, parse_indonesian_date, url_date

pytestmark = pytest.mark.timeout(120)

REF = datetime(2024, 12, 1, 12, 0, tzinfo=timezone.utc)
ZONES = {"WIB": 7, "WITA": 8, "WIT": 9}
TZ_NAMES = st.sampled_from(["WIB", "WITA", "WIT", "", "wita", "UTC", "XYZ"])

MONTH_NAMES = {
    1: ["Januari", "Jan"], 2: ["Februari", "Feb", "Pebruari", "Peb"], 3: ["Maret", "Mar"], 4: ["April", "Apr"],
    5: ["Mei"], 6: ["Juni", "Jun"], 7: ["Juli", "Jul"], 8: ["Agustus", "Agu", "Agt", "Ags", "Agus"],
    9: ["September", "Sep", "Sept"], 10: ["Oktober", "Okt"], 11: ["November", "Nov", "Nopember", "Nop"],
    12: ["Desember", "Des"],
}
WEEKDAY_NAMES = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]

# Date-ish noise and markup that has tripped date parsers: numbers that look like
# times or dates, month names, zone names, relative phrases, broken JSON-LD.
NOISE = ["2024", "12/02", "31/02/2024", "00/13/2024", "29/02/2023", "9999-99-99", "2024-02-30T25:61:00+07:00",
         "Senin", "Jumat (18/11)", "Feb", "Agu", "WIB", "WITA", "WIT", "pukul", "10.15", "24:00", "3 jam yang lalu",
         "999 tahun lalu", "0 detik lalu", "UU 7/2017", "Rp 48,5", "1/1/1", "1-1-1", "+07:00", "Z", "T", ":", "-",
         ",", "(", ")", "\x00", "٣", "²", "𝟐𝟎𝟐𝟒", "2024-06-04T10:15:00+99:99", "2024-06-04T10:15:00-23:59"]
noisy_text = st.one_of(
    st.text(max_size=150),
    st.lists(st.tuples(st.sampled_from(NOISE), st.sampled_from([" ", "", ", "])), max_size=15).map(
        lambda parts: "".join(a + b for a, b in parts)),
)
reference = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1),
                         timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=7))]))


def assert_plausible(dt: datetime | None, ref: datetime) -> None:
    if dt is None:
        return
    assert dt.tzinfo is not None and dt.utcoffset() is not None
    assert dt.year >= EARLIEST_YEAR
    assert dt <= ref + timedelta(days=1)


@given(noisy_text, TZ_NAMES, reference, st.booleans())
@example("2000-01-01T00:00+24:00", "WIB", REF, True)  # ValueError from timezone(): offsets must be < 24 h
@example("2024-06-04T10:15:00+99:99", "WIB", REF, True)
@example("0 detik lalu", "WIB", REF, True)
@example("Jumat (29/02)", "WIB", REF, False)
def test_parse_indonesian_date_never_raises_and_stays_plausible(
    text: str, tz: str, ref: datetime, allow_yearless: bool
) -> None:
    got = parse_indonesian_date(text, tz=tz, reference=ref, allow_yearless=allow_yearless)
    assert got is None or isinstance(got, datetime)
    assert_plausible(got, ref)


html_text = st.one_of(
    noisy_text,
    st.tuples(noisy_text, noisy_text, noisy_text).map(lambda t: (
        f'<html><head><meta property="article:published_time" content="{t[0]}">'
        f'<script type="application/ld+json">{{"@type":"NewsArticle","datePublished":"{t[1]}"}}</script></head>'
        f'<body><div class="post"><h1>Judul</h1><span class="date">{t[2]}</span><time datetime="{t[0]}"></time>'
        f"<p>{t[2]}</p></div></body></html>")),
    st.sampled_from(["<", "<?xml version='1.0'?>", "<html>", "\x00", "<script type='application/ld+json'>[[[",
                     '<script type="application/ld+json">{"datePublished": 5, "@graph": {"@graph": []}}</script>']),
)


@given(html_text, st.text(max_size=60), TZ_NAMES)
@example("<?xml version='1.0'?>", "", "WIB")
@example("\x00", "https://x.id/2024/02/30/", "WIT")
def test_find_dates_never_raises_and_returns_plausible_aware_dates(html: str, url: str, tz: str) -> None:
    found = find_dates(html, url, tz=tz, reference=REF)
    assert found.source in ("jsonld", "meta", "text", "url", "none")
    assert (found.published is None) == (found.source == "none")
    assert_plausible(found.published, REF)
    assert_plausible(found.modified, REF)
    assert find_dates(html.encode("utf-8", "surrogatepass"), url, tz=tz, reference=REF) is not None


@given(st.text(max_size=80), TZ_NAMES, reference)
@example("/2024/02/30/slug", "WIB", REF)
@example("https://x.id/19991231-", "WITA", REF)
def test_url_date_never_raises_and_stays_plausible(url: str, tz: str, ref: datetime) -> None:
    assert_plausible(url_date(url, tz=tz, reference=ref), ref)


# --- formatting round trips ----------------------------------------------------

instants = st.datetimes(min_value=datetime(EARLIEST_YEAR, 1, 1), max_value=datetime(2024, 11, 29))
zone_name = st.sampled_from(sorted(ZONES))


def _zone(name: str) -> tzinfo:
    return timezone(timedelta(hours=ZONES[name]))


@st.composite
def written(draw: st.DrawFn) -> tuple[str, datetime, str]:
    """(text as a page writes it, the instant it denotes, the source's zone)."""
    zname = draw(zone_name)
    naive = draw(instants).replace(second=0, microsecond=0)
    dt = naive.replace(tzinfo=_zone(zname))
    month = draw(st.sampled_from(MONTH_NAMES[dt.month]))
    month = draw(st.sampled_from([month, month.upper(), month.lower()]))
    weekday = WEEKDAY_NAMES[dt.weekday()]
    hm = f"{dt:%H}:{dt:%M}"
    day = draw(st.sampled_from([str(dt.day), f"{dt.day:02d}"]))
    forms = [
        (f"{weekday}, {day} {month} {dt.year} {hm} {zname}", dt, "WIB"),  # the page's zone wins
        (f"{day} {month} {dt.year} pukul {dt:%H}.{dt:%M} {zname}", dt, "WIB"),
        (f"{day} {month}. {dt.year} - {hm}", dt, zname),  # no zone named: the source's
        (f"{weekday} ({dt:%d/%m/%Y})", dt.replace(hour=0, minute=0), zname),
        (f"{dt:%d/%m/%Y}", dt.replace(hour=0, minute=0), zname),
        (f"{dt.day}-{dt.month}-{dt.year}", dt.replace(hour=0, minute=0), zname),
        (f"{dt:%Y-%m-%dT%H:%M:%S}{dt:%z}"[:-2] + ":" + f"{dt:%z}"[-2:], dt, "WIB"),
        (dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), dt, zname),
        (f"{dt:%Y-%m-%d %H:%M:%S}", dt, zname),
        (f"Diposting pada {day} {month} {dt.year} oleh admin", dt.replace(hour=0, minute=0), zname),
    ]
    return draw(st.sampled_from(forms))


@given(written())
@example(("Senin, 12 Februari 2024 14:05 WIB", datetime(2024, 2, 12, 14, 5, tzinfo=_zone("WIB")), "WIB"))
@example(("12/02/2024", datetime(2024, 2, 12, tzinfo=_zone("WITA")), "WITA"))
@example(("2024-02-12T14:05:00+07:00", datetime(2024, 2, 12, 14, 5, tzinfo=_zone("WIB")), "WIT"))
@example(("17 Agu 2023 08:00 WIT", datetime(2023, 8, 17, 8, 0, tzinfo=_zone("WIT")), "WIB"))
@example(("3 Okt 2024", datetime(2024, 10, 3, tzinfo=_zone("WIB")), "WIB"))
@example(("5 Des 2023 23:59 WITA", datetime(2023, 12, 5, 23, 59, tzinfo=_zone("WITA")), "WIB"))
def test_written_dates_parse_back_to_the_same_instant(case: tuple[str, datetime, str]) -> None:
    text, expected, source_zone = case
    got = parse_indonesian_date(text, tz=source_zone, reference=REF)
    assert got == expected, (text, got)
    assert got is not None and got.tzinfo is not None
    # Scanning mode (no year-less guesses) reads every full date the same way.
    assert parse_indonesian_date(text, tz=source_zone, reference=REF, allow_yearless=False) == expected


URL_SHAPES = ["/{y}/{m:02d}/{d:02d}/slug", "/{y}/{m}/{d}/", "/berita/{y}{m:02d}{d:02d}-x", "/{y}-{m:02d}-{d:02d}/judul"]


@given(instants, zone_name, st.sampled_from(URL_SHAPES))
def test_url_dates_parse_back_to_the_day(naive: datetime, zname: str, shape: str) -> None:
    url = "https://x.id" + shape.format(y=naive.year, m=naive.month, d=naive.day)
    expected = datetime(naive.year, naive.month, naive.day, tzinfo=_zone(zname))
    assert url_date(url, tz=zname, reference=REF) == expected
    # A page without any other witness falls back to the same date.
    assert find_dates("<html><body><h1>Judul</h1></body></html>", url, tz=zname, reference=REF).published == expected
