"""The `kriya` command as operators and scripts use it: real processes, real files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import head_revision, make_engine

ROOT = Path(__file__).resolve().parent.parent


def kriya(url: str, *args: str, stdin: str | None = None, cwd: Path | None = None,
          env: dict[str, str] | None = None):
    # What a command reports of a file is in the computer's language; these tests read English.
    env = {**os.environ, "KRIYA_DATABASE_URL": url, "PYTHONPATH": str(ROOT), "LANGUAGE": "en",
           **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
        env=env, cwd=cwd, timeout=60,
    )


def no_traceback(result) -> None:
    assert "Traceback" not in result.stderr + result.stdout


def test_db_upgrade_creates_and_then_reports_up_to_date(tmp_path):
    url = f"sqlite:///{tmp_path}/fresh.db"
    first = kriya(url, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert head_revision() in first.stdout
    again = kriya(url, "db", "upgrade")
    assert "up to date" in again.stdout


def test_an_outdated_database_is_refused_naming_the_command(tmp_path):
    url = f"sqlite:///{tmp_path}/old.db"
    with make_engine(url).begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('0000')"))
    result = kriya(url, "programs", "list")
    assert result.returncode == 1
    assert "kriya db upgrade" in result.stderr
    no_traceback(result)


def test_demo_data_adds_every_program_of_the_domain(database_url):
    result = kriya(database_url, "demo-data")
    assert result.returncode == 0, result.stderr
    listed = kriya(database_url, "programs", "list").stdout.splitlines()
    kinds = {line.split("\t")[1] for line in listed}
    assert kinds == {"seminar", "seleksi", "pelatihan", "pendampingan", "kurasi", "pameran",
                     "e-commerce", "lapas"}
    text_ = "\n".join(listed)
    for expected in ("Trade Expo Indonesia", "JakCraft", "Kemayoran", "e-Smart IKM",
                     "Designer Dispatch Service", "Kemasan", "HKI", "Dekranasda"):
        assert expected in text_
    # running it again updates, it does not duplicate
    kriya(database_url, "demo-data")
    assert len(kriya(database_url, "programs", "list").stdout.splitlines()) == len(listed)


CSV = """id,kind,title,organiser,province,categories,starts_at,ends_at,registration_deadline,quota,funding_routes
tei-2027,pameran,Trade Expo Indonesia 2027,Kemendag DJPEN,nasional,"tenun,batik",2027-10-20T10:00+07:00,2027-10-24T18:00+07:00,2027-09-01T23:59+07:00,150,"apbn:40,mandiri"
tenun-ntb,pelatihan,Pewarna Alam Tenun,Disperindag NTB,ntb,tenun,2027-05-03T08:00,2027-05-05T15:00,,30,
"""


def test_programs_import_csv_and_list_in_the_venue_zone(tmp_path):
    url = f"sqlite:///{tmp_path}/k.db"
    path = tmp_path / "programs.csv"
    path.write_text(CSV, encoding="utf-8")
    result = kriya(url, "programs", "import", str(path))
    assert result.returncode == 0, result.stderr
    assert "2 programs" in result.stdout
    lines = kriya(url, "programs", "list").stdout.splitlines()
    by_id = {line.split("\t")[0]: line for line in lines}
    assert "2027-10-20 10:00 WIB" in by_id["tei-2027"]
    # no offset: read in the province's zone (NTB is WITA)
    assert "2027-05-03 08:00 WITA" in by_id["tenun-ntb"]


def test_programs_import_yaml_updates_by_id(tmp_path):
    url = f"sqlite:///{tmp_path}/k.db"
    path = tmp_path / "programs.yaml"
    path.write_text(
        "- id: jakcraft\n  kind: pameran\n  title: JakCraft\n  province: DKI Jakarta\n"
        "  starts_at: 2027-11-25T10:00:00+07:00\n  categories: [batik, kayu]\n", "utf-8")
    assert kriya(url, "programs", "import", str(path)).returncode == 0
    path.write_text(path.read_text("utf-8").replace("title: JakCraft", "title: JakCraft 2027"),
                    "utf-8")
    assert kriya(url, "programs", "import", str(path)).returncode == 0
    lines = kriya(url, "programs", "list").stdout.splitlines()
    assert len(lines) == 1 and lines[0].endswith("JakCraft 2027")


def test_a_bad_row_is_reported_by_number_and_nothing_is_imported(tmp_path):
    url = f"sqlite:///{tmp_path}/k.db"
    path = tmp_path / "programs.csv"
    bad = CSV + "broken,party,Bad kind,,nasional,,2027-01-01,,,,\n"
    bad += "late,seminar,Late,,Atlantis,,2027-01-01,,,,\n"
    path.write_text(bad, encoding="utf-8")
    result = kriya(url, "programs", "import", str(path))
    assert result.returncode == 2
    assert "row 4" in result.stderr and "kind" in result.stderr
    assert "row 5" in result.stderr and "Atlantis" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    no_traceback(result)
    assert kriya(url, "programs", "list").stdout == ""


@pytest.mark.parametrize("args", [
    ("programs", "import", "/nonexistent/file.csv"),
    ("lapas", "add", "Lapas X", "--province", "Atlantis"),
    ("staff", "add", "--role", "king", "--telegram", "42"),
    ("staff", "add", "--role", "curator"),
    ("staff", "add", "--role", "curator", "--whatsapp", "12"),
])
def test_operator_mistakes_exit_2_with_one_line(tmp_path, args):
    result = kriya(f"sqlite:///{tmp_path}/k.db", *args)
    assert result.returncode == 2
    assert result.stderr.startswith("kriya: ") and len(result.stderr.strip().splitlines()) == 1
    no_traceback(result)


def test_lapas_add_prints_an_invite_code_an_officer_can_use(tmp_path):
    url = f"sqlite:///{tmp_path}/k.db"
    result = kriya(url, "lapas", "add", "Lapas Kelas IIA Mataram", "--province", "NTB")
    assert result.returncode == 0, result.stderr
    assert "Nusa Tenggara Barat" in result.stdout
    code = result.stdout.strip().rsplit(" ", 1)[-1]
    chat = kriya(url, "chat", "--as", "officer-1",
                 stdin=f"1\n2\n{code}\nBudi Santoso\n0813 1111 2222\n1\n")
    assert chat.returncode == 0, chat.stderr
    assert "Lapas Kelas IIA Mataram" in chat.stdout
    assert "Budi Santoso" in chat.stdout


def test_staff_add_gives_a_role(tmp_path):
    url = f"sqlite:///{tmp_path}/k.db"
    result = kriya(url, "staff", "add", "--whatsapp", "0812-3456-7890", "--role", "curator")
    assert result.returncode == 0, result.stderr
    assert "+6281234567890" in result.stdout and "curator" in result.stdout
    again = kriya(url, "staff", "add", "--whatsapp", "+62 812 3456 7890", "--role", "admin")
    assert "curator, admin" in again.stdout


def test_chat_with_piped_answers_and_a_restart_between_two_answers(tmp_path):
    url = f"sqlite:///{tmp_path}/k.db"
    assert kriya(url, "demo-data").returncode == 0
    first = kriya(url, "chat", stdin="1\n1\nSiti Aminah\n")
    assert first.returncode == 0, first.stderr
    # Each reply is shown once: the consent question, then the role question.
    assert first.stdout.count("Apakah Anda setuju?") == 1
    assert first.stdout.count("Apakah Anda perajin") == 1
    # a new process on the same file continues at the business name
    second = kriya(url, "chat", stdin="Tenun Sasak\nntb\nKota Mataram\n3\n081234567890\n1\n1\n1\n")
    assert second.returncode == 0, second.stderr
    no_traceback(second)
    assert "Siti Aminah" in second.stdout
    assert "WITA" in second.stdout or "tutup" in second.stdout


def test_the_quick_start_works_in_an_empty_folder(tmp_path):
    env_url = "sqlite:///kriya.db"
    assert kriya(env_url, "demo-data", cwd=tmp_path).returncode == 0
    chat = kriya(env_url, "chat", stdin="1\n", cwd=tmp_path)
    assert chat.returncode == 0
    assert (tmp_path / "kriya.db").exists()


@pytest.mark.parametrize("args", [("nosuch",), ("programs", "import"), ("chat", "--bogus")])
def test_usage_mistakes_exit_2_with_usage_help(tmp_path, args):
    result = kriya(f"sqlite:///{tmp_path}/k.db", *args)
    assert result.returncode == 2
    assert "Usage:" in result.stderr
    no_traceback(result)


def test_an_unreachable_database_is_one_line_and_exit_1(tmp_path):
    result = kriya("postgresql://kriya@127.0.0.1:1/none", "programs", "list")
    assert result.returncode == 1
    assert result.stderr.startswith("kriya: database error")
    no_traceback(result)
