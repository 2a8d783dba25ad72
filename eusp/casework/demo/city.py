"""Reference data of the fictional town of Valmont-sur-Loire (45999).

Plain data, no Django imports: the loader turns it into rows, the generator
picks from it. Category texts use ``{place}`` for where the problem is.
"""

TOWN = "Valmont-sur-Loire"
POSTCODE = "45999"
MAIL_DOMAIN = "valmont-sur-loire.fr"
# Town hall, used to centre the generated coordinates.
CENTRE = (47.8712, 1.8574)

# (code, name, streets). The streets of a quartier place a request in it.
DISTRICTS = [
    (
        "CV",
        "Centre-ville",
        [
            "rue Nationale",
            "place du Martroi",
            "rue de la République",
            "rue Jeanne-d'Arc",
            "rue des Halles",
            "place de l'Hôtel-de-Ville",
            "rue du Puits-Neuf",
            "rue Saint-Étienne",
        ],
    ),
    (
        "GAR",
        "Gare",
        [
            "avenue de la Gare",
            "rue Denis-Papin",
            "rue du Faubourg-Bannier",
            "boulevard Pierre-Sémard",
            "rue des Cheminots",
            "impasse du Dépôt",
            "rue Gustave-Eiffel",
        ],
    ),
    (
        "BDL",
        "Bords de Loire",
        [
            "quai du Châtelet",
            "quai de la Loire",
            "rue des Mariniers",
            "promenade des Saules",
            "rue du Port",
            "chemin de halage",
            "rue de la Tour-Neuve",
        ],
    ),
    (
        "CHT",
        "Les Châtaigniers",
        [
            "allée des Châtaigniers",
            "rue des Tilleuls",
            "rue des Acacias",
            "square des Charmes",
            "rue des Noisetiers",
            "allée des Bouleaux",
            "rue des Frênes",
        ],
    ),
    (
        "PLT",
        "Le Plateau",
        [
            "avenue du Plateau",
            "rue Victor-Hugo",
            "rue Émile-Zola",
            "rue Jean-Jaurès",
            "place Louise-Michel",
            "rue Jules-Ferry",
            "rue Pasteur",
            "rue Marie-Curie",
        ],
    ),
    (
        "STM",
        "Saint-Marc",
        [
            "rue Saint-Marc",
            "place de l'Église",
            "rue du Presbytère",
            "rue des Écoles",
            "ruelle du Lavoir",
            "rue de la Fontaine",
            "chemin des Processions",
        ],
    ),
    (
        "MOU",
        "Les Moulins",
        [
            "rue du Moulin",
            "chemin du Bief",
            "rue de la Meunerie",
            "allée des Roseaux",
            "rue de l'Écluse",
            "impasse de la Roue",
            "rue des Vannes",
        ],
    ),
    (
        "VIG",
        "Les Vignes",
        [
            "chemin des Vignes",
            "rue des Vendanges",
            "rue du Pressoir",
            "allée des Sarments",
            "rue du Clos-Fleuri",
            "impasse des Treilles",
            "rue des Coteaux",
        ],
    ),
    (
        "BRU",
        "La Bruyère",
        [
            "avenue de la Bruyère",
            "rue des Genêts",
            "rue des Fougères",
            "allée des Bruyères",
            "rue du Bois-Joli",
            "square des Ajoncs",
            "rue de la Sapinière",
        ],
    ),
    (
        "ZAE",
        "Zone d'activités des Érables",
        [
            "rue de l'Industrie",
            "avenue des Érables",
            "rue de l'Artisanat",
            "rue Blaise-Pascal",
            "rue Ampère",
            "allée du Commerce",
        ],
    ),
    (
        "CHF",
        "Champ-Fleuri",
        [
            "rue des Coquelicots",
            "rue des Bleuets",
            "allée des Primevères",
            "rue des Marguerites",
            "place des Lilas",
            "rue des Capucines",
            "rue des Jonquilles",
        ],
    ),
    (
        "VAU",
        "Hameau de Vaux",
        [
            "route de Vaux",
            "chemin de la Ferme",
            "rue du Four-à-Pain",
            "chemin des Prés",
            "rue de la Croix-Blanche",
            "lieu-dit Les Essarts",
        ],
    ),
]

