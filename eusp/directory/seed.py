"""Reference data every city starts with (origins from the brochure, states, priorities,
answer templates).

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


_CLOSING = "\n\nNous vous prions d'agréer, {civilite}, l'expression de nos salutations distinguées."

# (name, subject, body): the answers a central service sends most; placeholders are
# listed in eusp.casework.services.answers.ANSWER_PLACEHOLDERS.
ANSWER_TEMPLATES = [
    (
        "Accusé de réception",
        "Votre demande {reference} : accusé de réception",
        "{civilite},\n\n"
        "Nous avons bien reçu le {date_reception} votre demande concernant « {objet} » ({adresse}). "
        "Elle est enregistrée sous la référence {reference}, à rappeler dans toute correspondance.\n\n"
        "Elle a été transmise aux services municipaux, qui l'étudient. "
        "Nous ne manquerons pas de vous informer de la suite qui lui sera donnée." + _CLOSING,
    ),
    (
        "Demande réalisée",
        "Votre demande {reference} : intervention réalisée",
        "{civilite},\n\n"
        "Vous nous avez signalé le {date_reception} : « {objet} » ({adresse}).\n\n"
        "Nous avons le plaisir de vous informer que l'intervention nécessaire a été réalisée par "
        "le service {service_execution}.\n\n"
        "Nous vous remercions de votre vigilance, qui contribue à la qualité de notre cadre de vie." + _CLOSING,
    ),
    (
        "Transmise au service compétent",
        "Votre demande {reference} : transmise au service compétent",
        "{civilite},\n\n"
        "Votre demande du {date_reception} concernant « {objet} » ({adresse}) a été transmise au "
        "service {service_instructeur}, compétent pour la traiter.\n\n"
        "Ce service en étudie la faisabilité ; nous reviendrons vers vous dès que nous connaîtrons "
        "la suite qui pourra lui être donnée." + _CLOSING,
    ),
    (
        "Classée sans suite",
        "Votre demande {reference}",
        "{civilite},\n\n"
        "Votre demande du {date_reception} concernant « {objet} » ({adresse}) a été examinée avec attention "
        "par les services municipaux.\n\n"
        "Nous sommes au regret de vous informer qu'elle ne peut pas recevoir de suite favorable : "
        "[précisez ici le motif].\n\n"
        "Nous restons à votre disposition pour tout renseignement complémentaire." + _CLOSING,
    ),
    (
        "Inscrite au budget pluriannuel",
        "Votre demande {reference} : travaux programmés",
        "{civilite},\n\n"
        "Votre demande du {date_reception} concernant « {objet} » ({adresse}) a été étudiée par le "
        "service {service_instructeur}.\n\n"
        "Les travaux qu'elle nécessite dépassent le cadre d'une intervention courante : ils ont été inscrits "
        "au programme pluriannuel d'investissement de la commune et seront réalisés dans ce cadre. "
        "Nous vous informerons de leur date dès qu'elle sera arrêtée." + _CLOSING,
    ),
]


def seed_answer_templates(answer_template_model) -> None:
    for position, (name, subject, body) in enumerate(ANSWER_TEMPLATES, start=1):
        answer_template_model.objects.get_or_create(
            name=name, defaults={"position": position, "subject": subject, "body": body}
        )
