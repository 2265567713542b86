"""Offices and their staff from the command line: each staff member works for one office,
roles are given and taken at once, and staff from before offices existed work for pusat."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text
from sqlmodel import Session, select

from storage.db import _alembic_config, make_engine, upgrade
from storage.models import User
from tests.conftest import Chat
from tests.test_cli import kriya, no_traceback


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