# (name, e-mail local part, kind) — kind is a Service.Kind value.
SERVICES = [
    ("Voirie", "voirie", "both"),
    ("Éclairage public", "eclairage", "both"),
    ("Propreté urbaine", "proprete", "executing"),
    ("Espaces verts", "espaces-verts", "both"),
    ("Eau et assainissement", "eau-assainissement", "both"),
    ("Police municipale", "police-municipale", "both"),
    ("Bâtiments communaux", "batiments", "both"),
    ("Signalisation", "signalisation", "executing"),
    ("Cadre de vie", "cadre-de-vie", "instructing"),
    ("Urbanisme", "urbanisme", "instructing"),
    ("Parcs et jardins", "parcs-jardins", "executing"),
    ("Collecte des déchets", "dechets", "executing"),
    ("Sports", "sports", "both"),
    ("Écoles", "ecoles", "instructing"),
    ("Transports et mobilité", "mobilite", "instructing"),
]

# name, theme, instructing service, executing service, default delay (working days),
# relative frequency, and (subject, description) pairs.
CATEGORIES = [
    {
        "name": "Nid-de-poule",
        "theme": "Voirie",
        "instructing": "Voirie",
        "executing": "Voirie",
        "delay": 10,
        "weight": 9,
        "texts": [
            (
                "Nid-de-poule sur la chaussée",
                "Un nid-de-poule profond s'est formé {place}. Plusieurs véhicules ont "
                "déjà fait un écart pour l'éviter.",
            ),
            (
                "Trou dangereux dans la chaussée",
                "Présence d'un trou d'une vingtaine de centimètres {place}, "
                "dangereux pour les deux-roues, surtout la nuit.",
            ),
            ("Chaussée abîmée après l'hiver", "La chaussée est très dégradée {place} : trous et gravillons épars."),
        ],
    },
    {
        "name": "Trottoir dégradé",
        "theme": "Voirie",
        "instructing": "Voirie",
        "executing": "Voirie",
        "delay": 20,
        "weight": 6,
        "texts": [
            (
                "Trottoir soulevé par des racines",
                "Le trottoir est soulevé par les racines d'un arbre {place}. Risque de chute pour les personnes âgées.",
            ),
            ("Dalles de trottoir cassées", "Plusieurs dalles sont cassées ou descellées {place}."),
            (
                "Trottoir impraticable pour les poussettes",
                "Le trottoir est trop abîmé {place} pour y passer avec une poussette ou un fauteuil roulant.",
            ),
        ],
    },
    {
        "name": "Chaussée affaissée",
        "theme": "Voirie",
        "instructing": "Voirie",
        "executing": "Voirie",
        "delay": 30,
        "weight": 3,
        "texts": [
            ("Affaissement de la chaussée", "La chaussée s'affaisse {place}, une flaque se forme à chaque pluie."),
            ("Tampon d'égout instable", "Un tampon bouge au passage des voitures {place} et fait beaucoup de bruit."),
        ],
    },
    {
        "name": "Mobilier urbain endommagé",
        "theme": "Cadre de vie",
        "instructing": "Cadre de vie",
        "executing": "Voirie",
        "delay": 15,
        "weight": 4,
        "texts": [
            ("Banc public cassé", "Le banc situé {place} a une planche cassée."),
            ("Potelet arraché", "Un potelet a été arraché {place} et gît sur le trottoir."),
            ("Barrière de sécurité tordue", "La barrière de sécurité {place} a été percutée et est tordue."),
        ],
    },
    {
        "name": "Stationnement gênant",
        "theme": "Tranquillité publique",
        "instructing": "Police municipale",
        "executing": "Police municipale",
        "delay": 3,
        "weight": 5,
        "texts": [
            (
                "Stationnement sur le trottoir",
                "Des véhicules stationnent régulièrement sur le trottoir {place}, "
                "les piétons doivent marcher sur la chaussée.",
            ),
            ("Sortie de garage bloquée", "Un véhicule bloque régulièrement ma sortie de garage {place}."),
            ("Stationnement sur une place handicapé", "La place réservée {place} est souvent occupée sans macaron."),
        ],
    },
    {
        "name": "Véhicule ventouse ou épave",
        "theme": "Tranquillité publique",
        "instructing": "Police municipale",
        "executing": "Police municipale",
        "delay": 15,
        "weight": 2,
        "texts": [
            (
                "Véhicule abandonné",
                "Une voiture n'a pas bougé depuis plusieurs semaines {place}, les pneus sont à plat.",
            ),
            ("Épave sur la voie publique", "Une épave de scooter est abandonnée {place}."),
        ],
    },
    {
        "name": "Nuisances sonores",
        "theme": "Tranquillité publique",
        "instructing": "Police municipale",
        "executing": "Police municipale",
        "delay": 7,
        "weight": 3,
        "texts": [
            ("Bruit nocturne", "Des rassemblements bruyants ont lieu tard le soir {place}."),
            ("Chantier bruyant avant 7 h", "Un chantier démarre avant 7 heures du matin {place}."),
        ],
    },
    {
        "name": "Lampadaire en panne",
        "theme": "Éclairage public",
        "instructing": "Éclairage public",
        "executing": "Éclairage public",
        "delay": 5,
        "weight": 8,
        "texts": [
            ("Lampadaire éteint", "Le lampadaire situé {place} ne s'allume plus depuis plusieurs jours."),
            ("Éclairage qui clignote", "Un lampadaire clignote toute la nuit {place}."),
            ("Rue plongée dans le noir", "Tout l'éclairage est éteint {place} depuis l'orage."),
        ],
    },
    {
        "name": "Éclairage insuffisant",
        "theme": "Éclairage public",
        "instructing": "Éclairage public",
        "executing": "Éclairage public",
        "delay": 45,
        "weight": 2,
        "texts": [
            ("Passage mal éclairé", "Le passage piéton {place} est très mal éclairé, c'est dangereux le soir."),
            ("Demande d'un point lumineux supplémentaire", "Les riverains souhaitent un lampadaire de plus {place}."),
        ],
    },
    {
        "name": "Signalisation horizontale effacée",
        "theme": "Signalisation",
        "instructing": "Voirie",
        "executing": "Signalisation",
        "delay": 30,
        "weight": 3,
        "texts": [
            ("Passage piéton effacé", "Le marquage du passage piéton {place} n'est presque plus visible."),
            ("Ligne de stop effacée", "La ligne de stop est effacée {place}, les voitures ne s'arrêtent plus."),
        ],
    },
    {
        "name": "Panneau de signalisation",
        "theme": "Signalisation",
        "instructing": "Voirie",
        "executing": "Signalisation",
        "delay": 15,
        "weight": 3,
        "texts": [
            ("Panneau stop tombé", "Le panneau stop {place} est tombé après un accident."),
            (
                "Panneau masqué par la végétation",
                "Un panneau de limitation de vitesse est masqué par une haie {place}.",
            ),
        ],
    },
    {
        "name": "Demande de ralentisseur",
        "theme": "Sécurité routière",
        "instructing": "Transports et mobilité",
        "executing": "Voirie",
        "delay": 60,
        "weight": 3,
        "texts": [
            ("Vitesse excessive des véhicules", "Les voitures roulent beaucoup trop vite {place}, près de l'école."),
            ("Demande de ralentisseur", "Les riverains demandent l'installation d'un ralentisseur {place}."),
        ],
    },
    {
        "name": "Arrêt de bus et abribus",
        "theme": "Transports",
        "instructing": "Transports et mobilité",
        "executing": "Voirie",
        "delay": 30,
        "weight": 2,
        "texts": [
            ("Abribus vandalisé", "La vitre de l'abribus {place} est brisée, il y a du verre au sol."),
            ("Arrêt de bus sans abri", "L'arrêt {place} n'a pas d'abri, les usagers attendent sous la pluie."),
        ],
    },
    {
        "name": "Dépôt sauvage",
        "theme": "Propreté",
        "instructing": "Cadre de vie",
        "executing": "Propreté urbaine",
        "delay": 3,
        "weight": 8,
        "texts": [
            ("Dépôt sauvage d'encombrants", "Un matelas et des meubles ont été déposés {place}."),
            ("Gravats abandonnés", "Des sacs de gravats ont été abandonnés {place}."),
            ("Sacs d'ordures au pied des conteneurs", "Des sacs d'ordures s'accumulent {place}."),
        ],
    },
    {
        "name": "Tags et graffitis",
        "theme": "Propreté",
        "instructing": "Cadre de vie",
        "executing": "Propreté urbaine",
        "delay": 10,
        "weight": 4,
        "texts": [
            ("Tags sur une façade", "Des tags ont été faits sur la façade {place}."),
            ("Graffitis injurieux", "Des graffitis injurieux sont apparus {place}, merci de les effacer vite."),
        ],
    },
    {
        "name": "Propreté de la voie publique",
        "theme": "Propreté",
        "instructing": "Cadre de vie",
        "executing": "Propreté urbaine",
        "delay": 5,
        "weight": 4,
        "texts": [
            ("Corbeille de rue pleine", "La corbeille {place} déborde depuis plusieurs jours."),
            ("Déjections canines", "Le trottoir {place} est souillé de déjections canines."),
            ("Feuilles mortes glissantes", "Un tapis de feuilles mortes rend le trottoir glissant {place}."),
        ],
    },
    {
        "name": "Collecte des déchets non effectuée",
        "theme": "Déchets",
        "instructing": "Cadre de vie",
        "executing": "Collecte des déchets",
        "delay": 2,
        "weight": 4,
        "texts": [
            ("Bacs non collectés", "Les bacs n'ont pas été ramassés cette semaine {place}."),
            ("Tri sélectif non ramassé", "Les bacs jaunes n'ont pas été collectés {place}."),
        ],
    },
    {
        "name": "Conteneur endommagé",
        "theme": "Déchets",
        "instructing": "Cadre de vie",
        "executing": "Collecte des déchets",
        "delay": 10,
        "weight": 2,
        "texts": [
            ("Conteneur à verre plein", "Le conteneur à verre {place} est plein, des bouteilles sont posées autour."),
            ("Bac cassé", "Le couvercle du bac collectif est cassé {place}."),
        ],
    },
    {
        "name": "Élagage",
        "theme": "Espaces verts",
        "instructing": "Espaces verts",
        "executing": "Espaces verts",
        "delay": 30,
        "weight": 4,
        "texts": [
            ("Branches qui touchent les fenêtres", "Les branches d'un arbre touchent les fenêtres {place}."),
            ("Arbre menaçant de tomber", "Un arbre penche dangereusement {place} depuis la tempête."),
            ("Haie débordant sur le trottoir", "Une haie déborde largement sur le trottoir {place}."),
        ],
    },
    {
        "name": "Entretien des espaces verts",
        "theme": "Espaces verts",
        "instructing": "Espaces verts",
        "executing": "Parcs et jardins",
        "delay": 15,
        "weight": 4,
        "texts": [
            ("Tonte non effectuée", "L'herbe est très haute dans l'espace vert {place}."),
            ("Massif de fleurs à l'abandon", "Le massif {place} n'est plus entretenu."),
        ],
    },
    {
        "name": "Aire de jeux",
        "theme": "Espaces verts",
        "instructing": "Espaces verts",
        "executing": "Parcs et jardins",
        "delay": 10,
        "weight": 2,
        "texts": [
            (
                "Jeu pour enfants dangereux",
                "Un jeu de l'aire {place} a une pièce cassée, les enfants risquent de se blesser.",
            ),
            ("Sol amortissant abîmé", "Le sol souple de l'aire de jeux {place} est arraché."),
        ],
    },
    {
        "name": "Fuite d'eau",
        "theme": "Eau et assainissement",
        "instructing": "Eau et assainissement",
        "executing": "Eau et assainissement",
        "delay": 2,
        "weight": 3,
        "texts": [
            ("Fuite d'eau sur la voie publique", "De l'eau s'écoule en continu de la chaussée {place}."),
            ("Borne fontaine qui fuit", "La borne fontaine {place} fuit depuis plusieurs jours."),
        ],
    },
    {
        "name": "Avaloir ou égout bouché",
        "theme": "Eau et assainissement",
        "instructing": "Eau et assainissement",
        "executing": "Eau et assainissement",
        "delay": 7,
        "weight": 3,
        "texts": [
            ("Avaloir bouché", "L'avaloir {place} est bouché, l'eau stagne à chaque averse."),
            ("Odeurs d'égout", "De fortes odeurs d'égout remontent {place}."),
        ],
    },
    {
        "name": "Bâtiment communal",
        "theme": "Patrimoine",
        "instructing": "Bâtiments communaux",
        "executing": "Bâtiments communaux",
        "delay": 20,
        "weight": 2,
        "texts": [
            ("Infiltration au toit de la salle des fêtes", "De l'eau s'infiltre par le toit de la salle {place}."),
            ("Porte de la salle municipale cassée", "La porte d'entrée de la salle municipale {place} ne ferme plus."),
        ],
    },
    {
        "name": "Équipement sportif",
        "theme": "Sports",
        "instructing": "Sports",
        "executing": "Sports",
        "delay": 20,
        "weight": 2,
        "texts": [
            ("Filet de but déchiré", "Les filets des buts du terrain {place} sont déchirés."),
            ("City-stade dégradé", "Le grillage du city-stade {place} est arraché."),
        ],
    },
    {
        "name": "Abords des écoles",
        "theme": "Éducation",
        "instructing": "Écoles",
        "executing": "Bâtiments communaux",
        "delay": 30,
        "weight": 2,
        "texts": [
            ("Sécurité à la sortie de l'école", "La sortie de l'école {place} est dangereuse aux heures de pointe."),
            ("Portail de l'école abîmé", "Le portail de l'école {place} ferme mal."),
        ],
    },
    {
        "name": "Urbanisme et travaux privés",
        "theme": "Urbanisme",
        "instructing": "Urbanisme",
        "executing": None,
        "delay": 60,
        "weight": 2,
        "texts": [
            (
                "Travaux sans autorisation apparente",
                "Des travaux d'extension semblent réalisés sans panneau de permis {place}.",
            ),
            ("Clôture non conforme", "Une clôture très haute a été posée {place}."),
        ],
    },
]

