"""Files from the offices as Excel on their computers makes them: read the same way by
`kriya users import`, `kriya programs import` and the console's upload; a dry run that
changes nothing."""

from __future__ import annotations

import io
import re
import sys
from datetime import UTC, date, datetime
from typing import Any

import pytest
from openpyxl import Workbook
from sqlmodel import Session, select

from bot.cli import main
from bot.wiring import config
from conversations import user_files
from conversations.cells import date_of, moment_of, phone_text
from conversations.i18n import translator
from conversations.problems import Problem, ProgramFileError
from conversations.program_files import check_rows, rows_of
from conversations.table_files import read_table
from storage.models import OutboxMessage, Program, User

INDONESIAN = translator("id", "Asia/Jakarta")
PEOPLE_HEADER = ["Nama Lengkap", "Nama Usaha", "Provinsi", "Kota/Kabupaten", "No. HP",
                 "Jenis Kerajinan", "Tanggal Persetujuan"]
PROGRAM_HEADER = ["Kode", "Jenis", "Judul", "Penyelenggara", "Tempat", "Provinsi", "Mulai",
                  "Selesai", "Batas Pendaftaran", "Kuota", "Moda"]


def text_file(rows: list[list[str]], delimiter: str = ";", encoding: str = "utf-8",
              title: bool = False) -> bytes:
    """A table saved as text, as Excel saves one: a title line above it if asked."""
    lines = ([delimiter.join(["DAFTAR PESERTA DISPERINDAG NTB 2026"] + [""] * 3), ""]
             if title else [])
    lines += [delimiter.join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def workbook(*sheets: tuple[str, list[list[Any]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def people(data: bytes, suffix: str = ".csv", **options: Any) -> list[user_files.Person]:
    return user_files.check(read_table(data, suffix, "peserta" + suffix, user_files.COLUMNS,
                                       **options))


def refusal(read: Any) -> ProgramFileError:
    with pytest.raises(ProgramFileError) as raised:
        read()
    return raised.value


def person(phone: str = "0812 3456 7890", consent: str = "", name: str = "Siti Aminah"
           ) -> list[str]:
    return [name, "Tenun Sasak", "NTB", "Mataram", phone, "tenun", consent]


def test_semicolons_indonesian_headers_and_utf16_are_read():
    data = text_file([PEOPLE_HEADER, person(consent="1 Agustus 2026")], "\t", "utf-16")
    assert data.startswith(b"\xff\xfe")  # Excel's "Unicode text"
    found = people(data, ".txt")
    assert [(p.name, p.province, p.phone, p.categories, p.consent) for p in found] == [
        ("Siti Aminah", "Nusa Tenggara Barat", "+6281234567890", ["tenun"], date(2026, 8, 1))]
    semicolons = text_file([PEOPLE_HEADER, person()], ";", "utf-16")
    assert people(semicolons)[0].phone == "+6281234567890"
    english = "name,business,province,city,phone,categories,consent date\n" \
              "Made,Ukir Bali,Bali,Gianyar,0812 9999 0000,kayu,2026-10-01\n"
    assert people(english.encode("utf-8-sig"))[0].consent == date(2026, 10, 1)


@pytest.mark.parametrize("header", ["NAMA,Usaha,provinsi,Kota / Kabupaten,No HP/WA,Kerajinan",
                                    "Nama Peserta,Nama IKM,Provinsi,Kabupaten,WhatsApp,Kategori",
                                    "Full Name,Business Name,Province,City,Phone,Crafts"])
def test_header_variants_in_both_languages(header):
    data = f"{header}\nSiti,Tenun Sasak,NTB,Mataram,0812 3456 7890,tenun\n".encode()
    found = people(data)[0]
    assert (found.name, found.business, found.city) == ("Siti", "Tenun Sasak", "Mataram")


def test_windows_1252_and_a_title_line_above_the_headers():
    data = text_file([PEOPLE_HEADER, person(name="Renée Café")], ";", "cp1252", title=True)
    found = people(data)
    assert found[0].name == "Renée Café" and found[0].row == 4  # title, blank, header
    bad = text_file([PEOPLE_HEADER, person(), person("12", name="Budi")], ";", "cp1252",
                    title=True)
    error = refusal(lambda: people(bad))
    assert [(e.row, e.column) for e in error.errors] == [(5, "No. HP")]
    assert str(error).startswith("row 5, column No. HP: phone 12")


@pytest.mark.parametrize("typed", ["81234567890", "'0812 3456 7890", "0812.3456.7890 (WA)",
                                   "6281234567890.0", "+62 812-3456-7890", 81234567890,
                                   6281234567890.0])
def test_phones_that_excel_mangled_are_read_right(typed):
    data = workbook(("Peserta", [PEOPLE_HEADER, person(typed)]))
    assert people(data, ".xlsx")[0].phone == "+6281234567890"
    if isinstance(typed, str):
        assert people(text_file([PEOPLE_HEADER, person(typed)]))[0].phone == "+6281234567890"


def test_a_phone_in_scientific_notation_lost_digits_and_is_refused():
    data = text_file([PEOPLE_HEADER, person(), person("8.12346E+11", name="Budi"),
                      person("0812 1111 2222", consent="31/2/2026", name="Ani")])
    error = refusal(lambda: people(data))
    assert [(e.row, e.column) for e in error.errors] == [(3, "No. HP"),
                                                         (4, "Tanggal Persetujuan")]
    assert "rounded number" in str(error) and "31/2/2026" in str(error)
    assert "dibulatkan" in error.errors[0].text(INDONESIAN._)


@pytest.mark.parametrize("typed", ["1/11/2026", "01-11-2026", "2026-11-01", "1 November 2026",
                                   "1 Nov 2026", "1 nopember 2026", datetime(2026, 11, 1)])
def test_dates_as_offices_write_them(typed):
    assert date_of(typed) == date(2026, 11, 1)


@pytest.mark.parametrize(("typed", "month"), [("1 Agustus 2026", 8), ("1 Agu 2026", 8),
                                              ("1 Mei 2026", 5), ("1 Okt 2026", 10),
                                              ("1 Des 2026", 12)])
def test_indonesian_month_names(typed, month):
    assert date_of(typed) == date(2026, month, 1)


def test_times_with_a_dot_or_a_colon_and_a_zone_label():
    assert moment_of("1/11/2026 09.00") == moment_of("1/11/2026 9:00") == datetime(
        2026, 11, 1, 9, 0)
    assert moment_of("1 Nov 2026 9.00 WITA").utcoffset().total_seconds() == 8 * 3600
    assert moment_of("2026-11-01", end_of_day=True) == datetime(2026, 11, 1, 23, 59)
    with pytest.raises(Problem):
        phone_text("8,12346E+11")


def test_empty_rows_and_rows_of_spaces_are_skipped_and_xlsx_cells_keep_their_kind():
    data = workbook(("Petunjuk", [["Isi lembar Peserta"], ["Satu orang sebaris"]]),
                    ("Peserta", [["Daftar peserta"], PEOPLE_HEADER,
                                 person(81234567890) + [], ["  ", None, " "],
                                 person("0812 9999 0000", name="Made")[:6]
                                 + [datetime(2026, 10, 1)], [None] * 7]))
    found = people(data, ".xlsx")
    assert [(p.row, p.phone, p.consent) for p in found] == [
        (3, "+6281234567890", None), (5, "+6281299990000", date(2026, 10, 1))]
    assert people(data, ".xlsx", sheet="Peserta")[1].name == "Made"
    missing = refusal(lambda: people(data, ".xlsx", sheet="Lain"))
    assert "no sheet Lain" in str(missing) and "Petunjuk, Peserta" in str(missing)


def test_an_unknown_column_is_named_with_the_nearest_known_unless_ignored():
    header = "name,province,phone,consent_date,catatan\n"
    data = (header + "Ani,Jatim,0812 1111 3333,2026-11-01,teman Siti\n").encode()
    error = refusal(lambda: people(data))
    assert "`consent_date`" in str(error) and "`consent`" in str(error)
    one = refusal(lambda: people(b"nama,provinsi,no hp,consent_date\n"))
    assert one.text(INDONESIAN._) == ("peserta.csv: kolom `consent_date` tidak dikenal; "
                                      "mungkin maksud Anda `consent`?")
    table = read_table(data, ".csv", "p.csv", user_files.COLUMNS, ignore_unknown=True)
    assert table.ignored == ["consent_date", "catatan"]
    assert user_files.check(table)[0].consent is None


def test_files_that_cannot_be_read_say_what_they_are_and_what_would_work():
    for name, data, said in (("peserta.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 60, ".xls"),
                             ("peserta.xlsx", b"PK\x03\x04 broken", "not a valid XLSX"),
                             ("peserta.csv", b"nama;hp\n\x81\x8d\x8f\n", "not text"),
                             ("peserta.pdf", b"%PDF", ".xlsx")):
        error = refusal(lambda data=data, name=name: read_table(
            data, name[name.rindex("."):], name, user_files.COLUMNS))
        assert said in str(error) and "\n" not in str(error), name
        assert "simpan sebagai CSV UTF-8 atau XLSX" in error.text(INDONESIAN._)


def program_row(program_id: str, **changes: str) -> list[str]:
    values = {"Kode": program_id, "Jenis": "pameran", "Judul": "Pameran Café Kriya",
              "Penyelenggara": "Disperindag NTB", "Tempat": "Taman Budaya Mataram",
              "Provinsi": "NTB", "Mulai": "1/11/2027 09.00", "Selesai": "3 Nov 2027 17:00",
              "Batas Pendaftaran": "20 Okt 2027", "Kuota": "40", "Moda": "luring"} | changes
    return [values[name] for name in PROGRAM_HEADER]


def test_a_program_file_in_indonesian_with_excel_dates():
    data = text_file([PROGRAM_HEADER, program_row("pameran-ntb"),
                      program_row("expo", Mulai="2027-03-01 9.00", Selesai="01-03-2027",
                                  Moda="daring",
                                  **{"Batas Pendaftaran": "20 Feb 2027"})],
                     ";", "cp1252", title=True)
    table = rows_of(data, ".csv", "program.csv")
    found = check_rows(table.rows, headers=table.headers)
    assert found[0]["title"] == "Pameran Café Kriya"
    assert [program["mode"] for program in found] == ["offline", "online"]
    assert found[0]["starts_at"] == datetime(2027, 11, 1, 1, 0, tzinfo=UTC)  # 09.00 WITA
    assert found[0]["registration_deadline"] == datetime(2027, 10, 20, 15, 59, tzinfo=UTC)
    bad = text_file([PROGRAM_HEADER, program_row("a"), program_row("b", Mulai="besok")],
                    ";", title=True)
    table = rows_of(bad, ".csv", "program.csv")
    error = refusal(lambda: check_rows(table.rows, headers=table.headers))
    assert [(e.row, e.column) for e in error.errors] == [(5, "Mulai")]


def kriya(monkeypatch, capsys, url: str, *args: str, locale: str = "en_US.UTF-8"
          ) -> tuple[int, str, str]:
    """The command line, in this process, on a computer set to `locale`: exit status,
    stdout, stderr."""
    monkeypatch.setenv("KRIYA_DATABASE_URL", url)
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", locale)
    monkeypatch.setattr(sys, "argv", ["kriya", *args])
    config.cache_clear()
    try:
        main()
        status = 0
    except SystemExit as exit:
        status = exit.code if isinstance(exit.code, int) else 1
    finally:
        config.cache_clear()
    said = capsys.readouterr()
    return status, said.out, said.err


def everyone(database: Any) -> list[tuple[str | None, str | None]]:
    with Session(database) as session:
        return sorted((u.phone, u.name) for u in session.exec(select(User)))


def test_users_import_dry_run_changes_nothing_then_imports(database, database_url, tmp_path,
                                                           monkeypatch, capsys):
    with Session(database) as session:
        session.add(User(channel="whatsapp", address="+6281311112222", phone="+6281311112222",
                         role="artisan", name="Siti Aminah", province="Nusa Tenggara Barat"))
        session.commit()
    path = tmp_path / "peserta.csv"
    path.write_bytes(text_file([PEOPLE_HEADER + ["Catatan"], person("81311112222") + ["-"],
                                person("0812 7777 8888", name="Rina") + ["-"]],
                               ";", "utf-16", title=True))
    before = everyone(database)
    status, _, err = kriya(monkeypatch, capsys, database_url, "users", "import", str(path))
    assert status == 2 and err.count("\n") == 1 and "`Catatan`" in err
    old = tmp_path / "peserta.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 60)
    status, _, err = kriya(monkeypatch, capsys, database_url, "users", "import", str(old))
    assert status == 2 and err.count("\n") == 1 and "save it as CSV UTF-8 or XLSX" in err
    status, out, _ = kriya(monkeypatch, capsys, database_url, "users", "import", str(path),
                           "--dry-run", "--ignore-unknown")
    assert status == 0 and "1 would be added, 1 would be merged" in out
    assert "2 would be invited" in out and "ignored columns: Catatan" in out
    assert everyone(database) == before
    with Session(database) as session:
        assert session.exec(select(OutboxMessage)).all() == []
    status, out, _ = kriya(monkeypatch, capsys, database_url, "users", "import", str(path),
                           "--ignore-unknown")
    assert status == 0 and "1 added, 1 merged" in out
    assert ("+6281277778888", "Rina") in everyone(database)


def test_programs_import_dry_run_says_what_would_change(database, database_url, tmp_path,
                                                        monkeypatch, capsys):
    path = tmp_path / "program.xlsx"
    path.write_bytes(workbook(("Catatan", [["Kalender program 2027"]]),
                              ("Program", [["Kalender"], PROGRAM_HEADER,
                                           program_row("pameran-ntb")])))
    args = ("programs", "import", str(path), "--sheet", "Program")
    status, out, _ = kriya(monkeypatch, capsys, database_url, *args, "--dry-run")
    assert status == 0 and "row 3: add pameran-ntb" in out and "nothing imported" in out
    with Session(database) as session:
        assert session.exec(select(Program)).all() == []
    assert kriya(monkeypatch, capsys, database_url, *args)[0] == 0
    path.write_bytes(workbook(("Program", [PROGRAM_HEADER, program_row("pameran-ntb", Kuota="60"),
                                           program_row("b", Mulai="besok")])))
    status, out, err = kriya(monkeypatch, capsys, database_url, *args, "--dry-run")
    assert status == 2 and "refused: row 3, column Mulai" in out
    assert "nothing would be imported" in err and err.count("\n") == 1
    path.write_bytes(workbook(("Program", [PROGRAM_HEADER,
                                           program_row("pameran-ntb", Kuota="60")])))
    status, out, _ = kriya(monkeypatch, capsys, database_url, *args, "--dry-run")
    assert "row 2: update pameran-ntb: quota" in out and "0 would be added, 1 updated" in out
    with Session(database) as session:
        assert session.get(Program, "pameran-ntb").quota == 40


def test_the_console_shows_what_a_file_would_do_and_imports_it_when_confirmed(
        database_url, tmp_path):
    from tests.console_helpers import csrf_of, log_in, make_staff, served, text_of

    with served(database_url, tmp_path) as console:
        log_in(console, console.database, make_staff(console.database, "901", "admin",
                                                     "disperindag-ntb", ("NTB",)))
        csrf = csrf_of(console.get("/console/program/unggah").text)

        def post(data: bytes, name: str = "program.txt", **fields: str) -> Any:
            return console.post("/console/program/unggah", data={"csrf": csrf, **fields},
                                files={"berkas": (name, data, "text/plain")})

        office_file = text_file([PROGRAM_HEADER + ["Catatan"], program_row("pameran-ntb")
                                 + ["-"]], "\t", "utf-16", title=True)
        unknown = post(office_file)
        assert unknown.status_code == 400 and "`Catatan` tidak dikenal" in text_of(unknown.text)
        preview = post(office_file, abaikan="1")
        seen = text_of(preview.text)
        assert preview.status_code == 200 and "Periksa sebelum mengimpor" in seen
        assert "Pameran Café Kriya pameran-ntb ditambahkan" in seen and "Catatan" in seen
        assert get(console.database, "pameran-ntb") is None  # nothing yet
        token = preview.text.split('name="token" value="')[1].split('"')[0]
        done = console.post("/console/program/unggah", data={"csrf": csrf, "token": token})
        assert done.status_code == 303 and get(console.database, "pameran-ntb").quota == 40
        again = console.post("/console/program/unggah", data={"csrf": csrf, "token": token})
        assert again.status_code == 410  # a token imports once
        forged = console.post("/console/program/unggah", data={"token": token})
        assert forged.status_code == 403
        changed = post(workbook(("Program", [PROGRAM_HEADER,
                                             program_row("pameran-ntb", Kuota="60")])),
                       "program.xlsx")
        assert "diubah: quota" in text_of(changed.text)
        refused = post(text_file([PROGRAM_HEADER, program_row("a"),
                                  program_row("b", Mulai="besok")], ";", "cp1252", title=True),
                       "program.csv")
        cells = [text_of(cell).strip()
                 for cell in re.findall(r"<td[^>]*>(.*?)</td>", refused.text)]
        assert refused.status_code == 400 and cells[:2] == ["5", "Mulai"]
        assert get(console.database, "pameran-ntb").quota == 40


def get(database: Any, program_id: str) -> Program | None:
    with Session(database) as session:
        found = session.get(Program, program_id)
        if found is not None:
            session.expunge(found)
        return found


def test_an_indonesian_computer_is_told_in_indonesian_and_lang_chooses(
        database, database_url, tmp_path, monkeypatch, capsys):
    path = tmp_path / "peserta.csv"
    path.write_bytes(text_file([PEOPLE_HEADER + ["consent_date"], person("81311112222")
                                + ["2026-11-01"]], ";", "utf-8"))
    for locale in ("id_ID.UTF-8", "C.UTF-8"):  # an unknown language: Bahasa Indonesia first
        status, _, err = kriya(monkeypatch, capsys, database_url, "users", "import",
                               str(path), locale=locale)
        assert status == 2 and err.count("\n") == 1
        assert "tidak ada yang diimpor" in err
        assert "kolom `consent_date` tidak dikenal; mungkin maksud Anda `consent`?" in err
    status, _, err = kriya(monkeypatch, capsys, database_url, "users", "import", str(path),
                           "--lang", "en", locale="id_ID.UTF-8")
    assert status == 2 and "nothing imported" in err and "column `consent_date`" in err
    status, out, _ = kriya(monkeypatch, capsys, database_url, "users", "import", str(path),
                           "--ignore-unknown", "--dry-run", locale="id_ID.UTF-8")
    assert status == 0 and "1 akan ditambahkan" in out
    assert "kolom yang diabaikan: consent_date" in out
    assert everyone(database) == []
