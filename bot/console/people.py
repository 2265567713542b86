"""Pengguna: finding people within the office's reach, and one person's page with their
data, products and sign-ups. Searches are posted, never put in the address: a phone
number typed there would land in browser histories and server logs."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from bot.console import web
from bot.console.web import Console, Desk, NotFound, Pages
from conversations import people, products_view, signups, vocabulary


def photo_token(desk: Desk, product_id: int, path: str) -> str:
    return desk.signature("photo", f"{product_id}:{path}")


def photo_url(desk: Desk, product_id: int, path: str) -> str:
    return f"{web.PREFIX}/foto/{product_id}/{photo_token(desk, product_id, path)}/{path}"


def search_page(desk: Desk) -> Response:
    typed = desk.field("q")[:100]
    number = 1
    if desk.form is not None:
        try:
            number = min(max(1, int(desk.field("hal", "1"))), web.MAX_PAGE)
        except ValueError:
            number = 1
    found, total = people.search(desk.session, desk.reach, typed,
                                 offset=(number - 1) * web.PAGE_SIZE, limit=web.PAGE_SIZE)
    return desk.render("console/people.html", here="people", typed=typed, found=found,
                       pages=Pages(number, total))


def person_page(desk: Desk) -> Response:
    try:
        user_id = int(desk.request.path_params["user_id"])
    except ValueError:
        raise NotFound from None
    found = people.person(desk.session, desk.reach, user_id)
    if found is None:
        raise NotFound
    shown = [products_view.shown(desk.tr, product,
                                 lambda path, p=product: photo_url(desk, p.id or 0, path))
             for product in found.products]
    user = found.user
    role = vocabulary.ROLES.get(user.role or "")
    crafts = ", ".join(desk._(vocabulary.CATEGORIES[c]) for c in user.categories
                       if c in vocabulary.CATEGORIES)
    signed = [(program.title, desk._(signups.STATUS_LABELS.get(r.status, r.status)),
               desk.tr.short_date(r.signed_up_at)) for r, program in found.signups]
    return desk.render("console/person.html", here="people", person=found, products=shown,
                       role=desk._(role) if role else "-", crafts=crafts,
                       phone=people.phone_shown(user.phone), signups=signed)


def photo(desk: Desk) -> Response:
    params = desk.request.path_params
    try:
        product_id = int(params["product_id"])
    except ValueError:
        raise NotFound from None
    path = params["path"]
    if not products_view.may_see_file(desk.session, desk.reach, product_id, path):
        raise NotFound
    return desk.stored_file("photo", f"{product_id}:{path}", path)


def routes(console: Console) -> list[Route]:
    return [
        web.route(console, "/pengguna", search_page, ("GET", "POST"), reads=True),
        web.route(console, "/pengguna/{user_id}", person_page),
        web.route(console, "/foto/{product_id}/{token}/{path:path}", photo),
    ]
