"""Reference data every city starts with (origins from the brochure, states, priorities).

Used by a data migration, so a new installation is usable at once; the city
renames, reorders or deactivates entries afterwards.
"""

ORIGINS = [
    "Cabinet du Maire",
    "Conseil de quartier",
    "Courrier",
    "Mail",
    "N° Vert",
    "Téléphone",
    "Accueil en mairie",
    "Note",
    "Par élu",
    "Non spécifié",
]

# (label, phase, colour, is_initial) — colours keep 4.5:1 contrast with white text.
STATES = [
    ("Nouvelle", "open", "#1f5fa8", True),
    ("En cours", "in_progress", "#8a4b00", False),
    ("À suivre", "waiting", "#6b3fa0", False),
    ("Budget pluriannuel", "waiting", "#7a2e4f", False),
    ("Réalisée", "done", "#1e6b34", False),
    ("Sans suite", "closed", "#555555", False),
]

PRIORITIES = [("Basse", False), ("Normale", True), ("Haute", False), ("Urgente", False)]


def seed_reference_data(origin_model, state_model, priority_model) -> None:
    for position, name in enumerate(ORIGINS, start=1):
        origin_model.objects.get_or_create(name=name, defaults={"position": position})
    for position, (label, phase, colour, is_initial) in enumerate(STATES, start=1):
        state_model.objects.get_or_create(
            label=label, defaults={"position": position, "phase": phase, "colour": colour, "is_initial": is_initial}
        )
    for position, (label, is_default) in enumerate(PRIORITIES, start=1):
        priority_model.objects.get_or_create(label=label, defaults={"position": position, "is_default": is_default})