# Sentences appended to some descriptions, so texts do not all look alike.
DESCRIPTION_EXTRAS = [
    "Merci de votre intervention rapide.",
    "Ce n'est pas la première fois que je le signale.",
    "Les voisins sont également concernés.",
    "Je reste disponible pour tout renseignement complémentaire.",
    "Des photos peuvent être transmises sur demande.",
    "La situation dure depuis plus d'un mois.",
    "Le problème s'aggrave à chaque intempérie.",
    "Je vous remercie par avance.",
]

# (username, first name, last name, profile, job title, services, is_staff/superuser).
# The first three are the demo logins (password « demo »); the others are actors of the timelines.
DEMO_LOGINS = ("central", "elu", "agent")
USERS = [
    ("central", "Claire", "Dumont", "central", "Responsable du service proximité", [], True),
    ("elu", "Jean-Marc", "Rivière", "elected", "Adjoint au maire chargé de la proximité", [], False),
    ("agent", "Karim", "Benali", "agent", "Technicien voirie", ["Voirie"], False),
    ("mlefevre", "Martine", "Lefèvre", "central", "Chargée d'accueil proximité", [], False),
    ("tgarnier", "Thomas", "Garnier", "central", "Assistant du service proximité", [], False),
    ("smoreau", "Sophie", "Moreau", "elected", "Maire", [], False),
    ("pchevalier", "Pascal", "Chevalier", "elected", "Conseiller municipal délégué au quartier Gare", [], False),
    ("nbertin", "Nathalie", "Bertin", "elected", "Adjointe au cadre de vie", [], False),
    ("ylambert", "Yves", "Lambert", "elected", "Conseiller municipal délégué aux Bords de Loire", [], False),
    ("lroux", "Laurent", "Roux", "agent", "Électricien éclairage public", ["Éclairage public", "Signalisation"], False),
    ("cfaure", "Céline", "Faure", "agent", "Cheffe d'équipe propreté", ["Propreté urbaine"], False),
    ("gmercier", "Guillaume", "Mercier", "agent", "Jardinier", ["Espaces verts"], False),
    ("aperrin", "Aurélie", "Perrin", "agent", "Technicienne eau et assainissement", ["Eau et assainissement"], False),
    ("dblanc", "David", "Blanc", "agent", "Brigadier de police municipale", ["Police municipale"], False),
]
# The élus delegated to a quartier: referents of the new requests located there.
ELECTED_DISTRICTS = {"pchevalier": ["Gare"], "ylambert": ["Bords de Loire"]}
