"""Programs' times read as a traveller needs them: an event at a place in the venue's zone,
with the reader's own time in brackets when it differs; an online event in the reader's
zone; a deadline as the organiser set it; a list's dates the organiser's for everyone."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlmodel import Session, select

from conversations import programs, signups
from conversations.i18n import translator
from conversations.messages import Outbound
from conversations.program_files import program_values
from conversations.reminders import run_due
from storage.db import MIGRATIONS_DIR, make_engine, session_scope, upgrade
from storage.models import OutboxMessage, Program, User, UTCDateTime
from tests.conftest import POSTGRES_URL, Chat, postgres_url
from tests.test_cli import kriya, no_traceback

# Tuesday 1 December 2026, 09.00 WIB
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
# The organiser set 10.00 WIB at the venue, and registration closes 21 December 23.59 WIB.
EXPO = {
    "id": "jakarta-expo", "kind": "pameran", "title": "Pameran Jakarta Expo Kemayoran",
    "organiser": "Disperindag NTB", "venue": "Jakarta Expo Kemayoran", "province": "nasional",
    "timezone": "Asia/Jakarta", "starts_at": "2027-01-11T10:00", "ends_at": "2027-01-14T21:00",
    "registration_deadline": "2026-12-21T23:59", "requires_curated_product": "no",
}
WEBINAR = {
    "id": "seminar-hki", "kind": "seminar", "title": "Seminar HKI untuk IKM Kerajinan",
    "organiser": "Kemenperin", "venue": "Zoom", "province": "nasional",
    "starts_at": "2027-01-05T13:00+07:00", "ends_at": "2027-01-05T16:00+07:00",
    "registration_deadline": "2027-01-04T23:59+07:00",
}


def add(conversations_or_database, *rows) -> None:
    database = getattr(conversations_or_database, "database", conversations_or_database)
    with session_scope(database) as session:
        for row in rows:
            programs.save(session, program_values(row), NOW, "Asia/Jakarta")


def reader(conversations, province: str, address: str) -> Chat:
    person = Chat(conversations, address=address)
    person.now = NOW
    person.register_artisan(province=province)
    return person


def open_program(person: Chat, title: str) -> dict[str, str]:
    """The program's page from Find programs, as {label: rest} of its 'Label: ...' lines."""
    person.say("cari program")
    person.say("1")  # all programs for me
    assert person.step == "finder:results", person.text
    [number] = [str(n) for n, label in enumerate(person.options, 1) if label.startswith(title)]
    person.say(number)
    assert person.step == "finder:detail", person.text
    return dict(line.split(": ", 1) for line in person.text.splitlines() if ": " in line)


def test_an_event_in_jakarta_reads_in_wib_with_mataram_time_alongside(conversations):
    add(conversations, EXPO)
    page = open_program(reader(conversations, "ntb", "62811"), "Pameran Jakarta Expo")
    assert page["Mulai"] == "Senin, 11 Januari 2027 pukul 10.00 WIB (11.00 WITA)"
    assert page["Selesai"] == "Kamis, 14 Januari 2027 pukul 21.00 WIB (22.00 WITA)"


def test_a_reader_in_the_venues_zone_sees_no_bracket(conversations):
    add(conversations, EXPO)
    page = open_program(reader(conversations, "dki jakarta", "62812"), "Pameran Jakarta Expo")
    assert page["Mulai"] == "Senin, 11 Januari 2027 pukul 10.00 WIB"
    assert page["Pendaftaran ditutup"].startswith("Senin, 21 Desember 2026 pukul 23.59 WIB, ")


def test_a_deadline_reads_as_set_with_the_readers_next_day_in_the_bracket(conversations):
    add(conversations, EXPO)
    page = open_program(reader(conversations, "ntb", "62811"), "Pameran Jakarta Expo")
    assert page["Pendaftaran ditutup"] == (
        "Senin, 21 Desember 2026 pukul 23.59 WIB (22 Des 00.59 WITA), tinggal 20 hari")
    papua = open_program(reader(conversations, "papua", "62813"), "Pameran Jakarta Expo")
    assert papua["Pendaftaran ditutup"].startswith(
        "Senin, 21 Desember 2026 pukul 23.59 WIB (22 Des 01.59 WIT)")


