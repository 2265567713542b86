"""Demo programs drawn from the news articles Kriya grew from, dated relative to today."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from conversations.program_files import check_rows


def _at(today: date, days: int, clock: str, offset: str) -> str:
    return f"{(today + timedelta(days=days)).isoformat()}T{clock}{offset}"


# Long: the demo programs as data, one mapping each, as an office would write them.
def demo_rows(today: date) -> list[dict[str, Any]]:
    wib, wita = "+07:00", "+08:00"

    def at(days: int, clock: str = "09:00", offset: str = wib) -> str:
        return _at(today, days, clock, offset)

    return [
        {
            "id": "seminar-desain-nusantara", "kind": "seminar",
            "title": "Seminar Menuju Desain Nusantara yang Berkualitas",
            "organiser": "Dinas Perdagangan Sumsel & Kemendag DJPEN",
            "venue": "Hotel Aston, Palembang", "province": "Sumatera Selatan",
            "categories": "karet,tenun,fesyen",
            "starts_at": at(30), "ends_at": at(30, "16:00"),
            "registration_deadline": at(23, "23:59"), "quota": "100",
            "description": "Seminar tahunan Kemendag untuk meningkatkan daya saing produk "
                           "kerajinan, termasuk kerajinan berbahan karet.",
        },
        {
            "id": "seleksi-desain-nusantara", "kind": "seleksi",
            "title": "Seleksi Pelaku Usaha Desain Nusantara",
            "organiser": "Dinas Perdagangan Sumsel & Kemendag DJPEN",
            "venue": "Hotel Aston, Palembang", "province": "Sumatera Selatan",
            "categories": "karet,tenun,fesyen",
            "starts_at": at(31), "ends_at": at(31, "15:00"),
            "registration_deadline": at(23, "23:59"), "quota": "30",
            "description": "Seleksi peserta pembinaan desain: dari bakal usaha sampai produk "
                           "jadi, lalu pameran.",
        },
        {
            "id": "pelatihan-fesyen-idi", "kind": "pelatihan",
            "title": "Pelatihan Desain Fesyen bersama Ikatan Desainer Indonesia",
            "organiser": "Dinas Perdagangan Sumsel", "venue": "Palembang",
            "province": "Sumatera Selatan", "categories": "fesyen,tenun",
            "starts_at": at(45), "ends_at": at(49, "16:00"),
            "registration_deadline": at(35, "23:59"), "quota": "25",
            "description": "Memotong bahan, menjahit, sampai membuat busana jadi, lalu "
                           "peragaan busana.",
        },
        {
            "id": "pendampingan-dds", "kind": "pendampingan",
            "title": "Designer Dispatch Service (DDS)", "organiser": "Kemendag DJPEN",
            "venue": "Daring dan kunjungan ke tempat usaha", "province": "nasional",
            "mode": "hybrid",
            "starts_at": at(60), "ends_at": at(425, "17:00"),
            "registration_deadline": at(40, "23:59"), "quota": "20",
            "description": "Desainer mendampingi usaha Anda sekitar satu tahun sampai produk "
                           "punya pasar; uji pasar di Trade Expo Indonesia.",
        },
        {
            "id": "pelatihan-kemasan", "kind": "pelatihan",
            "title": "Pelatihan Standar Kemasan Produk Kerajinan",
            "organiser": "Disperindag Tangsel & Balai Besar Kimia dan Kemasan (Kemenperin)",
            "venue": "Resto Kampung Anggrek, Serpong", "province": "Banten",
            "starts_at": at(14), "ends_at": at(14, "15:00"),
            "registration_deadline": at(10, "23:59"), "quota": "40",
            "description": "Standar kemasan agar produk bersaing di pasar domestik dan ekspor.",
        },
        {
            "id": "pelatihan-hki", "kind": "pelatihan",
            "title": "Pelatihan Paten dan HKI untuk IKM Kerajinan",
            "organiser": "Kemenperin", "venue": "Daring (Zoom)", "province": "nasional",
            "mode": "online",
            "starts_at": at(21, "13:00"), "ends_at": at(21, "16:00"),
            "registration_deadline": at(19, "23:59"), "quota": "200",
            "description": "Mendaftarkan merek, desain industri dan paten produk Anda.",
        },
        {
            "id": "pelatihan-pewarna-alam", "kind": "pelatihan",
            "title": "Pelatihan Pewarna Alam untuk Tenun",
            "organiser": "Disperindag NTB", "venue": "BP3ED, Mataram",
            "province": "Nusa Tenggara Barat", "categories": "tenun",
            "starts_at": at(25, "08:00", wita), "ends_at": at(27, "15:00", wita),
            "registration_deadline": at(18, "23:59", wita), "quota": "30",
            "description": "Pewarna alam untuk kain tenun, dari bahan sampai fiksasi warna.",
        },
        {
            "id": "kurasi-dekranasda-dki", "kind": "kurasi",
            "title": "Kurasi Produk Dekranasda DKI Jakarta",
            "organiser": "Dekranasda DKI Jakarta", "venue": "Balaikota Jakarta",
            "province": "DKI Jakarta",
            "starts_at": at(20), "ends_at": at(34, "16:00"),
            "registration_deadline": at(15, "23:59"),
            "description": "Program kewirausahaan terpadu: pelatihan, pembinaan, kurasi produk "
                           "dan fasilitas pameran.",
        },
        {
            "id": "jakcraft", "kind": "pameran", "title": "JakCraft",
            "organiser": "Dekranasda DKI Jakarta", "venue": "Gedung G Balaikota Jakarta",
            "province": "DKI Jakarta", "starts_at": at(70, "10:00"),
            "ends_at": at(73, "20:00"), "registration_deadline": at(50, "23:59"),
            "quota": "60", "funding_routes": "apbn:10,mandiri",
            "description": "Pameran kerajinan DKI Jakarta untuk pasar domestik dan ekspor.",
        },
        {
            "id": "jakarta-expo-kemayoran-ntb", "kind": "pameran",
            "title": "Pameran Kerajinan di Jakarta Expo Kemayoran (kontingen NTB)",
            "organiser": "Disperindag NTB", "venue": "Jakarta Expo Kemayoran",
            "province": "Nusa Tenggara Barat", "categories": "batok-kelapa,tenun,anyaman",
            "starts_at": at(40, "10:00"), "ends_at": at(43, "21:00"),
            "timezone": "Asia/Jakarta", "registration_deadline": at(20, "23:59"),
            "quota": "7", "funding_routes": "apbn:2,partner,mandiri",
            "description": "Disperindag NTB mengirim tujuh IKM kerajinan. Dua dibiayai APBN, "
                           "sebagian oleh mitra (misalnya PT Astra), sisanya mandiri.",
        },
        {
            "id": "trade-expo-indonesia", "kind": "pameran", "title": "Trade Expo Indonesia",
            "organiser": "Kemendag DJPEN", "venue": "Jakarta", "province": "nasional",
            "starts_at": at(90, "10:00"), "ends_at": at(94, "18:00"),
            "registration_deadline": at(60, "23:59"), "quota": "150",
            "funding_routes": "apbn:40,partner,mandiri",
            "description": "Pameran dagang terbesar Indonesia, dengan pembeli dalam dan luar "
                           "negeri.",
        },
        {
            "id": "expo-kerajinan-yogyakarta", "kind": "pameran",
            "title": "Expo Kerajinan Yogyakarta", "organiser": "Disperindag DIY",
            "venue": "Jogja Expo Center", "province": "DI Yogyakarta",
            "starts_at": at(55, "10:00"), "ends_at": at(58, "21:00"),
            "registration_deadline": at(35, "23:59"), "quota": "40",
            "funding_routes": "mandiri",
            "description": "Pameran kerajinan dan produk kreatif di Yogyakarta.",
        },
        {
            "id": "e-smart-ikm", "kind": "e-commerce", "title": "e-Smart IKM",
            "organiser": "Kemenperin & Disperindag Tangsel", "venue": "Daring",
            "province": "Banten", "mode": "online", "starts_at": at(10), "ends_at": at(12, "16:00"),
            "registration_deadline": at(7, "23:59"), "quota": "50",
            "description": "Membawa produk IKM ke lokapasar (e-commerce).",
        },
        {
            "id": "pengembangan-produk-lapas", "kind": "lapas",
            "title": "Pengembangan Produk Warga Binaan Lapas",
            "organiser": "Kemendag DJPEN & Ditjen PAS", "venue": "Lapas peserta",
            "province": "nasional", "audience": "lapas",
            "starts_at": at(30), "ends_at": at(120, "16:00"),
            "registration_deadline": at(21, "23:59"),
            "description": "Bantuan desain dan kemasan, promosi, dan informasi pasar ekspor "
                           "untuk produk warga binaan; produk terpilih tampil di Trade Expo "
                           "Indonesia.",
        },
    ]


def demo_programs(today: date) -> list[dict[str, Any]]:
    return check_rows(list(enumerate(demo_rows(today), 1)))
