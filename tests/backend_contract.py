"""Data and checks of the one backend contract suite (tests/test_backend_contract.py).

The corpus is written for these tests (not copied from crawled pages): short
Indonesian articles about Pemilu 2024 and Pilkada Serentak 2024, mostly in
Kalimantan, plus unrelated local news. It is built to trip the places where
backends tend to drift apart:

- stems and stop words: "pemilu" stems to "milu" and "pemilihan" to "pilih",
  so a query for one must not find the other; "se", "dan" and "ada" are stop
  words and only match the exact fields ("ada" must not find "diadakan",
  whose stem is "ada");
- tokens that are syntax elsewhere: "se-Kalteng", "Pj.", "14/02", a lower-case
  English "and";
- a phrase split across title and body ("... politik" / "Uang ..."), which
  must not match;
- dates on Asia/Jakarta month boundaries (2024-10-31T18:30Z is November), and
  undated articles;
- syndicated copies (shared cluster_id, is_canonical False) from outlets other
  than the canonical one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from indexer.base import Filters, SearchBackend, SearchPage, SearchRequest
from indexer.document import STORED_FIELDS, build_document
from tests.reference_search import evaluate
from warta.models import Article, article_id
from warta.query import parse

# source_id -> (source_type, domain, home province, home kabupaten/kota)
SOURCES: dict[str, tuple[str, str, str, str]] = {
    "kaltengpos": ("news", "kaltengpos.example", "Kalimantan Tengah", "Palangka Raya"),
    "bawaslu-kobar": ("election_body", "kobar.bawaslu.example", "Kalimantan Tengah", "Kotawaringin Barat"),
    "kpu-kotim": ("election_body", "kpu-kotim.example", "Kalimantan Tengah", "Kotawaringin Timur"),
    "prokopim-balangan": ("government", "balangankab.example", "Kalimantan Selatan", "Balangan"),
    "antara-kalsel": ("news", "kalsel.antara.example", "Kalimantan Selatan", "Banjarmasin"),
    "bebaca": ("news", "bebaca.example", "Kalimantan Timur", "Samarinda"),
    "diskominfo-kukar": ("government", "kukarkab.example", "Kalimantan Timur", "Kutai Kartanegara"),
    "kpu-kaltim": ("election_body", "kpu-kaltim.example", "Kalimantan Timur", "Samarinda"),
    "pontianak-post": ("news", "pontianakpost.example", "Kalimantan Barat", "Pontianak"),
    "warta-ibukota": ("news", "wartaibukota.example", "DKI Jakarta", "Jakarta Selatan"),
    "kabar-priangan": ("news", "kabarpriangan.example", "Jawa Barat", "Bandung"),
}


@dataclass(frozen=True)
class Item:
    key: str
    source: str
    when: str | None  # ISO 8601 with offset, or None for an undated article
    title: str
    body: str
    provinces: tuple[str, ...] = ()  # defaults to the source's home province
    kabkotas: tuple[str, ...] = ()  # defaults to the source's home kabupaten/kota
    types: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    copy_of: str | None = None  # key of the canonical article of its cluster


KTG, KSL, KTM, KBR = "Kalimantan Tengah", "Kalimantan Selatan", "Kalimantan Timur", "Kalimantan Barat"

ITEMS: tuple[Item, ...] = (
    Item(
        "kobar-rakor", "bawaslu-kobar", "2024-01-15T02:00:00+00:00",
        "Rakor Evaluasi Pelanggaran Pemilu di Kotawaringin Barat",
        "Pangkalan Bun - Bawaslu Kabupaten Kotawaringin Barat menggelar rapat koordinasi evaluasi "
        "penanganan pelanggaran Pemilu 2024. Kepala desa dan lurah se-Kobar diminta menjaga "
        "netralitas selama tahapan kampanye. Pj. Bupati Kobar hadir dan membuka kegiatan.",
        kabkotas=("Kotawaringin Barat",), types=("pileg", "pilpres"), topics=("netralitas", "pengawasan"),
    ),
    Item(
        "kobar-asn", "bawaslu-kobar", "2024-01-31T17:30:00+00:00",
        "Bawaslu Kobar Ingatkan Netralitas ASN Jelang Pemilu",
        "Bawaslu Kotawaringin Barat mengingatkan aparatur sipil negara (ASN) agar tidak ikut "
        "berkampanye. ASN yang terbukti tidak netral akan dilaporkan kepada Komisi ASN. "
        "Pengawasan dilakukan hingga tingkat desa.",
        kabkotas=("Kotawaringin Barat",), types=("pileg",), topics=("netralitas",),
    ),
    Item(
        "kobar-politik-uang", "bawaslu-kobar", "2024-02-10T03:15:00+00:00",
        "Patroli Pengawasan Politik Uang di Masa Tenang",
        "Selama masa tenang Bawaslu Kobar menggelar patroli pengawasan politik uang di seluruh "
        "kecamatan. Masyarakat diajak menolak politik uang dan melaporkan setiap pemberian barang "
        "atau uang dari peserta pemilu.",
        kabkotas=("Kotawaringin Barat",), types=("pileg", "pilpres"), topics=("politik-uang",),
    ),
    Item(
        "kobar-tps", "bawaslu-kobar", "2024-02-14T01:00:00+00:00",
        "Pengawas TPS Siap Awasi Pemungutan Suara 14/02",
        "Sebanyak 812 pengawas TPS di Kotawaringin Barat siap mengawasi pemungutan suara pada "
        "14/02/2024. Pengawas diminta memastikan DPT yang dipakai di TPS sesuai salinan resmi.",
        kabkotas=("Kotawaringin Barat",), types=("pileg", "pilpres"), topics=("pengawasan", "dpt"),
    ),
    Item(
        "kobar-pilkada-netral", "bawaslu-kobar", "2024-09-20T04:00:00+00:00",
        "Deklarasi Netralitas Kades se-Kalteng Jelang Pilkada Serentak",
        "Kepala desa se-Kalteng mendeklarasikan netralitas menjelang Pilkada Serentak 2024. "
        "Deklarasi ditandatangani di hadapan Bawaslu Provinsi dan Pj. Gubernur.",
        provinces=(KTG,), kabkotas=("Kotawaringin Barat", "Palangka Raya"), types=("pilgub", "pilbup"),
        topics=("netralitas",),
    ),
    Item(
        "kotim-dpt", "kpu-kotim", "2024-06-21T02:30:00+00:00",
        "KPU Kotim Tetapkan DPT Pilkada 2024",
        "KPU Kabupaten Kotawaringin Timur menetapkan daftar pemilih tetap (DPT) untuk Pilkada "
        "Serentak 2024 sebanyak 315.420 pemilih. Pemilih ganda dan pemilih yang meninggal dunia "
        "sudah dicoret dari daftar.",
        kabkotas=("Kotawaringin Timur",), types=("pilbup", "pilgub"), topics=("dpt",),
    ),
    Item(
        "kotim-coklit", "kpu-kotim", "2024-07-01T23:45:00+00:00",
        "Coklit Data Pemilih Dimulai, Petugas Datangi Rumah Warga",
        "Petugas pantarlih mulai mencocokkan dan meneliti data pemilih dari rumah ke rumah. Warga "
        "diminta menunjukkan KTP elektronik agar tidak tercatat ganda dalam DPT.",
        kabkotas=("Kotawaringin Timur",), types=("pilbup",), topics=("dpt",),
    ),
    Item(
        "kotim-debat", "kpu-kotim", "2024-10-31T18:30:00+00:00",
        "Debat Publik Kedua Calon Bupati Kotim Digelar Malam Ini",
        "KPU Kotim menggelar debat publik kedua calon bupati dan wakil bupati. Tema debat adalah "
        "pelayanan publik dan tata kelola pemerintahan. Aparat keamanan disiagakan di sekitar lokasi.",
        kabkotas=("Kotawaringin Timur",), types=("pilbup",), topics=("debat",),
    ),
    Item(
        "kotim-logistik", "kpu-kotim", "2024-11-20T05:00:00+00:00",
        "Distribusi Logistik Pilkada ke Kecamatan Terjauh",
        "Logistik pemilihan berupa kotak suara dan surat suara mulai didistribusikan ke kecamatan "
        "terjauh di Kotawaringin Timur. Distribusi logistik dikawal polisi.",
        kabkotas=("Kotawaringin Timur",), types=("pilbup", "pilgub"), topics=("logistik",),
    ),
    Item(
        "kotim-rekap", "kpu-kotim", "2024-11-30T16:59:59+00:00",
        "Rekapitulasi Suara Pilkada Kotim Tuntas",
        "Rapat pleno rekapitulasi hasil penghitungan suara Pilkada Kotim selesai tengah malam. "
        "Saksi pasangan calon menandatangani berita acara tanpa keberatan.",
        kabkotas=("Kotawaringin Timur",), types=("pilbup",), topics=("rekapitulasi",),
    ),
    Item(
        "kotim-penetapan", "kpu-kotim", "2024-11-30T17:00:00+00:00",
        "KPU Kotim Umumkan Jadwal Penetapan Calon Terpilih",
        "KPU Kotim mengumumkan jadwal penetapan pasangan calon terpilih setelah rekapitulasi. "
        "Penetapan menunggu masa pengajuan sengketa di Mahkamah Konstitusi berakhir.",
        kabkotas=("Kotawaringin Timur",), types=("pilbup",), topics=("sengketa",),
    ),
    Item(
        "kaltengpos-pemilihan", "kaltengpos", "2024-03-05T06:00:00+00:00",
        "Partisipasi Pemilihan di Palangka Raya Naik",
        "Tingkat partisipasi pemilihan anggota legislatif di Palangka Raya naik dibanding lima tahun "
        "lalu. Penyelenggara menyebut sosialisasi ke pemilih muda berjalan baik.",
        types=("pileg",), topics=("partisipasi",),
    ),
    Item(
        "kaltengpos-pj", "kaltengpos", "2024-05-12T08:00:00+00:00",
        "Pj. Gubernur Kalteng Minta ASN Tidak Berpolitik Praktis",
        "Penjabat Gubernur Kalimantan Tengah meminta aparatur tidak terlibat politik praktis "
        "menjelang Pilkada. PJ juga meminta camat melaporkan pelanggaran netralitas.",
        types=("pilgub",), topics=("netralitas",),
    ),
    Item(
        "kaltengpos-cross", "kaltengpos", "2024-08-08T08:08:00+00:00",
        "Warga Sampit Diminta Melek Politik",
        "Uang saku peserta pelatihan kader desa dibagikan setelah acara. Pelatihan membahas "
        "pendidikan politik dan cara melapor pelanggaran.",
        kabkotas=("Kotawaringin Timur",), types=("pilbup",), topics=("pendidikan-politik",),
    ),
    Item(
        "kaltengpos-kalteng", "kaltengpos", "2024-09-02T02:00:00+00:00",
        "Empat Pasangan Daftar Pilgub Kalteng",
        "Empat pasangan bakal calon gubernur mendaftar ke KPU Kalteng. Seluruh berkas dinyatakan "
        "lengkap dan akan diverifikasi pekan depan.",
        types=("pilgub",), topics=("pencalonan",),
    ),
    Item(
        "kaltengpos-banjir", "kaltengpos", "2024-04-18T10:00:00+00:00",
        "Banjir Rendam Jalan Lintas Kalimantan di Katingan",
        "Banjir setinggi setengah meter merendam jalan lintas Kalimantan. Kendaraan kecil diminta "
        "menunggu hingga air surut. Belum ada laporan korban jiwa.",
        kabkotas=("Katingan",),
    ),
    Item(
        "kaltengpos-karhutla", "kaltengpos", None,
        "Satgas Karhutla Padamkan Api di Lahan Gambut",
        "Satgas kebakaran hutan dan lahan memadamkan api di lahan gambut seluas tiga hektare. "
        "Helikopter water bombing dikerahkan sejak pagi.",
    ),
    Item(
        "balangan-netral", "prokopim-balangan", "2024-02-01T01:00:00+00:00",
        "Bupati Balangan Tegaskan ASN Netral dalam Pemilu",
        "Bupati Balangan menegaskan seluruh ASN dan pegawai non-ASN wajib netral dalam Pemilu 2024. "
        "Pelanggaran netralitas akan diproses sesuai aturan kepegawaian.",
        types=("pileg", "pilpres"), topics=("netralitas",),
    ),
    Item(
        "balangan-pelantikan", "prokopim-balangan", "2024-10-01T03:00:00+00:00",
        "Pelantikan Pj. Sekda Balangan di Kafé Rakyat Paringin",
        "Bupati melantik Pj. Sekretaris Daerah dalam acara sederhana di Kafé Rakyat Paringin. "
        "Pejabat baru diminta mengawal persiapan Pilkada serentak.",
        types=("pilbup",), topics=("pemerintahan",),
    ),
    Item(
        "balangan-stunting", "prokopim-balangan", "2024-07-22T02:00:00+00:00",
        "Pemkab Balangan Percepat Penurunan Stunting",
        "Pemerintah kabupaten memperkuat posyandu dan pemberian makanan tambahan untuk menurunkan "
        "angka stunting di desa prioritas.",
    ),
    Item(
        "balangan-rapat", "prokopim-balangan", None,
        "Rapat Koordinasi Keamanan Pemilihan Bupati",
        "Forkopimda Balangan menggelar rapat koordinasi keamanan menjelang pemilihan bupati dan "
        "wakil bupati. Titik rawan di daerah perbatasan dipetakan bersama aparat.",
        types=("pilbup",), topics=("keamanan",),
    ),
    Item(
        "antara-politik-uang", "antara-kalsel", "2024-11-25T07:00:00+00:00",
        "Bawaslu Kalsel Temukan Dugaan Politik Uang di Tiga Kabupaten",
        "Bawaslu Kalimantan Selatan menemukan dugaan politik uang menjelang pemungutan suara "
        "Pilkada di Banjar, Tapin dan Balangan. Temuan sudah diteruskan ke Sentra Gakkumdu.",
        provinces=(KSL,), kabkotas=("Banjar", "Tapin", "Balangan"), types=("pilgub", "pilbup"),
        topics=("politik-uang",),
    ),
    Item(
        "antara-politik-uang-bebaca", "bebaca", "2024-11-25T09:30:00+00:00",
        "Bawaslu Kalsel Temukan Dugaan Politik Uang di Tiga Kabupaten",
        "Bawaslu Kalimantan Selatan menemukan dugaan politik uang menjelang pemungutan suara "
        "Pilkada di Banjar, Tapin dan Balangan. Temuan sudah diteruskan ke Sentra Gakkumdu.",
        provinces=(KSL,), kabkotas=("Banjar", "Tapin", "Balangan"), types=("pilgub", "pilbup"),
        topics=("politik-uang",), copy_of="antara-politik-uang",
    ),
    Item(
        "antara-politik-uang-kaltengpos", "kaltengpos", "2024-11-26T01:00:00+00:00",
        "Dugaan Politik Uang Ditemukan di Tiga Kabupaten Kalsel",
        "Bawaslu Kalimantan Selatan menemukan dugaan politik uang menjelang pemungutan suara "
        "Pilkada di Banjar, Tapin dan Balangan. Temuan sudah diteruskan ke Sentra Gakkumdu.",
        provinces=(KSL,), kabkotas=("Banjar", "Tapin", "Balangan"), types=("pilgub", "pilbup"),
        topics=("politik-uang",), copy_of="antara-politik-uang",
    ),
    Item(
        "antara-dpt-kalsel", "antara-kalsel", "2024-09-21T04:00:00+00:00",
        "KPU Kalsel Tetapkan DPT Pilgub 2024",
        "KPU Kalimantan Selatan menetapkan daftar pemilih tetap Pilgub 2024. Jumlah pemilih "
        "perempuan sedikit lebih banyak daripada pemilih laki-laki.",
        types=("pilgub",), topics=("dpt",),
    ),
    Item(
        "antara-debat-kalsel", "antara-kalsel", "2024-10-15T12:00:00+00:00",
        "Debat Publik Calon Gubernur Kalsel Bahas Tambang",
        "Debat publik perdana calon gubernur Kalsel membahas reklamasi tambang dan jalan hauling. "
        "Para calon saling menanggapi soal checks and balances di DPRD.",
        types=("pilgub",), topics=("debat",),
    ),
    Item(
        "antara-debat-kalsel-bebaca", "bebaca", "2024-10-15T13:10:00+00:00",
        "Debat Publik Calon Gubernur Kalsel Bahas Tambang",
        "Debat publik perdana calon gubernur Kalsel membahas reklamasi tambang dan jalan hauling. "
        "Para calon saling menanggapi soal checks and balances di DPRD.",
        provinces=(KSL,), kabkotas=("Banjarmasin",), types=("pilgub",), topics=("debat",),
        copy_of="antara-debat-kalsel",
    ),
    Item(
        "antara-harga", "antara-kalsel", "2024-12-02T02:00:00+00:00",
        "Harga Cabai Rawit di Banjarmasin Naik Jelang Natal",
        "Harga cabai rawit di pasar tradisional Banjarmasin naik menjadi Rp80 ribu per kilogram. "
        "Pedagang menyebut pasokan dari Jawa berkurang.",
    ),
    Item(
        "antara-hoaks", "antara-kalsel", "2024-11-10T06:00:00+00:00",
        "Hoaks Surat Suara Tercoblos Beredar, KPU Kalsel Membantah",
        "KPU Kalsel membantah kabar surat suara Pilkada sudah tercoblos. Kabar tersebut dipastikan "
        "hoaks dan dilaporkan ke kepolisian.",
        types=("pilgub",), topics=("hoaks",),
    ),
    Item(
        "kukar-kampanye", "diskominfo-kukar", "2024-10-05T01:30:00+00:00",
        "Jadwal Kampanye Pilkada Kukar Diumumkan",
        "Pemkab Kutai Kartanegara bersama KPU mengumumkan jadwal kampanye rapat umum. Pasangan calon "
        "dilarang berkampanye di kantor pemerintahan dan tempat ibadah.",
        types=("pilbup",), topics=("kampanye",),
    ),
    Item(
        "kukar-asn", "diskominfo-kukar", "2024-10-31T16:00:00+00:00",
        "Sekda Kukar: ASN Dilarang Like dan Share Konten Kampanye",
        "Sekretaris Daerah Kutai Kartanegara melarang ASN menyukai atau membagikan konten kampanye "
        "di media sosial. Sanksi disiplin menanti ASN yang melanggar netralitas.",
        types=("pilbup",), topics=("netralitas", "kampanye"),
    ),
    Item(
        "kukar-festival", "diskominfo-kukar", "2024-09-25T03:00:00+00:00",
        "Festival Erau Kembali Digelar di Tenggarong",
        "Festival Erau adat Kutai kembali diadakan dengan ritual mengulur naga. Ribuan wisatawan "
        "memadati Tenggarong selama sepekan.",
    ),
    Item(
        "kukar-jalan", "diskominfo-kukar", None,
        "Perbaikan Jalan Poros Kecamatan Dimulai",
        "Dinas Pekerjaan Umum mulai memperbaiki jalan poros antarkecamatan yang rusak berat. "
        "Pekerjaan ditargetkan selesai sebelum akhir tahun.",
    ),
    Item(
        "kaltim-logistik", "kpu-kaltim", "2024-11-22T02:00:00+00:00",
        "Logistik Pilgub Kaltim Tiba di Mahakam Ulu",
        "Logistik Pilgub Kaltim tiba di Mahakam Ulu menggunakan speedboat. Kotak suara disimpan di "
        "gudang kecamatan dan dijaga petugas.",
        kabkotas=("Mahakam Ulu",), types=("pilgub",), topics=("logistik",),
    ),
    Item(
        "kaltim-pemungutan", "kpu-kaltim", "2024-11-27T00:30:00+00:00",
        "Pemungutan Suara Pilkada Serentak di Kaltim Berjalan Lancar",
        "Pemungutan suara Pilkada Serentak 2024 di Kalimantan Timur berjalan lancar. KPU mencatat "
        "partisipasi pemilih lebih rendah daripada Pemilu Februari.",
        types=("pilgub", "pilwali", "pilbup"), topics=("pemungutan",),
    ),
    Item(
        "kaltim-dpt-ganda", "kpu-kaltim", "2024-06-30T17:05:00+00:00",
        "Ribuan Data Ganda Dicoret dari DPT Kaltim",
        "KPU Kaltim mencoret ribuan data pemilih ganda dari DPT. Pemilih yang meninggal dunia juga "
        "dihapus setelah dicek ke Disdukcapil.",
        types=("pilgub",), topics=("dpt",),
    ),
    Item(
        "kaltim-dpt-difabel", "kpu-kaltim", "2024-07-03T03:00:00+00:00",
        "DPT Kaltim Catat Ribuan Pemilih Difabel",
        "KPU Kaltim mencatat ribuan pemilih difabel dalam DPT. TPS diminta ramah kursi roda dan "
        "menyediakan template braille.",
        types=("pilgub",), topics=("dpt",),
    ),
    Item(
        "bebaca-samarinda", "bebaca", "2024-10-20T11:00:00+00:00",
        "Debat Calon Wali Kota Samarinda Memanas",
        "Debat calon wali kota Samarinda memanas saat membahas banjir dan pengelolaan sampah. "
        "Pendukung kedua pasangan sempat bersorak di luar gedung. Slogan \"now or never\" ramai dibahas "
        "warganet.",
        types=("pilwali",), topics=("debat",),
    ),
    Item(
        "bebaca-script", "bebaca", "2024-08-17T00:00:00+00:00",
        "Upacara HUT RI di Tepian Mahakam",
        "Ribuan warga mengikuti upacara HUT RI di tepian Mahakam. <script>var iklan = 1;</script> "
        "Upacara ditutup dengan lomba perahu naga.",
    ),
    Item(
        "bebaca-pemilu-caps", "bebaca", "2024-02-15T14:00:00+00:00",
        "HASIL HITUNG CEPAT PEMILU 2024 DI SAMARINDA",
        "Lembaga survei merilis hitung cepat PEMILU 2024 untuk wilayah Samarinda. Hasil resmi tetap "
        "menunggu rekapitulasi berjenjang KPU.",
        types=("pilpres", "pileg"), topics=("hitung-cepat",),
    ),
    Item(
        "pontianak-pilkada", "pontianak-post", "2024-11-28T05:00:00+00:00",
        "Hitung Cepat Pilkada Kalbar: Dua Pasangan Bersaing Ketat",
        "Hasil hitung cepat Pilkada Kalbar menunjukkan dua pasangan calon bersaing ketat. KPU "
        "meminta masyarakat menunggu hasil rekapitulasi resmi.",
        types=("pilgub",), topics=("hitung-cepat",),
    ),
    Item(
        "pontianak-kampanye", "pontianak-post", "2024-10-10T09:00:00+00:00",
        "Kampanye Dialogis Calon Gubernur di Sanggau",
        "Calon gubernur Kalbar menggelar kampanye dialogis dengan petani sawit di Sanggau. "
        "Bawaslu mengawasi agar tidak ada pembagian uang.",
        kabkotas=("Sanggau",), types=("pilgub",), topics=("kampanye",),
    ),
    Item(
        "pontianak-sport", "pontianak-post", "2024-09-13T13:00:00+00:00",
        "Atlet Dayung Kalbar Raih Emas PON",
        "Atlet dayung Kalimantan Barat meraih medali emas PON di nomor perahu naga. Gubernur "
        "menjanjikan bonus bagi peraih medali.",
    ),
    Item(
        "pontianak-logistik", "pontianak-post", "2024-02-08T04:00:00+00:00",
        "Logistik Pemilu Dikirim ke Perbatasan Entikong",
        "Logistik Pemilu 2024 dikirim ke TPS di perbatasan Entikong menggunakan truk dan perahu. "
        "Distribusi sempat tertunda karena jalan longsor.",
        kabkotas=("Sanggau",), types=("pileg", "pilpres"), topics=("logistik",),
    ),
    Item(
        "jakarta-kpu", "warta-ibukota", "2024-02-14T16:30:00+00:00",
        "KPU DKI Mulai Rekapitulasi Suara Pemilu",
        "KPU DKI Jakarta mulai merekapitulasi suara Pemilu 2024 di tingkat kecamatan pada 14/02 "
        "malam. Saksi partai diminta hadir sejak awal.",
        types=("pileg", "pilpres"), topics=("rekapitulasi",),
    ),
    Item(
        "jakarta-pilkada", "warta-ibukota", "2024-11-27T12:00:00+00:00",
        "Pilkada Jakarta: Partisipasi Pemilih Turun",
        "Partisipasi pemilih pada Pilkada Jakarta turun dibanding Pemilu Februari. Pengamat menilai "
        "kejenuhan pemilih menjadi salah satu sebab.",
        types=("pilgub",), topics=("partisipasi",),
    ),
    Item(
        "jakarta-macet", "warta-ibukota", "2024-03-11T00:00:00+00:00",
        "Kemacetan Jakarta Selatan Dikeluhkan Warga",
        "Warga Jakarta Selatan mengeluhkan kemacetan di sekitar proyek galian kabel. Pemprov "
        "berjanji mempercepat pekerjaan.",
    ),
    Item(
        "jakarta-tanggal", "warta-ibukota", "2024-02-13T09:00:00+00:00",
        "Sebaran Jadwal Libur 02/14 Versi Kalender Asing",
        "Kalender berformat bulan/tanggal menulis hari pencoblosan sebagai 02/14. Pemerintah "
        "menetapkan hari pemungutan suara sebagai libur nasional.",
        types=("pileg", "pilpres"), topics=("jadwal",),
    ),
    Item(
        "bandung-debat", "kabar-priangan", "2024-11-01T02:00:00+00:00",
        "Debat Publik Pilwalkot Bandung Soroti Sampah",
        "Debat publik calon wali kota Bandung menyoroti penanganan sampah dan kemacetan. Moderator "
        "membatasi waktu setiap calon.",
        types=("pilwali",), topics=("debat",),
    ),
    Item(
        "bandung-netralitas", "kabar-priangan", "2024-10-30T17:00:00+00:00",
        "Kenetralan Kepala Desa di Jawa Barat Dipertanyakan",
        "Bawaslu Jawa Barat menerima laporan soal kenetralan kepala desa yang ikut mengampanyekan "
        "calon tertentu. Laporan sedang dikaji.",
        types=("pilgub",), topics=("netralitas",),
    ),
    Item(
        "bandung-kuliner", "kabar-priangan", "2024-06-02T06:00:00+00:00",
        "Kafe Baru Bermunculan di Dago",
        "Sejumlah kafe baru bermunculan di kawasan Dago. Pemilik kafe menawarkan kopi lokal dari "
        "kebun sekitar Bandung.",
    ),
    Item(
        "bawaslu-sengketa", "bawaslu-kobar", "2024-12-10T03:00:00+00:00",
        "Bawaslu Tangani Sengketa Proses Pilkada Kobar",
        "Bawaslu Kotawaringin Barat menerima permohonan sengketa proses dari salah satu pasangan "
        "calon. Mediasi dijadwalkan pekan depan.",
        kabkotas=("Kotawaringin Barat",), types=("pilbup",), topics=("sengketa",),
    ),
    Item(
        "bawaslu-sengketa-kaltengpos", "kaltengpos", "2024-12-10T06:00:00+00:00",
        "Bawaslu Tangani Sengketa Proses Pilkada Kobar",
        "Bawaslu Kotawaringin Barat menerima permohonan sengketa proses dari salah satu pasangan "
        "calon. Mediasi dijadwalkan pekan depan.",
        kabkotas=("Kotawaringin Barat",), types=("pilbup",), topics=("sengketa",),
        copy_of="bawaslu-sengketa",
    ),
    Item(
        "kotim-pemilih-pemula", "kpu-kotim", "2024-08-12T02:00:00+00:00",
        "Sosialisasi Pemilihan untuk Pemilih Pemula di Sampit",
        "KPU Kotim menyasar pemilih pemula di sekolah menengah. Siswa diajak memilih dengan cerdas "
        "dan menolak politik uang.",
        kabkotas=("Kotawaringin Timur",), types=("pilbup",), topics=("sosialisasi",),
    ),
    Item(
        "kaltim-pj-walikota", "kpu-kaltim", "2024-09-09T02:00:00+00:00",
        "Pj Wali Kota Samarinda Dukung Pengamanan Pilwali",
        "Pj Wali Kota Samarinda mendukung pengamanan tahapan Pilwali. Pemkot menyiapkan gudang "
        "logistik tambahan.",
        types=("pilwali",), topics=("keamanan",),
    ),
    Item(
        "kukar-pns", "diskominfo-kukar", "2023-12-31T17:30:00+00:00",
        "Apel Awal Tahun: PNS Kukar Diminta Jaga Netralitas Pemilu",
        "Pada apel awal tahun, PNS Kutai Kartanegara diminta menjaga netralitas dalam Pemilu 2024. "
        "Pegawai yang melanggar akan diperiksa inspektorat.",
        types=("pileg", "pilpres"), topics=("netralitas",),
    ),
    Item(
        "antara-vaksin", "antara-kalsel", None,
        "Vaksinasi Polio Tahap Dua Sasar Balita",
        "Dinas Kesehatan menggelar vaksinasi polio tahap dua untuk balita di seluruh puskesmas. "
        "Orang tua diminta membawa buku KIA.",
    ),
    Item(
        "bebaca-gakkumdu", "bebaca", "2024-02-29T23:30:00+00:00",
        "Gakkumdu Kaltim Proses Laporan Politik Uang Pemilu",
        "Sentra Gakkumdu Kalimantan Timur memproses laporan dugaan politik uang dalam Pemilu. "
        "Terlapor diduga membagikan amplop kepada pemilih di Samarinda.",
        types=("pileg",), topics=("politik-uang",),
    ),
)


# Institutions come from the text (as the extractor would find them); a few
# people are attached by hand so the person facet and filter have data.
_INSTITUTIONS = ("Bawaslu", "KPU", "Sentra Gakkumdu", "Polres", "DKPP")
_PEOPLE = {
    "kobar-rakor": [{"name": "Antonius", "role": "Ketua Bawaslu Kobar"}],
    "kobar-asn": [{"name": "Antonius", "role": "Ketua Bawaslu Kobar"}, {"name": "Siti Aminah", "role": "Sekda"}],
    "kotim-dpt": [{"name": "Siti Aminah", "role": "Ketua KPU Kotim"}],
}


def _url(item: Item) -> str:
    return f"https://{SOURCES[item.source][1]}/berita/{item.key}"


def build_article(item: Item) -> Article:
    source_type, domain, province, kabkota = SOURCES[item.source]
    url = _url(item)
    provinces = list(item.provinces or (province,))
    kabkotas = list(item.kabkotas or (kabkota,))
    canonical = item.copy_of is None
    by_key = {i.key: i for i in ITEMS}
    cluster_id = article_id(_url(by_key[item.copy_of])) if item.copy_of else ""
    return Article(
        id=article_id(url),
        url=url,
        canonical_url=url,
        source_id=item.source,
        source_type=source_type,
        domain=domain,
        title=item.title,
        body=item.body,
        published_at=datetime.fromisoformat(item.when) if item.when else None,
        provinces=provinces,
        kabkotas=kabkotas,
        primary_province=provinces[0],
        primary_kabkota=kabkotas[0],
        election_related=bool(item.types),
        election_types=list(item.types),
        topics=list(item.topics),
        institutions=[i for i in _INSTITUTIONS if i in f"{item.title} {item.body}"],
        people=_PEOPLE.get(item.key, []),
        cluster_id=cluster_id,
        is_canonical=canonical,
        language="id",
        word_count=len(item.body.split()),
    )


@lru_cache(maxsize=1)
def _corpus() -> tuple[dict[str, Any], ...]:
    copies: dict[str, list[dict[str, str]]] = {}
    for item in ITEMS:
        if item.copy_of:
            copies.setdefault(item.copy_of, []).append({"source_id": item.source, "url": _url(item)})
    return tuple(build_document(build_article(i), copies.get(i.key)) for i in ITEMS)


def corpus() -> list[dict[str, Any]]:
    """Fresh copies of the fixture documents (a backend may not mutate ours)."""
    import copy

    return copy.deepcopy(list(_corpus()))


def doc_id(key: str) -> str:
    return article_id(_url({i.key: i for i in ITEMS}[key]))


@dataclass(frozen=True)
class Case:
    label: str
    query: str
    filters: Filters = Filters()


D = date
QUERY_CASES: tuple[Case, ...] = (
    # words, stems and stop words
    Case("word-pemilu-stem-milu", "pemilu"),
    Case("word-pemilihan-stem-pilih", "pemilihan"),
    Case("word-stem-only", "milu"),
    Case("word-berkampanye-kampanye", "kampanye"),
    Case("word-stopword-dan", "dan"),
    Case("word-stopword-se", "se"),
    # "ada" is a stop word, so it must not match "diadakan" through their shared stem "ada".
    Case("word-stopword-shares-a-stem", "ada"),
    Case("word-whose-stem-is-a-stopword", "diadakan"),
    Case("word-accent-kafe", "kafe"),
    Case("word-upper-case", "PEMILU Samarinda"),
    Case("word-number", "2024"),
    Case("word-lowercase-and-is-a-word", "and"),
    Case("word-lowercase-or-is-a-word", "debat or"),
    # operators
    Case("implicit-and", "bawaslu netralitas"),
    Case("explicit-and", "bawaslu AND pilkada"),
    Case("or", "kobar OR kotim"),
    Case("not", "pilkada NOT hoaks"),
    Case("minus-word", "pilkada -hoaks"),
    Case("minus-phrase", 'pemilu -"politik uang"'),
    Case("phrase", '"politik uang"'),
    Case("phrase-not-across-fields", '"politik uang" sampit'),
    Case("phrase-across-fields-only", '"melek politik uang"'),
    Case("phrase-or-word", '"debat publik" OR logistik'),
    Case("prefix", "netral*"),
    Case("prefix-short", "logis*"),
    Case("prefix-and-word", "kampanye* asn"),
    Case("parentheses", "(kobar OR kotim) AND netralitas"),
    Case("nested-not-or", 'dpt -(ganda OR "meninggal dunia")'),
    Case("or-with-not", "banjir OR NOT pilkada"),
    Case("and-with-or-not", "debat (kalsel OR NOT publik)"),
    Case("not-of-or", "NOT (pemilu OR pilkada)"),
    Case("double-not", "NOT NOT pemilu"),
    Case("pure-negation", "NOT pemilu"),
    Case("pure-minus", "-kampanye"),
    Case("match-all", ""),
    Case("match-all-punctuation-only", "-"),
    Case("hyphen-token-se-kalteng", "se-Kalteng"),
    Case("dotted-token-pj", "Pj."),
    Case("slash-token-14-02", "14/02"),
    Case("slash-token-02-14", "02/14"),
    Case("kalteng-without-se", "kalteng -se-kalteng"),
    # filters
    Case("filter-source", "", Filters(sources=("bawaslu-kobar",))),
    Case("filter-topic", "", Filters(topics=("netralitas",))),
    Case("filter-two-topics-and-word", "pemilu", Filters(topics=("dpt", "logistik"))),
    Case("filter-institution", "", Filters(institutions=("Sentra Gakkumdu",))),
    Case("filter-institution-and-province", "", Filters(institutions=("KPU",), provinces=("Kalimantan Tengah",))),
    Case("filter-person", "", Filters(people=("Siti Aminah",))),
    Case("filter-person-include-copies", "", Filters(people=("Antonius",), include_copies=True)),
    Case("filter-source-names-copy", "politik uang", Filters(sources=("bebaca",))),
    Case("filter-two-sources", "pilkada", Filters(sources=("kpu-kotim", "antara-kalsel"))),
    Case("filter-source-types", "", Filters(source_types=("government", "election_body"))),
    Case("filter-province", "", Filters(provinces=("Kalimantan Tengah",))),
    Case("filter-provinces-any", "pilkada", Filters(provinces=("Kalimantan Selatan", "Kalimantan Timur"))),
    Case("filter-kabkota", "", Filters(kabkotas=("Kotawaringin Barat",))),
    Case("filter-kabkota-list-any", "politik uang", Filters(kabkotas=("Balangan", "Tapin"))),
    Case("filter-election-types", "", Filters(election_types=("pilwali",))),
    Case("filter-election-types-any", "debat", Filters(election_types=("pilbup", "pilwali"))),
    Case("filter-date-from-month-boundary", "", Filters(date_from=D(2024, 11, 1))),
    Case("filter-date-to-month-boundary", "", Filters(date_to=D(2024, 10, 31))),
    Case("filter-date-one-day-end-of-month", "", Filters(date_from=D(2024, 11, 30), date_to=D(2024, 11, 30))),
    Case("filter-date-first-of-month", "", Filters(date_from=D(2024, 12, 1), date_to=D(2024, 12, 1))),
    Case("filter-date-new-year", "netralitas", Filters(date_from=D(2024, 1, 1), date_to=D(2024, 1, 31))),
    Case("filter-date-pure-negation", "NOT pilkada", Filters(date_to=D(2024, 6, 30))),
    Case("filter-include-copies", "politik uang", Filters(include_copies=True)),
    Case("filter-include-copies-all", "", Filters(include_copies=True)),
    Case("filter-combined", "pilkada OR pemilu", Filters(
        source_types=("news", "election_body"), provinces=(KTG, KSL, KTM),
        election_types=("pilgub", "pilbup"), date_from=D(2024, 9, 1), date_to=D(2024, 11, 30),
    )),
    Case("filter-matches-nothing", "pilkada", Filters(sources=("tidak-ada",))),
)


def request_for(case: Case, sort: str = "date", size: int = 100, **kw: Any) -> SearchRequest:
    return SearchRequest(query=parse(case.query), filters=case.filters, sort=sort, size=size, **kw)  # type: ignore[arg-type]


def walk(backend: SearchBackend, request: SearchRequest) -> tuple[list[str], list[SearchPage]]:
    """Every hit id of a request by following next_cursor; the pages too."""
    ids: list[str] = []
    pages: list[SearchPage] = []
    current = request
    while True:
        page = backend.search(current)
        pages.append(page)
        ids.extend(h.id for h in page.hits)
        if page.next_cursor is None:
            return ids, pages
        assert len(pages) < 20_000, "cursor paging does not terminate"
        current = SearchRequest(
            query=request.query, filters=request.filters, sort=request.sort, size=request.size,
            cursor=page.next_cursor, facets=False, snippets=request.snippets,
        )


def assert_same_as_reference(backend: SearchBackend, docs: list[dict[str, Any]], case: Case) -> None:
    expected = evaluate(docs, parse(case.query), case.filters)
    page = backend.search(request_for(case, sort="date"))
    got = [h.id for h in page.hits]
    names = {d["id"]: f"{d['source_id']}:{d['title'][:40]}" for d in docs}
    assert page.total == expected.total, (
        f"total {page.total} != {expected.total}; extra={[names[i] for i in set(got) - set(expected.ids)]} "
        f"missing={[names[i] for i in set(expected.ids) - set(got)]}"
    )
    assert got == expected.ids, "date order (date_sort desc, id asc) differs from the reference"
    assert page.facets == expected.facets
    assert page.next_cursor is None

    relevance = backend.search(request_for(case, sort="relevance"))
    rel_ids = [h.id for h in relevance.hits]
    assert relevance.total == expected.total
    assert sorted(rel_ids) == sorted(expected.ids)
    assert relevance.facets == expected.facets
    keys = [(-h.score, h.id) for h in relevance.hits]
    assert keys == sorted(keys), "relevance order is not score desc, id asc"
    again = backend.search(request_for(case, sort="relevance"))
    assert [h.id for h in again.hits] == rel_ids, "relevance order is not stable"


def stored_fields(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: doc[k] for k in STORED_FIELDS}