def test_an_online_seminar_reads_in_each_readers_own_zone(conversations):
    add(conversations, WEBINAR)
    mataram = open_program(reader(conversations, "ntb", "62811"), "Seminar HKI")
    assert mataram["Mulai"] == "Selasa, 5 Januari 2027 pukul 14.00 WITA"
    assert mataram["Selesai"] == "Selasa, 5 Januari 2027 pukul 17.00 WITA"
    # its deadline is still the organiser's
    assert mataram["Pendaftaran ditutup"].startswith(
        "Senin, 4 Januari 2027 pukul 23.59 WIB (5 Jan 00.59 WITA)")
    jayapura = open_program(reader(conversations, "papua", "62813"), "Seminar HKI")
    assert jayapura["Mulai"] == "Selasa, 5 Januari 2027 pukul 15.00 WIT"


def test_the_short_list_shows_the_organisers_date_everywhere(conversations):
    no_deadline = EXPO | {"id": "expo-tanpa-batas", "title": "Pameran Tanpa Batas",
                          "registration_deadline": ""}
    add(conversations, EXPO, no_deadline)
    for province, address in (("ntb", "62811"), ("sumsel", "62814"), ("papua", "62813")):
        person = reader(conversations, province, address)
        person.say("cari program")
        person.say("1")
        labels = " | ".join(person.options)
        assert "Pameran Jakarta Expo Kemayoran (tutup 21 Des)" in labels, (province, labels)
        # a date in another year says which
        assert "Pameran Tanpa Batas (mulai 11 Jan 2027)" in labels, (province, labels)


def test_signing_up_confirms_the_start_by_the_same_rule(conversations):
    add(conversations, EXPO)
    siti = reader(conversations, "ntb", "62811")
    open_program(siti, "Pameran Jakarta Expo")
    siti.say("daftar")
    assert siti.step == "signup:notes", siti.text
    siti.say("Butuh satu meja")
    assert siti.step == "signup:confirm", siti.text
    assert "Mulai: Senin, 11 Januari 2027 pukul 10.00 WIB (11.00 WITA)" in siti.text
    siti.say("daftar")
    assert "Senin, 11 Januari 2027 pukul 10.00 WIB (11.00 WITA)" in siti.text


def people(database, *provinces: str) -> list[User]:
    with session_scope(database) as session:
        found = [User(channel="telegram", address=f"70{n}", role="artisan", name=f"Perajin {n}",
                      province=province, categories=["tenun"], consent_at=NOW,
                      registered_at=NOW)
                 for n, province in enumerate(provinces)]
        session.add_all(found)
        session.flush()
        for user in found:
            for program_id in ("jakarta-expo", "seminar-hki"):
                signups.sign_up(session, program_id, user, route=None, product_ids=[],
                                notes="", now=NOW)
        return found


def reminder_texts(database, at: datetime) -> dict[tuple[str, int], str]:
    with session_scope(database) as session:
        run_due(session, at)
    with Session(database) as session:
        sent = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "reminder"))
        return {(m.topic or "", m.user_id or 0): Outbound.from_payload(m.payload).text
                for m in sent}


def test_reminders_follow_the_same_rule(database):
    add(database, EXPO, WEBINAR)
    jakarta, mataram = people(database, "DKI Jakarta", "Nusa Tenggara Barat")
    # a day before each: the seminar at 13.00 WIB on 4 January, the expo on 10 January
    texts = reminder_texts(database, datetime(2027, 1, 4, 6, 0, tzinfo=UTC))
    texts |= reminder_texts(database, datetime(2027, 1, 10, 3, 0, tzinfo=UTC))
    by = {(topic.split(":")[-1], user): text for (topic, user), text in texts.items()}
    assert "Senin, 11 Januari 2027 pukul 10.00 WIB (11.00 WITA)" in by["jakarta-expo",
                                                                        mataram.id]
    assert "Senin, 11 Januari 2027 pukul 10.00 WIB," in by["jakarta-expo", jakarta.id]
    assert "Selasa, 5 Januari 2027 pukul 14.00 WITA" in by["seminar-hki", mataram.id]
    assert "WIB" not in by["seminar-hki", mataram.id]
    assert "Selasa, 5 Januari 2027 pukul 13.00 WIB" in by["seminar-hki", jakarta.id]


def test_english_brackets_carry_the_short_date_too():
    deadline = datetime(2026, 12, 21, 16, 59, tzinfo=UTC)
    assert translator("en", "Asia/Makassar").datetime_there(deadline, "Asia/Jakarta") == (
        "Monday, 21 December 2026 at 23:59 WIB (22 Dec 00:59 WITA)")
    # same clock, other zone name: no bracket
    assert translator("id", "Asia/Pontianak").datetime_there(deadline, "Asia/Jakarta") == (
        "Senin, 21 Desember 2026 pukul 23.59 WIB")


