"""Every flow of Kriya, by name. A new flow is a new module listed here."""

from conversations.flow import Flow
from conversations.flows.curation import curation
from conversations.flows.finder import finder
from conversations.flows.menu import menu
from conversations.flows.my_products import my_products
from conversations.flows.product import product
from conversations.flows.profile import profile
from conversations.flows.registration import registration

FLOWS: dict[str, Flow] = {
    flow.name: flow
    for flow in (registration, menu, finder, profile, product, my_products, curation)
}
