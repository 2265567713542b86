"""Every flow of Kriya, by name. A new flow is a new module listed here."""

from conversations.flow import Flow
from conversations.flows.broadcast import broadcast
from conversations.flows.curation import curation
from conversations.flows.finder import finder
from conversations.flows.menu import menu
from conversations.flows.my_products import my_products
from conversations.flows.my_signups import my_signups
from conversations.flows.product import product
from conversations.flows.profile import profile
from conversations.flows.program_admin import program_admin
from conversations.flows.question import question
from conversations.flows.registration import registration
from conversations.flows.signup import signup
from conversations.flows.staff_menu import staff_menu

FLOWS: dict[str, Flow] = {
    flow.name: flow
    for flow in (registration, menu, finder, profile, product, my_products, curation,
                 signup, my_signups, program_admin, broadcast, staff_menu, question)
}