# Program files


def listed_modes(url: str) -> dict[str, str]:
    result = kriya(url, "programs", "list")
    assert result.returncode == 0, result.stderr
    return {line.split("\t")[0]: line.split("\t")[2] for line in result.stdout.splitlines()}


def test_program_files_say_the_mode_or_the_venue_implies_it(tmp_path):
    url = f"sqlite:///{tmp_path}/k.db"
    yaml_file = tmp_path / "programs.yaml"
    yaml_file.write_text(
        "- id: webinar-tenun\n  kind: seminar\n  title: Webinar Tenun\n  mode: online\n"
        "  venue: Kanal YouTube Kemenperin\n  starts_at: 2027-02-01T09:00+07:00\n"
        "- id: pameran-campur\n  kind: pameran\n  title: Pameran Campur\n  mode: Hybrid\n"
        "  venue: JCC\n  starts_at: 2027-02-01T09:00+07:00\n", "utf-8")
    csv_file = tmp_path / "programs.csv"
    csv_file.write_text(
        "id,kind,title,venue,starts_at\n"
        "zoom-batik,pelatihan,Pelatihan Batik,ZOOM,2027-02-02T09:00+07:00\n"
        "daring-ukir,pelatihan,Pelatihan Ukir,daring,2027-02-02T09:00+07:00\n"
        "di-hotel,pelatihan,Pelatihan di Hotel,Hotel Aston,2027-02-02T09:00+07:00\n", "utf-8")
    for path in (yaml_file, csv_file):
        result = kriya(url, "programs", "import", str(path))
        assert result.returncode == 0, result.stderr
    assert listed_modes(url) == {
        "webinar-tenun": "online", "pameran-campur": "hybrid", "zoom-batik": "online",
        "daring-ukir": "online", "di-hotel": "offline"}


def test_an_unknown_mode_is_refused_with_its_row(tmp_path):
    url = f"sqlite:///{tmp_path}/k.db"
    path = tmp_path / "programs.csv"
    path.write_text("id,kind,title,mode,starts_at\n"
                    "ok,seminar,Seminar,offline,2027-02-01T09:00+07:00\n"
                    "bad,seminar,Seminar Daring,virtual,2027-02-01T09:00+07:00\n", "utf-8")
    result = kriya(url, "programs", "import", str(path))
    assert result.returncode == 2
    assert "row 3, column mode: mode must be one of offline, online, hybrid" in result.stderr
    no_traceback(result)
    assert listed_modes(url) == {}  # all rows or none


# The migration


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path) -> Iterator[str]:
    """An empty database, not yet migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/old.db"
        return
    schema = f"kriya_times_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield postgres_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


OLD_PROGRAMS = sa.table(  # the table as revision 0007 knows it, without a mode
    "programs", *(sa.column(name) for name in (
        "id", "kind", "title", "organiser", "description", "venue", "province", "timezone",
        "audience", "requires_curated_product")),
    *(sa.column(name, UTCDateTime()) for name in ("starts_at", "ends_at", "created_at",
                                                  "updated_at")),
    *(sa.column(name, sa.JSON) for name in ("categories", "funding_routes")),
)


def test_the_migration_makes_zoom_and_daring_programs_online(empty_url):
    database = make_engine(empty_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = database
    command.upgrade(config, "0007")
    venues = {"expo": "Jakarta Expo Kemayoran", "zoom": "Zoom", "daring": " DARING ",
              "online": "Online", "mixed": "Daring (Zoom)"}
    start = datetime(2027, 1, 11, 3, 0, tzinfo=UTC)
    with database.begin() as conn:
        conn.execute(OLD_PROGRAMS.insert(), [
            {"id": id_, "kind": "seminar", "title": f"Seminar {id_}", "organiser": "",
             "description": "", "venue": venue, "province": "nasional",
             "timezone": "Asia/Jakarta", "audience": "both", "requires_curated_product": False,
             "starts_at": start, "ends_at": start + timedelta(hours=3), "created_at": NOW,
             "updated_at": NOW, "categories": [], "funding_routes": []}
            for id_, venue in venues.items()])
    upgrade(database)
    with Session(database) as session:
        modes = {p.id: p.mode for p in session.exec(select(Program))}
        assert session.get(Program, "expo").starts_at == start  # the rest kept as it was
    database.dispose()
    assert modes == {"expo": "offline", "zoom": "online", "daring": "online",
                     "online": "online", "mixed": "offline"}
