"""Offices and their staff from the command line: each staff member works for one office,
roles are given and taken at once, and staff from before offices existed work for pusat."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text
from sqlmodel import Session, select

from conversations import audit, logins
from storage.db import _alembic_config, make_engine, session_scope, upgrade
from storage.models import User, utcnow
from tests.conftest import Chat
from tests.test_cli import kriya, no_traceback
from tests.test_reminders import people


def test_an_office_is_added_listed_and_given_staff(tmp_path):
    url = f"sqlite:///{tmp_path}/k.db"
    assert kriya(url, "db", "upgrade").returncode == 0
    made = kriya(url, "office", "add", "Disperindag NTB", "--id", "disperindag-ntb",
                 "--province", "ntb")
    assert made.returncode == 0, made.stderr
    assert "Nusa Tenggara Barat" in made.stdout and "trade" in made.stdout
    listed = kriya(url, "office", "list").stdout.splitlines()
    assert [line.split("\t")[0] for line in listed] == ["disperindag-ntb", "pusat"]
    given = kriya(url, "staff", "add", "--telegram", "42", "--role", "curator",
                  "--office", "disperindag-ntb")
    assert given.returncode == 0 and "(disperindag-ntb)" in given.stdout
    kriya(url, "staff", "add", "--telegram", "42", "--role", "viewer",
          "--office", "disperindag-ntb")
    assert kriya(url, "staff", "list").stdout.split("\t")[:4] == [
        "disperindag-ntb", "telegram", "42", "curator,viewer"]
    # One office at a time; mistakes are one line, status 2, no traceback.
    for args, says in (
            (("staff", "add", "--telegram", "42", "--role", "admin"), "already staff"),
            (("staff", "add", "--telegram", "7", "--role", "admin", "--office", "nope"),
             "no office"),
            (("office", "add", "X", "--id", "Bad Id!"), "the id must be"),
            (("office", "add", "X", "--id", "x-1", "--province", "Atlantis"),
             "unknown province"),
            (("staff", "remove", "--telegram", "99"), "no staff member")):
        refused = kriya(url, *args)
        assert refused.returncode == 2 and says in refused.stderr, (args, refused.stderr)
        no_traceback(refused)
    removed = kriya(url, "staff", "remove", "--telegram", "42", "--role", "curator")
    assert removed.returncode == 0 and "viewer" in removed.stdout
    kriya(url, "staff", "remove", "--telegram", "42")
    assert kriya(url, "staff", "list").stdout == ""


def test_a_removed_role_stops_working_at_once_in_the_chat(tmp_path, conversations):
    url = str(conversations.database.url.render_as_string(hide_password=False))
    dewi = Chat(conversations, address="55", channel="telegram")
    dewi.register_artisan(name="Dewi Kurator")
    assert kriya(url, "staff", "add", "--telegram", "55", "--role", "curator").returncode == 0
    dewi.say("/kurasi")
    assert dewi.step and dewi.step.startswith("curation:")
    assert kriya(url, "staff", "remove", "--telegram", "55").returncode == 0
    dewi.say("1")  # in the middle of the queue: the role is gone, so is the queue
    assert dewi.step == "menu:choose" and "kurator" in dewi.text
    dewi.say("/kurasi")
    assert "kurator" in dewi.text and not (dewi.step or "").startswith("curation:")


def test_staff_from_before_offices_join_pusat_on_upgrade(tmp_path):
    url = f"sqlite:///{tmp_path}/old.db"
    database = make_engine(url)
    command.upgrade(_alembic_config(database), "0008")
    with database.begin() as conn:
        conn.execute(text(
            "INSERT INTO users (channel, address, staff_roles, categories, language, "
            "opted_out, unreachable, created_at, updated_at) VALUES ('telegram', '42', "
            "'[\"admin\"]', '[]', 'id', 0, 0, '2026-11-01 00:00:00', '2026-11-01 00:00:00'), "
            "('telegram', '43', '[]', '[]', 'id', 0, 0, '2026-11-01 00:00:00', "
            "'2026-11-01 00:00:00')"))
    upgrade(database)
    with Session(database) as session:
        found = {u.address: u.office_id for u in session.exec(select(User))}
    assert found == {"42": "pusat", "43": None}
    database.dispose()


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return str(path)


PROGRAMS = ("id,kind,title,province,starts_at\n"
            "tenun-ntb,pelatihan,Pelatihan Tenun,ntb,2027-05-03T08:00\n"
            "batik-ntb,seleksi,Seleksi Batik Sasambo,ntb,2027-06-03T08:00\n")


def test_programs_are_imported_for_an_office_and_another_office_cannot_take_them(tmp_path):
    url = f"sqlite:///{tmp_path}/k.db"
    kriya(url, "office", "add", "Disperindag NTB", "--id", "disperindag-ntb", "--province", "ntb")
    mine = write(tmp_path / "ntb.csv", PROGRAMS)
    made = kriya(url, "programs", "import", mine, "--office", "disperindag-ntb")
    assert made.returncode == 0 and "2 programs" in made.stdout, made.stderr
    national = write(tmp_path / "pusat.csv", "id,kind,title,province,starts_at\n"
                     "tei-2027,pameran,Trade Expo Indonesia,nasional,2027-10-20T10:00\n"
                     "tenun-ntb,pelatihan,Pelatihan Tenun Pusat,ntb,2027-05-03T08:00\n")
    taken = kriya(url, "programs", "import", national)  # for pusat, the default
    no_traceback(taken)
    assert taken.returncode == 2 and len(taken.stderr.strip().splitlines()) == 1
    assert "nothing imported" in taken.stderr
    assert ("row 3, column id: the program tenun-ntb belongs to the office disperindag-ntb"
            in taken.stderr)
    listed = kriya(url, "programs", "list").stdout
    assert "tei-2027" not in listed and "Pelatihan Tenun Pusat" not in listed
    assert [line.split("\t")[0] for line in kriya(
        url, "programs", "list", "--office", "disperindag-ntb").stdout.splitlines()] == [
        "tenun-ntb", "batik-ntb"]
    nowhere = kriya(url, "programs", "import", mine, "--office", "nope")
    assert nowhere.returncode == 2 and "no office with the id 'nope'" in nowhere.stderr
    # Imported again with a change: one audit entry for the one program changed.
    write(tmp_path / "ntb.csv", PROGRAMS.replace("Seleksi Batik Sasambo", "Seleksi Batik NTB"))
    assert kriya(url, "programs", "import", mine, "--office", "disperindag-ntb").returncode == 0
    database = make_engine(url)
    with Session(database) as session:
        found, _ = audit.page(session, "disperindag-ntb", object_kind="program")
    database.dispose()
    assert [(e.action, e.object_id, e.via) for e in found] == [
        ("program.changed", "batik-ntb", "cli"), ("program.created", "batik-ntb", "cli"),
        ("program.created", "tenun-ntb", "cli")]
    assert (found[0].before, found[0].after) == ({"title": "Seleksi Batik Sasambo"},
                                                 {"title": "Seleksi Batik NTB"})
    assert found[1].after["office_id"] == "disperindag-ntb"


def test_commands_acting_for_an_office_stay_within_its_reach(tmp_path, database):
    url = str(database.url.render_as_string(hide_password=False))
    people(database, "Nusa Tenggara Barat", "Jawa Timur", "Nusa Tenggara Barat")
    kriya(url, "office", "add", "Disperindag NTB", "--id", "disperindag-ntb", "--province", "ntb")
    kriya(url, "programs", "import", write(tmp_path / "p.csv", PROGRAMS))  # pusat's
    out = str(tmp_path / "list.csv")
    for args, says in (
            (("export", "registrations", "--program", "tenun-ntb", "--out", out, "--office",
              "disperindag-ntb"), "belongs to the office pusat"),
            (("broadcast", "send", "--text", "Halo", "--province", "jatim", "--office",
              "disperindag-ntb"), "reaches only Nusa Tenggara Barat"),
            (("lapas", "add", "Lapas Surabaya", "--province", "jatim", "--office",
              "disperindag-ntb"), "outside the reach of the office disperindag-ntb")):
        refused = kriya(url, *args)
        no_traceback(refused)
        assert refused.returncode == 2 and says in refused.stderr, (args, refused.stderr)
    assert kriya(url, "export", "registrations", "--program", "tenun-ntb",
                 "--out", out).returncode == 0  # the national office runs it
    sent = kriya(url, "broadcast", "send", "--text", "Pelatihan dibuka", "--office",
                 "disperindag-ntb")
    assert sent.returncode == 0 and "2 recipients" in sent.stdout, sent.stderr
    added = kriya(url, "lapas", "add", "Lapas Mataram", "--province", "ntb", "--office",
                  "disperindag-ntb")
    assert added.returncode == 0, added.stderr
    with Session(database) as session:
        found, _ = audit.page(session, "disperindag-ntb")
    assert [(e.action, e.via, e.actor) for e in found[:2]] == [
        ("lapas.added", "cli", "cli"), ("broadcast.queued", "cli", "cli")]
    assert found[0].after == {"name": "Lapas Mataram", "province": "Nusa Tenggara Barat"}
    assert "invite" not in repr(found[0].after)


def test_console_link_prints_a_one_time_link_for_staff_only(tmp_path, database):
    url = str(database.url.render_as_string(hide_password=False))
    assert kriya(url, "staff", "add", "--telegram", "42", "--role", "viewer").returncode == 0
    made = kriya(url, "console", "link", "--telegram", "42",
                 env={"KRIYA_PUBLIC_URL": "https://kriya.example.id"})
    assert made.returncode == 0, made.stderr
    link = made.stdout.strip()
    assert link.startswith("https://kriya.example.id/console/login/")
    with session_scope(database) as session:
        _, user = logins.redeem(session, link.rsplit("/", 1)[1], utcnow())
        assert user.address == "42"
    for args in (("--telegram", "99"), ("--whatsapp", "0812 3456 7890")):
        refused = kriya(url, "console", "link", *args)
        no_traceback(refused)
        assert refused.returncode == 2 and "no staff member" in refused.stderr
    assert kriya(url, "console", "link").returncode == 2  # which one, then?


def test_offices_and_roles_given_and_taken_are_in_the_audit_log_without_phones(tmp_path):
    url = f"sqlite:///{tmp_path}/k.db"
    kriya(url, "office", "add", "Disperindag NTB", "--id", "disperindag-ntb", "--province", "ntb")
    kriya(url, "staff", "add", "--whatsapp", "0813 1111 2222", "--role", "curator",
          "--office", "disperindag-ntb")
    kriya(url, "staff", "add", "--whatsapp", "0813 1111 2222", "--role", "curator",
          "--office", "disperindag-ntb")  # held already: nothing changes, nothing written
    kriya(url, "staff", "remove", "--whatsapp", "0813 1111 2222")
    database = make_engine(url)
    with Session(database) as session:
        member = session.exec(select(User).where(User.address == "+6281311112222")).one()
        found, _ = audit.page(session, "disperindag-ntb")
    database.dispose()
    taken, given, office = found
    assert (office.action, office.via, office.after) == ("office.added", "cli", {
        "name": "Disperindag NTB", "kind": "trade", "provinces": ["Nusa Tenggara Barat"]})
    assert (given.action, given.object_id, given.after) == (
        "staff.role_given", str(member.id),
        {"channel": "whatsapp", "user": member.id, "role": "curator"})
    assert (taken.action, taken.before, taken.after) == (
        "staff.role_taken", {"roles": ["curator"]}, {"roles": []})
    assert "6281311112222" not in repr([(e.object_id, e.actor, e.before, e.after)
                                         for e in found])
