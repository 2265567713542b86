"""WhatsApp questions as buttons and lists: two or three options as quick replies, four to
ten as a list (longer ones paged behind a "Lainnya" row), a tap answering like a typed
number, a tap on an old list known as old, each Twilio Content resource made once, and the
numbered text whenever buttons cannot be had."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlmodel import Session, select

from bot.channels.whatsapp.interactive import (
    LIST_PICKER,
    QUICK_REPLY,
    ROW_DESCRIPTION,
    ROW_TITLE,
    design,
    shorten,
)
from conversations.messages import Option, Outbound
from storage.content_models import WhatsAppContent
from storage.db import session_scope
from storage.models import Conversation, OutboxMessage, Product, Registration, User
from tests import test_whatsapp as served
from tests.conftest import START, eventually
from tests.fake_twilio import FakeTwilio
from tests.test_finder import EXPO, add_programs, program
from tests.test_whatsapp import (
    PHONE,
    TO,
    Person,
    outbox_row,
    push,
    registered_long_ago,
    rows,
    serving,
)

# The fake Twilio and `kriya serve` of the WhatsApp tests, here too.
twilio_api, twilio, file_host, stranger, kriya = (
    served.twilio_api, served.twilio, served.file_host, served.stranger, served.kriya)

# What the person sees, and taps


def last_content(person: Person) -> dict[str, Any]:
    """The buttons or list of the last message to this person, as the fake keeps it."""
    sid = person.twilio.content_sids(f"whatsapp:{person.phone}")[-1]
    assert sid is not None, person.last()
    return person.twilio.contents[sid]


def choices(person: Person) -> list[dict[str, str]]:
    [(kind, shape)] = last_content(person)["types"].items()
    return shape["actions"] if kind == QUICK_REPLY else shape["items"]


def title(choice: dict[str, str]) -> str:
    return choice.get("title") or choice["item"]


def tap(person: Person, shown: str, on: dict[str, Any] | None = None) -> None:
    """Tap the button or list row whose title starts with `shown`, on the last message
    with buttons or a list, or on an earlier one (`on`), as Twilio reports the tap."""
    content = on or last_content(person)
    [(kind, shape)] = content["types"].items()
    found = shape["actions"] if kind == QUICK_REPLY else shape["items"]
    [choice] = [c for c in found if title(c).startswith(shown)]
    if kind == QUICK_REPLY:
        fields = {"ButtonPayload": choice["id"], "ButtonText": choice["title"]}
    else:
        fields = {"ListId": choice["id"], "ListTitle": choice["item"]}
    person.says(title(choice), **fields)


def step(client) -> str | None:
    with Session(client.app.state.database) as session:
        return session.exec(select(Conversation)).one().step


# End to end


def test_a_newcomer_registers_by_taps(kriya, twilio):
    siti = Person(kriya, twilio)
    siti.says("halo")
    assert [title(c) for c in choices(siti)] == [
        "Saya setuju", "Saya tidak setuju", "Baca pemberitahuan…"]
    # A button could not say it all: the options in full stay under the question.
    assert "3. Baca pemberitahuan privasi lengkap" in siti.texts()[-1]
    tap(siti, "Saya setuju")
    tap(siti, "Perajin")
    assert "Apakah nama Anda Siti?" in siti.last()
    tap(siti, "Ya")
    for typed in ("Tenun Ikat Sasak", "ntb", "Kota Mataram"):
        siti.says(typed)  # what only typing can say
    # Thirteen crafts and Back: nine rows, and "Lainnya" opening the rest.
    first_page = [title(c) for c in choices(siti)]
    assert first_page[:2] == ["1. Karet", "2. Batok kelapa"] and len(first_page) == 10
    assert first_page[-1] == "Lainnya"
    tap(siti, "Lainnya")
    assert step(kriya) == "registration:categories"  # only the list turned a page
    assert [title(c) for c in choices(siti)][:2] == ["10. Perhiasan", "11. Fesyen"]
    tap(siti, "11. Fesyen")
    assert "Fesyen" in siti.last() and "Apakah semuanya sudah benar?" in siti.last()
    tap(siti, "Ya, simpan")
    [user] = rows(kriya, User)
    assert user.registered_at is not None and user.categories == ["fesyen"]
    assert "[Cari program]" in siti.last()  # the main menu, as a list
    # No question with options went as numbers to type.
    assert not [body for body in siti.bodies() if "\n1. " in body and "[" not in body]


def accepted_product(client, name: str) -> None:
    with session_scope(client.app.state.database) as session:
        user = session.exec(select(User).where(User.address == PHONE)).one()
        session.add(Product(
            owner_id=user.id, province=user.province, name=name, category="tenun",
            materials="katun", size="200 x 60 cm", price=1_500_000, capacity=20,
            description="Tenun ikat", photos=[{"path": "ab/kain.jpg", "thumb": "t.jpg"}],
            status="accepted", decided_at=START))


def test_signing_up_for_an_exhibition_by_taps(kriya, twilio):
    add_programs(kriya.app.state.conversations, EXPO,
                 program("pelatihan-desain", 10, province="ntb", title="Pelatihan Desain"))
    siti = Person(kriya, twilio)
    for answer in ("halo", "1", "perajin", "1", "Tenun Ikat Sasak", "ntb", "Kota Mataram",
                   "3", "1"):
        siti.says(answer)
    accepted_product(kriya, "Kain Tenun Songket")
    tap(siti, "Cari program")
    tap(siti, "Semua program")
    results = choices(siti)
    [expo] = [c for c in results if c["item"].startswith("Jakarta Expo")]
    assert "tutup" in expo["description"]  # the deadline, under the program's name
    tap(siti, "Jakarta Expo")
    tap(siti, "Daftar sekarang")
    tap(siti, "1. Kain Tenun Songket")  # several may be picked: the rows have numbers
    routes = {title(c): c.get("description", "") for c in choices(siti)}
    [apbn] = [name for name in routes if "APBN" in name]
    assert routes[apbn].endswith("sisa 2 tempat")  # the seats, under the route
    tap(siti, "Mandiri")
    assert step(kriya) == "signup:notes"
    siti.says("Butuh listrik")
    tap(siti, "Daftar")
    assert "terkonfirmasi" in siti.last()
    with Session(kriya.app.state.database) as session:
        [signed] = session.exec(select(Registration)).all()
    assert (signed.program_id, signed.funding_route) == ("jakarta-expo", "mandiri")


def test_a_tap_on_an_old_list_is_known_as_old(kriya, twilio):
    siti = Person(kriya, twilio)
    for answer in ("halo", "1", "perajin", "1", "Tenun Ikat Sasak", "ntb", "Kota Mataram",
                   "3", "1"):
        siti.says(answer)
    menu = last_content(siti)
    tap(siti, "Cari program")
    assert step(kriya) == "finder:how"
    tap(siti, "Produk saya", on=menu)  # a row of the menu shown before
    assert "sebelumnya" in siti.last()
    assert step(kriya) == "finder:how"  # changed nothing
    siti.says("2")  # typing the number still works
    assert step(kriya) == "finder:by_kind"


def test_when_the_content_api_fails_the_question_comes_as_numbered_text(kriya, twilio):
    twilio.content_failures = 1
    siti = Person(kriya, twilio)
    siti.says("halo")
    [sent] = twilio.sent(TO)
    assert "ContentSid" not in sent and "\n1. Saya setuju" in sent["Body"]
    siti.says("1")  # answered by its number
    # For a minute the Content API is left alone: a reply does not wait for it.
    assert twilio.content_sids(TO)[-1] is None and len(twilio.content_creates()) == 1
    contents = kriya.app.state.channels["whatsapp"].contents
    contents.clock = lambda: time.monotonic() + 61
    siti.says("1")
    assert twilio.content_sids(TO)[-1] is not None  # the next question has its buttons


def test_buttons_twilio_refuses_come_as_numbered_text(kriya, twilio):
    twilio.content_refusals = 1
    siti = Person(kriya, twilio)
    siti.says("halo")
    refused, sent = twilio.sent(TO)
    assert refused.get("ContentSid") and "\n1. Saya setuju" in sent["Body"]
    [row] = eventually(lambda: rows(kriya, OutboxMessage), lambda found: found[0].status == "sent")
    assert row.provider_id  # the question reached her


def test_a_second_person_asked_the_same_question_gets_the_same_resource(kriya, twilio):
    siti = Person(kriya, twilio)
    siti.says("halo")
    tap(siti, "Saya setuju")
    made = len(twilio.content_creates())
    budi = Person(kriya, twilio, phone="+6281298765432", profile="Budi")
    budi.says("halo")
    tap(budi, "Saya setuju")
    assert len(twilio.content_creates()) == made  # nothing new was made
    assert twilio.content_sids(TO) == twilio.content_sids("whatsapp:+6281298765432")
    assert len(rows(kriya, WhatsAppContent)) == made


def test_interactive_off_sends_numbered_text_only(database_url, twilio, stranger, tmp_path):
    with serving(database_url, twilio, tmp_path / "media",
                 KRIYA_WHATSAPP_INTERACTIVE="off") as client:
        siti = Person(client, twilio)
        siti.says("halo")
        siti.says("1")
        assert "\n1. Perajin" in siti.last()
    assert twilio.content_creates() == [] and set(twilio.content_sids(TO)) == {None}


def test_outside_the_window_a_question_goes_as_its_template(
    database_url, twilio: FakeTwilio, stranger, tmp_path, monkeypatch
):
    monkeypatch.setenv("TWILIO_TEMPLATE_REMINDER", "HX" + "r" * 32)
    with serving(database_url, twilio, tmp_path / "media") as client:
        registered_long_ago(client, twilio)
        made = len(twilio.content_creates())
        push(client, "reminder", "Pameran besok. Ikut?", "q1")
        eventually(lambda: outbox_row(client, "q1"), lambda r: r.status != "pending")
    assert twilio.content_sids(TO)[-1] == "HX" + "r" * 32
    assert len(twilio.content_creates()) == made


# The controls, without a server


def question(*labels: str, text: str = "Pilih satu:", language: str = "id") -> Outbound:
    options = tuple(Option(f"k{n}", label, str(n)) for n, label in enumerate(labels, 1))
    return Outbound(text=text, options=options, step="flow:step", language=language)


def test_labels_are_cut_at_a_word_and_kept_whole_under_the_row():
    assert shorten("Pameran Jakarta Expo Kemayoran", ROW_TITLE) == "Pameran Jakarta Expo…"
    assert shorten("Kemendag", 5) == "Keme…"  # one long word: nothing else would fit
    shown = design(question("Cari program", "Pameran Kerajinan Nusantara Tahunan", "Kayu",
                            "Batik"))
    assert shown is not None and shown.kind == LIST_PICKER
    items = shown.types[LIST_PICKER]["items"]
    assert items[1] == {"item": "Pameran Kerajinan…", "id": items[1]["id"],
                        "description": "Pameran Kerajinan Nusantara Tahunan"}
    assert all(len(i["item"]) <= ROW_TITLE and len(i.get("description", "")) <= ROW_DESCRIPTION
               for i in items)
    assert shown.types[LIST_PICKER]["button"] == "Pilih"
    assert json.loads(shown.variables() or "{}") == {"1": "Pilih satu:"}


def test_what_goes_as_buttons_a_list_or_text():
    assert design(question("Ya", "Tidak")).kind == QUICK_REPLY
    assert design(question("Satu", "Dua", "Tiga", "Empat")).kind == LIST_PICKER
    assert design(question("Kembali")) is None  # a question answered by typing
    long = design(question(*(f"Pilihan {n}" for n in range(1, 15))))
    assert [len(page.types[LIST_PICKER]["items"]) for page in long.pages()] == [10, 5]
    # The same question with the same options is the same resource, whatever its text.
    assert design(question("Ya", "Tidak", text="Halo, Siti")).key == \
        design(question("Ya", "Tidak", text="Halo, Budi")).key
    assert design(question("Ya", "Tidak")).key != \
        design(question("Yes", "No", language="en")).key

