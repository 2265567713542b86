"""The fixed vocabularies of the artisans' world: one place for each.

Codes (left) are stored and typed in files; labels (right) are English sources for gettext.
"""

from __future__ import annotations

from conversations.i18n import N_

# Roles a person registers as.
ARTISAN = "artisan"
LAPAS_OFFICER = "lapas"
ROLES = {ARTISAN: N_("Artisan / craft business"), LAPAS_OFFICER: N_("Lapas officer")}

# Roles staff are given with `kriya staff add` (conversations.staff says what each may do).
ADMIN, CURATOR, BROADCASTER, VIEWER = "admin", "curator", "broadcaster", "viewer"
STAFF_ROLES = {
    ADMIN: N_("Administrator"),
    CURATOR: N_("Curator"),
    BROADCASTER: N_("Broadcaster"),
    VIEWER: N_("Viewer (sees, changes nothing)"),
}

CATEGORIES = {
    "karet": N_("Rubber (karet)"),
    "batok-kelapa": N_("Coconut shell (batok kelapa)"),
    "tenun": N_("Woven cloth (tenun)"),
    "batik": N_("Batik"),
    "anyaman": N_("Plaiting (anyaman)"),
    "kayu": N_("Wood (kayu)"),
    "gerabah-keramik": N_("Earthenware / ceramics"),
    "kulit": N_("Leather (kulit)"),
    "logam": N_("Metal (logam)"),
    "perhiasan": N_("Jewellery (perhiasan)"),
    "fesyen": N_("Fashion (fesyen)"),
    "olahan-pangan": N_("Processed food (olahan pangan)"),
    "lainnya": N_("Other"),
}

# Words people type for a category, besides its code and label.
CATEGORY_WORDS = {
    "karet": ("rubber",),
    "batok-kelapa": ("batok", "kelapa", "coconut", "tempurung"),
    "tenun": ("woven", "songket", "ikat"),
    "anyaman": ("rotan", "bambu", "pandan"),
    "kayu": ("wood", "ukir", "ukiran"),
    "gerabah-keramik": ("gerabah", "keramik", "ceramic", "ceramics", "tembikar"),
    "kulit": ("leather",),
    "logam": ("metal", "perak", "kuningan"),
    "perhiasan": ("jewelry", "jewellery", "aksesoris"),
    "fesyen": ("fashion", "busana", "pakaian"),
    "olahan-pangan": ("makanan", "pangan", "food", "kuliner"),
    "lainnya": ("lain", "other"),
}

PROGRAM_KINDS = {
    "seminar": N_("Seminar"),
    "seleksi": N_("Selection"),
    "pelatihan": N_("Training"),
    "pendampingan": N_("Mentoring"),
    "kurasi": N_("Product curation"),
    "pameran": N_("Exhibition"),
    "e-commerce": N_("E-commerce onboarding"),
    "lapas": N_("Lapas product development"),
}

# Other words people use for a kind of program ("expo", "bimtek").
KIND_WORDS = {
    "seminar": ("webinar", "seminar"),
    "seleksi": ("seleksi", "selection"),
    "pelatihan": ("pelatihan", "training", "bimtek", "workshop", "kursus"),
    "pendampingan": ("pendampingan", "mentoring", "coaching"),
    "kurasi": ("kurasi", "curation"),
    "pameran": ("pameran", "expo", "exhibition", "bazar", "bazaar", "festival"),
    "e-commerce": ("ecommerce", "marketplace"),
    "lapas": ("lapas",),
}

AUDIENCES = {
    "artisan": N_("Artisans"),
    "lapas": N_("Lapas officers"),
    "both": N_("Artisans and Lapas officers"),
}

FUNDING_ROUTES = {
    "apbn": N_("State budget (APBN)"),
    "partner": N_("Partner company"),
    "mandiri": N_("Self-funded (mandiri)"),
}
FUNDING_ROUTE_HELP = {
    "apbn": N_("Kemendag (the Ministry of Trade) pays for the booth, transport and lodging; "
            "places are few."),
    "partner": N_("A partner company (e.g. PT Astra) sponsors your place."),
    "mandiri": N_("You pay your own transport and lodging; the booth is provided."),
}

