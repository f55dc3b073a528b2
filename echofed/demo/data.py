"""Demo region "Grand Est — démo": actors, places, events and publications.

Plain typed data, no I/O. Places are real (addresses and WGS84 coordinates checked against
public sources, to within about 200 m); the programme itself is invented for the demo, and
the people (``kind="Person"``) are fictional. Dates are relative: every event gives a
``day_offset`` from the seed date (3 to 180 days ahead) plus a local start time in
``TIMEZONE``, so the demo agenda always lies in the coming months. All-day events start at
``"00:00"`` and last a whole number of days (``duration_minutes`` a multiple of 1440).
Articles are dated in the past (negative ``day_offset``), offers and calls close
``deadline_offset`` days after the seed date.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ACTORS",
    "ARTICLES",
    "AUDIENCES",
    "CALLS",
    "CATEGORIES",
    "COUNTRY",
    "EVENTS",
    "JOB_OFFERS",
    "MAP_BOUNDS",
    "MAP_CENTER",
    "PLACES",
    "REGION",
    "REGION_DESCRIPTION",
    "REGION_NAME",
    "TIMEZONE",
    "DemoActor",
    "DemoArticle",
    "DemoCall",
    "DemoEvent",
    "DemoJobOffer",
    "DemoPlace",
]


@dataclass(frozen=True)
class DemoActor:
    username: str
    kind: Literal["Person", "Organization", "Group"]
    name: str
    summary: str
    city: str
    url: str | None
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoPlace:
    key: str
    name: str
    street: str
    postcode: str
    city: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class DemoEvent:
    actor: str
    title: str
    description_md: str
    category: str
    place: str | None
    online_url: str | None
    day_offset: int
    start: str
    duration_minutes: int
    all_day: bool
    tags: tuple[str, ...]
    audience: tuple[str, ...]
    price: str | None
    capacity: int | None
    join_mode: Literal["free", "restricted", "external"]
    registration_url: str | None


@dataclass(frozen=True)
class DemoArticle:
    actor: str
    kind: Literal["article", "resource"]
    title: str
    summary: str
    body_md: str
    tags: tuple[str, ...]
    day_offset: int


@dataclass(frozen=True)
class DemoJobOffer:
    actor: str
    title: str
    summary: str
    body_md: str
    contract: str
    place: str | None
    deadline_offset: int
    apply_url: str


@dataclass(frozen=True)
class DemoCall:
    actor: str
    title: str
    summary: str
    body_md: str
    kind: Literal["volunteers", "projects"]
    place: str | None
    deadline_offset: int
    url: str | None


# --------------------------------------------------------------------------------------------
# Region
# --------------------------------------------------------------------------------------------

REGION_NAME = "Grand Est — démo"
REGION_DESCRIPTION = (
    "Agenda partagé de la culture scientifique du Grand Est, de Charleville-Mézières à "
    "Mulhouse et de Troyes à Strasbourg : musées, planétariums, jardins botaniques, "
    "laboratoires et associations y publient leurs rendez-vous. Cette instance de démonstration "
    "présente des lieux réels et une programmation fictive, renouvelée à chaque installation."
)
REGION = "Grand Est"
COUNTRY = "FR"
TIMEZONE = "Europe/Paris"
#: (latitude, longitude), roughly the middle of the region (near Toul).
MAP_CENTER: tuple[float, float] = (48.70, 5.80)
#: (south, west, north, east): the whole of Grand Est, from the Sundgau to the Givet point
#: and from the western Aube to Lauterbourg.
MAP_BOUNDS: tuple[float, float, float, float] = (47.40, 3.35, 50.18, 8.25)

CATEGORIES: tuple[str, ...] = (
    "conference",
    "atelier",
    "exposition",
    "visite",
    "sortie_nature",
    "festival",
    "cafe_sciences",
    "science_participative",
    "projection",
    "spectacle",
    "formation",
    "autre",
)
AUDIENCES: tuple[str, ...] = (
    "enfants",
    "ados",
    "adultes",
    "familles",
    "scolaires",
    "professionnels",
)

_DEMO = "Profil fictif de démonstration."

# --------------------------------------------------------------------------------------------
# Actors
# --------------------------------------------------------------------------------------------

ACTORS: tuple[DemoActor, ...] = (
    DemoActor(
        username="levaisseau",
        kind="Organization",
        name="Le Vaisseau",
        summary=(
            "Centre de culture scientifique de la Collectivité européenne d'Alsace, ouvert en "
            "2005 à Strasbourg pour les enfants de 3 à 15 ans et leurs familles : expositions "
            "trilingues à manipuler, jardin pédagogique, ateliers et spectacles."
        ),
        city="Strasbourg",
        url="https://www.levaisseau.com",
        members=("julien_weber",),
    ),
    DemoActor(
        username="planetarium_strasbourg",
        kind="Organization",
        name="Planétarium du Jardin des sciences — Université de Strasbourg",
        summary=(
            "Le planétarium de l'Université de Strasbourg, sur le campus historique à côté de "
            "l'Observatoire : séances sous un dôme de 15 mètres, présentations du ciel en direct "
            "et visites de la Grande Coupole."
        ),
        city="Strasbourg",
        url="https://jardin-sciences.unistra.fr",
    ),
    DemoActor(
        username="loria",
        kind="Organization",
        name="LORIA — Laboratoire lorrain de recherche en informatique et ses applications",
        summary=(
            "Unité mixte de recherche (UMR 7503) du CNRS, d'Inria et de l'Université de "
            "Lorraine, sur le campus scientifique de Villers-lès-Nancy : algorithmique, "
            "intelligence artificielle, langues, réseaux, sécurité, robotique."
        ),
        city="Villers-lès-Nancy",
        url="https://www.loria.fr",
        members=("claire_marchal",),
    ),
    DemoActor(
        username="sciences_en_partage",
        kind="Organization",
        name="Sciences en partage",
        summary=(
            "Association de culture scientifique basée à Nancy et active dans tout le Grand "
            "Est : cafés des sciences, villages des sciences, ateliers en médiathèque et "
            "projets de sciences participatives. Association fictive de démonstration."
        ),
        city="Nancy",
        url=None,
        members=("julien_weber", "lea_schmitt", "claire_marchal"),
    ),
    DemoActor(
        username="claire_marchal",
        kind="Person",
        name="Claire Marchal",
        summary=(
            "Chercheuse en apprentissage automatique au LORIA, je parle volontiers d'IA, de "
            "données et d'erreurs de modèles devant tous les publics. Astronome amatrice le "
            "week-end. " + _DEMO
        ),
        city="Nancy",
        url=None,
    ),
    DemoActor(
        username="julien_weber",
        kind="Person",
        name="Julien Weber",
        summary=(
            "Médiateur scientifique indépendant installé à Metz : ateliers lumière et optique, "
            "balades géologiques en ville, animations sous planétarium mobile. " + _DEMO
        ),
        city="Metz",
        url=None,
    ),
    DemoActor(
        username="lea_schmitt",
        kind="Person",
        name="Léa Schmitt",
        summary=(
            "Naturaliste et animatrice nature dans le Haut-Rhin : insectes, oiseaux des "
            "jardins, herbiers et protocoles de sciences participatives. " + _DEMO
        ),
        city="Colmar",
        url=None,
    ),
    DemoActor(
        username="jardin_botanique_nancy",
        kind="Organization",
        name="Jardin botanique Jean-Marie Pelt",
        summary=(
            "Jardin botanique du Grand Nancy et de l'Université de Lorraine à Villers-lès-Nancy : "
            "un parc de collections et 2 500 m² de serres tropicales, près de 12 000 espèces "
            "cultivées, une graineterie et un herbier."
        ),
        city="Villers-lès-Nancy",
        url=None,
    ),
    DemoActor(
        username="museum_aquarium_nancy",
        kind="Organization",
        name="Muséum-Aquarium de Nancy",
        summary=(
            "Muséum d'histoire naturelle et aquarium au cœur de Nancy, géré par la Métropole du "
            "Grand Nancy et l'Université de Lorraine : galeries aquarium au rez-de-chaussée, "
            "galerie de zoologie à l'étage."
        ),
        city="Nancy",
        url=None,
    ),
    DemoActor(
        username="planetarium_reims",
        kind="Organization",
        name="Planétarium de Reims",
        summary=(
            "Deuxième planétarium ouvert en France, en 1980, installé depuis 2013 dans un "
            "bâtiment neuf : séances animées en direct, espace d'exposition et l'horloge "
            "astronomique de Jean Legros."
        ),
        city="Reims",
        url=None,
    ),
    DemoActor(
        username="musee_electropolis",
        kind="Organization",
        name="Musée Electropolis",
        summary=(
            "Musée de l'aventure de l'électricité à Mulhouse, ouvert en 1992 autour de la Grande "
            "Machine Sulzer-BBC : 4 000 m² d'exposition, des démonstrations et le Jardin des "
            "énergies."
        ),
        city="Mulhouse",
        url="https://musee-electropolis.fr",
    ),
    DemoActor(
        username="mediatheque_troyes",
        kind="Organization",
        name="Médiathèque Jacques-Chirac — Troyes Champagne Métropole",
        summary=(
            "Médiathèque de Troyes Champagne Métropole, dont les fonds patrimoniaux conservent "
            "la bibliothèque de l'abbaye de Clairvaux, inscrite au registre Mémoire du monde de "
            "l'UNESCO : rencontres, ateliers numériques et expositions."
        ),
        city="Troyes",
        url="https://mediatheque-jacques-chirac.fr",
    ),
    DemoActor(
        username="astronomie_grandest",
        kind="Group",
        name="Astronomie Grand Est",
        summary=(
            "Communauté ouverte des passionnés du ciel du Grand Est : clubs, planétariums, "
            "observateurs amateurs et curieux partagent ici soirées d'observation, conférences "
            "et conseils pour débuter."
        ),
        city="Nancy",
        url=None,
        members=("claire_marchal", "julien_weber"),
    ),
)

# --------------------------------------------------------------------------------------------
# Places (all in Grand Est, France)
# --------------------------------------------------------------------------------------------

PLACES: tuple[DemoPlace, ...] = (
    DemoPlace(
        key="vaisseau",
        name="Le Vaisseau",
        street="1 bis rue Philippe Dollinger",
        postcode="67100",
        city="Strasbourg",
        latitude=48.57299,
        longitude=7.77217,
    ),
    DemoPlace(
        key="planetarium_strasbourg",
        name="Planétarium du Jardin des sciences",
        street="27 boulevard de la Victoire",
        postcode="67000",
        city="Strasbourg",
        latitude=48.58330,
        longitude=7.76530,
    ),
    DemoPlace(
        key="jardin_botanique_strasbourg",
        name="Jardin botanique de l'Université de Strasbourg",
        street="28 rue Goethe",
        postcode="67000",
        city="Strasbourg",
        latitude=48.58442,
        longitude=7.76680,
    ),
    DemoPlace(
        key="mediatheque_malraux",
        name="Médiathèque André-Malraux",
        street="1 presqu'île André-Malraux",
        postcode="67100",
        city="Strasbourg",
        latitude=48.57444,
        longitude=7.75972,
    ),
    DemoPlace(
        key="cathedrale_strasbourg",
        name="Cathédrale Notre-Dame de Strasbourg",
        street="Place de la Cathédrale",
        postcode="67000",
        city="Strasbourg",
        latitude=48.58167,
        longitude=7.75111,
    ),
    DemoPlace(
        key="museum_aquarium_nancy",
        name="Muséum-Aquarium de Nancy",
        street="34 rue Sainte-Catherine",
        postcode="54000",
        city="Nancy",
        latitude=48.69489,
        longitude=6.18833,
    ),
    DemoPlace(
        key="place_stanislas",
        name="Place Stanislas",
        street="Place Stanislas",
        postcode="54000",
        city="Nancy",
        latitude=48.69361,
        longitude=6.18306,
    ),
    DemoPlace(
        key="jardin_botanique_nancy",
        name="Jardin botanique Jean-Marie Pelt",
        street="100 rue du Jardin Botanique",
        postcode="54600",
        city="Villers-lès-Nancy",
        latitude=48.65944,
        longitude=6.15361,
    ),
    DemoPlace(
        key="loria",
        name="LORIA — campus scientifique",
        street="615 rue du Jardin Botanique",
        postcode="54600",
        city="Villers-lès-Nancy",
        latitude=48.66560,
        longitude=6.15500,
    ),
    DemoPlace(
        key="jardin_botanique_metz",
        name="Jardin botanique de Metz",
        street="27 ter rue de Pont-à-Mousson",
        postcode="57950",
        city="Montigny-lès-Metz",
        latitude=49.10450,
        longitude=6.16090,
    ),
    DemoPlace(
        key="cathedrale_metz",
        name="Cathédrale Saint-Étienne de Metz",
        street="Place d'Armes",
        postcode="57000",
        city="Metz",
        latitude=49.12028,
        longitude=6.17556,
    ),
    DemoPlace(
        key="planetarium_reims",
        name="Planétarium de Reims",
        street="49 avenue du Général de Gaulle",
        postcode="51100",
        city="Reims",
        latitude=49.24278,
        longitude=4.01556,
    ),
    DemoPlace(
        key="cathedrale_reims",
        name="Cathédrale Notre-Dame de Reims",
        street="Place du Cardinal Luçon",
        postcode="51100",
        city="Reims",
        latitude=49.25389,
        longitude=4.03417,
    ),
    DemoPlace(
        key="electropolis",
        name="Musée Electropolis",
        street="55 rue du Pâturage",
        postcode="68200",
        city="Mulhouse",
        latitude=47.74908,
        longitude=7.29525,
    ),
    DemoPlace(
        key="cite_du_train",
        name="Cité du Train",
        street="2 rue Alfred de Glehn",
        postcode="68200",
        city="Mulhouse",
        latitude=47.75000,
        longitude=7.29387,
    ),
    DemoPlace(
        key="cite_automobile",
        name="Cité de l'Automobile",
        street="17 rue de la Mertzau",
        postcode="68100",
        city="Mulhouse",
        latitude=47.76128,
        longitude=7.32797,
    ),
    DemoPlace(
        key="museum_colmar",
        name="Musée d'histoire naturelle et d'ethnographie de Colmar",
        street="11 rue Turenne",
        postcode="68000",
        city="Colmar",
        latitude=48.07333,
        longitude=7.35889,
    ),
    DemoPlace(
        key="musee_regence",
        name="Musée de la Régence",
        street="Place de l'Église",
        postcode="68190",
        city="Ensisheim",
        latitude=47.86639,
        longitude=7.35306,
    ),
    DemoPlace(
        key="mediatheque_troyes",
        name="Médiathèque Jacques-Chirac",
        street="7 rue des Filles-Dieu",
        postcode="10000",
        city="Troyes",
        latitude=48.30111,
        longitude=4.07250,
    ),
    DemoPlace(
        key="hotel_de_ville_chalons",
        name="Hôtel de ville de Châlons-en-Champagne",
        street="Place du Maréchal Foch",
        postcode="51000",
        city="Châlons-en-Champagne",
        latitude=48.95750,
        longitude=4.36500,
    ),
    DemoPlace(
        key="musee_ardenne",
        name="Musée de l'Ardenne",
        street="31 place Ducale",
        postcode="08000",
        city="Charleville-Mézières",
        latitude=49.77390,
        longitude=4.72080,
    ),
)

# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------

_REG = "https://example.org/inscription/"
_VISIO = "https://example.org/visio/"

EVENTS: tuple[DemoEvent, ...] = (
    # ---- Le Vaisseau (Strasbourg) -----------------------------------------------------------
    DemoEvent(
        actor="levaisseau",
        title="Petits ingénieurs : construire un pont qui tient",
        description_md=(
            "Avec des baguettes, des élastiques et beaucoup d'essais, les enfants conçoivent un "
            "pont capable de porter une charge. Ils découvrent pourquoi le **triangle** rend une "
            "structure rigide et comment répartir les efforts. Atelier pour les 8-12 ans, un "
            "adulte accompagnateur par famille."
        ),
        category="atelier",
        place="vaisseau",
        online_url=None,
        day_offset=5,
        start="14:30",
        duration_minutes=90,
        all_day=False,
        tags=("ingénierie", "construction", "structures"),
        audience=("enfants", "familles"),
        price="Inclus dans le billet d'entrée",
        capacity=16,
        join_mode="external",
        registration_url=_REG + "vaisseau-petits-ingenieurs",
    ),
    DemoEvent(
        actor="levaisseau",
        title="La chimie fait son show",
        description_md=(
            "Des couleurs qui changent, des mousses qui débordent et une bouteille qui respire : "
            "un spectacle de démonstrations où chaque effet est expliqué. Le public est invité à "
            "formuler ses hypothèses avant chaque expérience. Durée 45 minutes, à partir de "
            "6 ans."
        ),
        category="spectacle",
        place="vaisseau",
        online_url=None,
        day_offset=12,
        start="15:30",
        duration_minutes=45,
        all_day=False,
        tags=("chimie", "démonstration", "spectacle"),
        audience=("familles", "enfants"),
        price="Inclus dans le billet d'entrée",
        capacity=120,
        join_mode="free",
        registration_url=None,
    ),
    DemoEvent(
        actor="levaisseau",
        title="Exposition « Au fil de l'eau » : le cycle de l'eau à manipuler",
        description_md=(
            "Une exposition temporaire où l'on pompe, canalise et filtre l'eau pour comprendre "
            "son trajet, du nuage au robinet puis à la rivière. Les modules sont présentés en "
            "français, allemand et anglais.\n\n"
            "- maquette de bassin versant à arroser soi-même ;\n"
            "- station d'épuration miniature ;\n"
            "- jeu sur la consommation d'eau à la maison."
        ),
        category="exposition",
        place="vaisseau",
        online_url=None,
        day_offset=20,
        start="00:00",
        duration_minutes=21 * 1440,
        all_day=True,
        tags=("eau", "environnement", "exposition"),
        audience=("familles", "enfants", "scolaires"),
        price="Inclus dans le billet d'entrée",
        capacity=None,
        join_mode="free",
        registration_url=None,
    ),
    DemoEvent(
        actor="levaisseau",
        title="Formation enseignants : la démarche d'investigation en cycle 3",
        description_md=(
            "Une matinée pour concevoir une séquence de sciences fondée sur le questionnement des "
            "élèves, à partir des expositions du Vaisseau. Au programme : formuler une question "
            "testable, organiser une expérience en groupe et garder trace des résultats. Les "
            "supports sont remis aux participants."
        ),
        category="formation",
        place="vaisseau",
        online_url=None,
        day_offset=33,
        start="09:00",
        duration_minutes=180,
        all_day=False,
        tags=("enseignement", "démarche-d-investigation", "cycle-3"),
        audience=("professionnels",),
        price="Gratuit sur réservation",
        capacity=25,
        join_mode="restricted",
        registration_url=None,
    ),
    DemoEvent(
        actor="levaisseau",
        title="Programmer un robot suiveur de ligne",
        description_md=(
            "Par équipes de deux, les participants programment un petit robot pour qu'il suive "
            "une piste tracée au sol. On y parle **capteurs**, boucles et conditions, puis on "
            "organise une course finale. Aucune connaissance préalable n'est nécessaire."
        ),
        category="atelier",
        place="vaisseau",
        online_url=None,
        day_offset=47,
        start="10:00",
        duration_minutes=120,
        all_day=False,
        tags=("robotique", "programmation", "numérique"),
        audience=("ados",),
        price="5 €",
        capacity=12,
        join_mode="external",
        registration_url=_REG + "vaisseau-robot",
    ),
    DemoEvent(
        actor="levaisseau",
        title="Les cinq sens en jeu pour les 3-6 ans",
        description_md=(
            "Toucher sans voir, reconnaître des odeurs, écouter des sons cachés : un parcours "
            "sensoriel pensé pour les plus jeunes et leurs parents. Les enfants comparent leurs "
            "perceptions et découvrent que nos sens peuvent nous tromper."
        ),
        category="atelier",
        place="vaisseau",
        online_url=None,
        day_offset=61,
        start="10:00",
        duration_minutes=60,
        all_day=False,
        tags=("corps-humain", "perception", "petite-enfance"),
        audience=("enfants", "familles"),
        price="Inclus dans le billet d'entrée",
        capacity=15,
        join_mode="free",
        registration_url=None,
    ),
    # ---- Planétarium de Strasbourg --------------------------------------------------------
    DemoEvent(
        actor="planetarium_strasbourg",
        title="Le ciel du soir, commenté en direct",
        description_md=(
            "Sous le dôme, un médiateur présente le ciel tel qu'il apparaîtra le soir même "
            "depuis un site sombre des Vosges : constellations, planètes visibles, étoiles "
            "brillantes. La séance se termine par vos questions. À partir de 8 ans."
        ),
        category="spectacle",
        place="planetarium_strasbourg",
        online_url=None,
        day_offset=4,
        start="20:00",
        duration_minutes=60,
        all_day=False,
        tags=("astronomie", "planétarium", "constellations"),
        audience=("adultes", "familles"),
        price="8 €",
        capacity=130,
        join_mode="external",
        registration_url=_REG + "planetarium-ciel-du-soir",
    ),
    DemoEvent(
        actor="planetarium_strasbourg",
        title="Visite de la Grande Coupole de l'Observatoire",
        description_md=(
            "Découvrez la **grande lunette de 487 mm** de l'Observatoire de Strasbourg et "
            "l'histoire de l'astronomie sur le campus depuis la fin du XIXe siècle. La visite "
            "passe par la coupole et ses mécanismes. Accès par escalier, prévoir des chaussures "
            "confortables."
        ),
        category="visite",
        place="planetarium_strasbourg",
        online_url=None,
        day_offset=19,
        start="17:30",
        duration_minutes=75,
        all_day=False,
        tags=("astronomie", "patrimoine-scientifique", "observatoire"),
        audience=("adultes", "ados"),
        price="5 €",
        capacity=20,
        join_mode="external",
        registration_url=_REG + "grande-coupole",
    ),
    DemoEvent(
        actor="planetarium_strasbourg",
        title="Exoplanètes : un inventaire en cours",
        description_md=(
            "Plus de cinq mille planètes ont été découvertes autour d'autres étoiles. Comment "
            "les détecte-t-on, que sait-on de leur atmosphère, et que peut-on dire de leur "
            "habitabilité ? Conférence suivie d'un échange ; elle est aussi retransmise en "
            "direct."
        ),
        category="conference",
        place="planetarium_strasbourg",
        online_url=_VISIO + "exoplanetes",
        day_offset=26,
        start="18:30",
        duration_minutes=90,
        all_day=False,
        tags=("astronomie", "exoplanètes", "astrophysique"),
        audience=("adultes", "ados"),
        price=None,
        capacity=130,
        join_mode="free",
        registration_url=None,
    ),
    DemoEvent(
        actor="planetarium_strasbourg",
        title="Observer le Soleil en toute sécurité",
        description_md=(
            "Avec des instruments munis de filtres adaptés, observez les taches solaires et, si "
            "le ciel le permet, les protubérances. Les médiateurs expliquent pourquoi il ne faut "
            "**jamais** regarder le Soleil sans protection, ni à l'œil nu ni avec des jumelles. "
            "Animation annulée en cas de ciel couvert."
        ),
        category="atelier",
        place="jardin_botanique_strasbourg",
        online_url=None,
        day_offset=40,
        start="14:00",
        duration_minutes=120,
        all_day=False,
        tags=("astronomie", "soleil", "observation"),
        audience=("familles",),
        price=None,
        capacity=None,
        join_mode="free",
        registration_url=None,
    ),
    DemoEvent(
        actor="planetarium_strasbourg",
        title="Utiliser un logiciel de planétarium en classe",
        description_md=(
            "Formation à distance pour les enseignants du premier et du second degré : préparer "
            "une séance sur les phases de la Lune ou le mouvement apparent du Soleil avec un "
            "logiciel libre de simulation du ciel. Les participants reçoivent les fichiers de "
            "séance et une fiche d'activités."
        ),
        category="formation",
        place=None,
        online_url=_VISIO + "planetarium-en-classe",
        day_offset=55,
        start="17:00",
        duration_minutes=90,
        all_day=False,
        tags=("astronomie", "enseignement", "logiciel-libre"),
        audience=("professionnels",),
        price=None,
        capacity=60,
        join_mode="restricted",
        registration_url=None,
    ),
    DemoEvent(
        actor="planetarium_strasbourg",
        title="À la découverte du système solaire",
        description_md=(
            "Une séance jeune public pour voyager de planète en planète : tailles, distances et "
            "paysages. Les enfants apprennent à repérer l'étoile Polaire et quelques "
            "constellations faciles. Conseillée de 6 à 10 ans."
        ),
        category="spectacle",
        place="planetarium_strasbourg",
        online_url=None,
        day_offset=75,
        start="14:00",
        duration_minutes=45,
        all_day=False,
        tags=("astronomie", "système-solaire", "jeune-public"),
        audience=("enfants", "familles"),
        price="6 €",
        capacity=130,
        join_mode="external",
        registration_url=_REG + "systeme-solaire",
    ),
    # ---- LORIA (Villers-lès-Nancy) -----------------------------------------------------------
    DemoEvent(
        actor="loria",
        title="L'intelligence artificielle peut-elle se tromper ?",
        description_md=(
            "Reconnaissance d'images, traduction, génération de texte : les systèmes "
            "d'apprentissage automatique font des erreurs, parfois surprenantes. La conférence "
            "montre d'où elles viennent (données, objectifs, contexte) et comment les chercheurs "
            "les mesurent. Séance également diffusée en ligne."
        ),
        category="conference",
        place="museum_aquarium_nancy",
        online_url=_VISIO + "ia-erreurs",
        day_offset=9,
        start="18:00",
        duration_minutes=90,
        all_day=False,
        tags=("intelligence-artificielle", "informatique", "données"),
        audience=("adultes", "ados"),
        price=None,
        capacity=150,
        join_mode="free",
        registration_url=None,
    ),
    DemoEvent(
        actor="loria",
        title="Portes ouvertes du LORIA",
        description_md=(
            "Le laboratoire ouvre ses portes pour une journée de démonstrations : robots, "
            "traitement automatique des langues, sécurité informatique, calcul. Les équipes "
            "présentent leurs travaux en continu.\n\n"
            "**Groupes scolaires** accueillis le matin sur réservation."
        ),
        category="visite",
        place="loria",
        online_url=None,
        day_offset=38,
        start="09:30",
        duration_minutes=450,
        all_day=False,
        tags=("informatique", "recherche", "portes-ouvertes"),
        audience=("adultes", "ados", "scolaires"),
        price=None,
        capacity=400,
        join_mode="free",
        registration_url=None,
    ),
    DemoEvent(
        actor="loria",
        title="L'informatique sans ordinateur : atelier pour enseignants",
        description_md=(
            "Trier des cartes, coder un message avec des jetons, retrouver un chemin sur un "
            "plan : des activités d'informatique « débranchée » à reproduire en classe. "
            "L'atelier est animé par des chercheurs et des médiateurs du laboratoire."
        ),
        category="formation",
        place="loria",
        online_url=None,
        day_offset=70,
        start="14:00",
        duration_minutes=180,
        all_day=False,
        tags=("informatique-débranchée", "enseignement", "algorithmique"),
        audience=("professionnels",),
        price="Gratuit sur réservation",
        capacity=20,
        join_mode="restricted",
        registration_url=None,
    ),
    DemoEvent(
        actor="loria",
        title="Webinaire : la cryptographie post-quantique expliquée",
        description_md=(
            "Pourquoi un ordinateur quantique suffisamment puissant menacerait-il une partie de "
            "la cryptographie actuelle, et par quoi la remplacer ? Trente minutes d'exposé, "
            "trente minutes de questions, sans prérequis mathématiques."
        ),
        category="conference",
        place=None,
        online_url=_VISIO + "crypto-post-quantique",
        day_offset=95,
        start="12:30",
        duration_minutes=60,
        all_day=False,
        tags=("cryptographie", "sécurité", "quantique"),
        audience=("adultes", "professionnels"),
        price=None,
        capacity=None,
        join_mode="free",
        registration_url=None,
    ),
    # ---- Sciences en partage (association, tout le Grand Est) ---------------------------
    DemoEvent(
        actor="sciences_en_partage",
        title="Café des sciences : nos cerveaux et les écrans",
        description_md=(
            "Attention, mémoire, sommeil : que disent vraiment les études sur l'effet des écrans ? "
            "Une chercheuse en sciences cognitives et un pédiatre répondent aux questions du "
            "public, sans jargon. Entrée libre dans la limite des places."
        ),
        category="cafe_sciences",
        place="mediatheque_malraux",
        online_url=None,
        day_offset=7,
        start="18:30",
        duration_minutes=90,
        all_day=False,
        tags=("neurosciences", "écrans", "santé"),
        audience=("adultes",),
        price=None,
        capacity=80,
        join_mode="free",
        registration_url=None,
    ),
    DemoEvent(
        actor="sciences_en_partage",
        title="Balade géologique : les pierres de la cathédrale de Metz",
        description_md=(
            "La cathédrale Saint-Étienne est bâtie en **pierre de Jaumont**, un calcaire doré "
            "extrait près de Metz. En faisant le tour de l'édifice, on apprend à lire fossiles, "
            "couches et altérations, et à reconnaître les pierres de restauration. Rendez-vous "
            "devant le portail, place d'Armes."
        ),
        category="visite",
        place="cathedrale_metz",
        online_url=None,
        day_offset=16,
        start="14:00",
        duration_minutes=120,
        all_day=False,
        tags=("géologie", "patrimoine", "pierre-de-jaumont"),
        audience=("adultes", "familles"),
        price="Gratuit sur réservation",
        capacity=25,
        join_mode="restricted",
        registration_url=None,
    ),
    DemoEvent(
        actor="sciences_en_partage",
        title="Village des sciences de Châlons-en-Champagne",
        description_md=(
            "Deux jours de stands autour de l'hôtel de ville : chercheurs, associations et "
            "lycéens présentent expériences, maquettes et jeux.\n\n"
            "- chimie des couleurs et des parfums ;\n"
            "- climat et agriculture en Champagne ;\n"
            "- fabrication de cerfs-volants et aérodynamique.\n\n"
            "Entrée libre, animations en continu."
        ),
        category="festival",
        place="hotel_de_ville_chalons",
        online_url=None,
        day_offset=52,
        start="00:00",
        duration_minutes=2 * 1440,
        all_day=True,
        tags=("village-des-sciences", "chimie", "climat"),
        audience=("familles", "enfants", "ados", "adultes"),
        price=None,
        capacity=None,
        join_mode="free",
        registration_url=None,
    ),
    DemoEvent(
        actor="sciences_en_partage",
        title="Batteries et voitures électriques : ce que dit la physique",
        description_md=(
            "Au milieu des automobiles de collection, une conférence sur le stockage de "
            "l'énergie : comment fonctionne une batterie lithium-ion, pourquoi elle vieillit, "
            "et quelles ressources minérales elle mobilise. Les comparaisons avec les moteurs "
            "thermiques sont faites sur l'ensemble du cycle de vie."
        ),
        category="conference",
        place="cite_automobile",
        online_url=None,
        day_offset=65,
        start="18:30",
        duration_minutes=90,
        all_day=False,
        tags=("énergie", "batteries", "mobilité"),
        audience=("adultes",),
        price=None,
        capacity=100,
        join_mode="free",
        registration_url=None,
    ),
    DemoEvent(
        actor="sciences_en_partage",
        title="Café des sciences en ligne : la qualité de l'air intérieur",
        description_md=(
            "Aérer, mesurer le CO₂, choisir ses produits d'entretien : une ingénieure en qualité "
            "de l'air répond aux questions posées dans le fil de discussion. Des capteurs à "
            "construire soi-même seront présentés en fin de séance."
        ),
        category="cafe_sciences",
        place=None,
        online_url=_VISIO + "air-interieur",
        day_offset=83,
        start="20:00",
        duration_minutes=75,
        all_day=False,
        tags=("air", "santé", "capteurs"),
        audience=("adultes",),
        price=None,
        capacity=None,
        join_mode="free",
        registration_url=None,
    ),
    DemoEvent(
        actor="sciences_en_partage",
        title="Journée des sciences place Stanislas",
        description_md=(
            "Une journée d'animations en plein air sur la place : microscopes, expériences de "
            "physique, stands des laboratoires et des musées de la métropole. Les enfants "
            "repartent avec un **passeport de l'explorateur** tamponné à chaque stand."
        ),
        category="festival",
        place="place_stanislas",
        online_url=None,
        day_offset=118,
        start="10:00",
        duration_minutes=480,
        all_day=False,
        tags=("village-des-sciences", "plein-air", "expériences"),
        audience=("familles", "enfants", "adultes"),
        price=None,
        capacity=None,
        join_mode="free",
        registration_url=None,
    ),
    # ---- Claire Marchal (chercheuse) --------------------------------------------------------
    DemoEvent(
        actor="claire_marchal",
        title="Lycéennes et lycéens : une journée dans la vie d'une chercheuse",
        description_md=(
            "Une rencontre avec des lycéennes et lycéens pour parler du métier de chercheuse en "
            "informatique : études, journées de travail, collaborations internationales. La "
            "séance se déroule en visioconférence avec les classes inscrites."
        ),
        category="autre",
        place=None,
        online_url=_VISIO + "metier-chercheuse",
        day_offset=22,
        start="10:00",
        duration_minutes=60,
        all_day=False,
        tags=("métiers", "informatique", "égalité"),
        audience=("scolaires", "ados"),
        price=None,
        capacity=8,
        join_mode="restricted",
        registration_url=None,
    ),
    DemoEvent(
        actor="claire_marchal",
        title="Atelier : entraîner un modèle qui reconnaît les feuilles",
        description_md=(
            "À partir de photos prises au jardin, les participants entraînent un petit modèle de "
            "classification, puis cherchent ses faiblesses : feuilles abîmées, arrière-plans "
            "trompeurs, espèces voisines. Apporter un ordinateur portable si possible."
        ),
        category="atelier",
        place="jardin_botanique_nancy",
        online_url=None,
        day_offset=101,
        start="14:00",
        duration_minutes=150,
        all_day=False,
        tags=("intelligence-artificielle", "botanique", "données"),
        audience=("ados", "adultes"),
        price=None,
        capacity=14,
        join_mode="external",
        registration_url=_REG + "modele-feuilles",
    ),
    # ---- Julien Weber (médiateur, Metz) ---------------------------------------------------
    DemoEvent(
        actor="julien_weber",
        title="Fabriquer un spectroscope en carton",
        description_md=(
            "Avec un tube, un morceau de CD et du ruban adhésif, chacun fabrique un spectroscope "
            "et observe la lumière décomposée de différentes lampes. On comprend ainsi comment "
            "les astronomes connaissent la composition des étoiles. Matériel fourni."
        ),
        category="atelier",
        place="mediatheque_malraux",
        online_url=None,
        day_offset=28,
        start="14:30",
        duration_minutes=90,
        all_day=False,
        tags=("lumière", "optique", "fabrication"),
        audience=("enfants", "familles"),
        price=None,
        capacity=18,
        join_mode="external",
        registration_url=_REG + "spectroscope",
    ),
    DemoEvent(
        actor="julien_weber",
        title="La lumière dans les vitraux de la cathédrale de Metz",
        description_md=(
            "Surnommée la « lanterne du Bon Dieu », la cathédrale de Metz possède l'une des plus "
            "grandes surfaces de vitraux de France, du Moyen Âge au XXe siècle. La visite "
            "explique couleurs, pigments et trajets de la lumière, jumelles conseillées pour les "
            "détails."
        ),
        category="visite",
        place="cathedrale_metz",
        online_url=None,
        day_offset=58,
        start="10:30",
        duration_minutes=90,
        all_day=False,
        tags=("lumière", "vitrail", "patrimoine"),
        audience=("adultes", "ados"),
        price="6 €",
        capacity=20,
        join_mode="external",
        registration_url=_REG + "vitraux-metz",
    ),
    DemoEvent(
        actor="julien_weber",
        title="Pollinisateurs au jardin botanique de Metz",
        description_md=(
            "Une sortie pour apprendre à distinguer abeilles sauvages, syrphes et bourdons, et à "
            "observer leurs visites aux fleurs sans les déranger. Les observations rejoindront "
            "un suivi participatif national. Loupes fournies."
        ),
        category="sortie_nature",
        place="jardin_botanique_metz",
        online_url=None,
        day_offset=132,
        start="10:00",
        duration_minutes=120,
        all_day=False,
        tags=("pollinisateurs", "insectes", "biodiversité"),
        audience=("familles", "adultes"),
        price=None,
        capacity=20,
        join_mode="restricted",
        registration_url=None,
    ),
    # ---- Léa Schmitt (naturaliste, Colmar) ------------------------------------------------
    DemoEvent(
        actor="lea_schmitt",
        title="Oiseaux des jardins : apprendre à compter",
        description_md=(
            "Une séance en salle puis au bord de la Lauch pour reconnaître les oiseaux communs "
            "et apprendre le protocole de comptage en un temps fixe. Idéal pour se lancer dans "
            "un observatoire participatif depuis son propre jardin ou son balcon."
        ),
        category="science_participative",
        place="museum_colmar",
        online_url=None,
        day_offset=14,
        start="09:30",
        duration_minutes=150,
        all_day=False,
        tags=("oiseaux", "sciences-participatives", "biodiversité"),
        audience=("adultes", "familles"),
        price=None,
        capacity=20,
        join_mode="restricted",
        registration_url=None,
    ),
    DemoEvent(
        actor="lea_schmitt",
        title="Herbier d'hier et d'aujourd'hui",
        description_md=(
            "Comment constituer un herbier utile à la science ? Récolte raisonnée, séchage, "
            "étiquetage et numérisation, avec des planches anciennes des collections en exemple. "
            "Chaque participant repart avec une planche montée."
        ),
        category="atelier",
        place="museum_colmar",
        online_url=None,
        day_offset=79,
        start="14:00",
        duration_minutes=120,
        all_day=False,
        tags=("botanique", "herbier", "collections"),
        audience=("adultes", "ados"),
        price="4 €",
        capacity=12,
        join_mode="external",
        registration_url=_REG + "herbier-colmar",
    ),
    DemoEvent(
        actor="lea_schmitt",
        title="Balade naturaliste au jardin botanique de Strasbourg",
        description_md=(
            "Le deuxième plus ancien jardin botanique de France, fondé en 1619 et installé sur ce "
            "site depuis 1884, abrite des milliers d'espèces. La balade part à la recherche des "
            "insectes et des oiseaux qui profitent de ces collections en pleine ville."
        ),
        category="sortie_nature",
        place="jardin_botanique_strasbourg",
        online_url=None,
        day_offset=146,
        start="15:00",
        duration_minutes=90,
        all_day=False,
        tags=("biodiversité", "botanique", "nature-en-ville"),
        audience=("familles", "adultes"),
        price=None,
        capacity=25,
        join_mode="free",
        registration_url=None,
    ),
    # ---- Jardin botanique Jean-Marie Pelt ----------------------------------------------------
    DemoEvent(
        actor="jardin_botanique_nancy",
        title="Visite des serres tropicales",
        description_md=(
            "Fougères arborescentes, orchidées, plantes carnivores et cactées : un jardinier "
            "botaniste guide la visite des 2 500 m² de serres et raconte l'origine des "
            "collections. Températures élevées dans certaines serres, pensez à vous découvrir."
        ),
        category="visite",
        place="jardin_botanique_nancy",
        online_url=None,
        day_offset=6,
        start="15:00",
        duration_minutes=75,
        all_day=False,
        tags=("botanique", "serres", "plantes-tropicales"),
        audience=("adultes", "familles"),
        price="5 €",
        capacity=20,
        join_mode="external",
        registration_url=_REG + "serres-tropicales",
    ),
    DemoEvent(
        actor="jardin_botanique_nancy",
        title="Dans les coulisses de la graineterie",
        description_md=(
            "Derrière les allées du parc, une petite équipe prépare les graines qui partent vers "
            "d'autres jardins botaniques et en arrivent. La visite montre le nettoyage, le "
            "séchage et le stockage au froid, et explique pourquoi une banque de graines aide à "
            "sauver des plantes menacées."
        ),
        category="visite",
        place="jardin_botanique_nancy",
        online_url=None,
        day_offset=31,
        start="12:30",
        duration_minutes=60,
        all_day=False,
        tags=("botanique", "graines", "conservation"),
        audience=("adultes",),
        price="Gratuit sur réservation",
        capacity=12,
        join_mode="restricted",
        registration_url=None,
    ),
    DemoEvent(
        actor="jardin_botanique_nancy",
        title="Les plantes qui soignent : conférence",
        description_md=(
            "De la saule à l'aspirine, de la pervenche de Madagascar aux traitements contre "
            "certains cancers : comment une plante devient-elle un médicament ? Une pharmacienne "
            "retrace ces histoires et rappelle les dangers de l'automédication par les plantes."
        ),
        category="conference",
        place="jardin_botanique_nancy",
        online_url=_VISIO + "plantes-qui-soignent",
        day_offset=88,
        start="18:00",
        duration_minutes=90,
        all_day=False,
        tags=("botanique", "pharmacologie", "santé"),
        audience=("adultes",),
        price=None,
        capacity=80,
        join_mode="free",
        registration_url=None,
    ),
    DemoEvent(
        actor="jardin_botanique_nancy",
        title="Troc de graines et de boutures",
        description_md=(
            "Apportez vos graines, boutures et plants en surplus, repartez avec ceux des autres. "
            "Les jardiniers du jardin botanique conseillent sur la conservation des semences et "
            "les variétés adaptées au climat lorrain."
        ),
        category="autre",
        place="jardin_botanique_nancy",
        online_url=None,
        day_offset=160,
        start="10:00",
        duration_minutes=240,
        all_day=False,
        tags=("jardinage", "graines", "partage"),
        audience=("adultes", "familles"),
        price=None,
        capacity=None,
        join_mode="free",
        registration_url=None,
    ),
    # ---- Muséum-Aquarium de Nancy ------------------------------------------------------------
    DemoEvent(
        actor="museum_aquarium_nancy",
        title="Nourrissage commenté des poissons",
        description_md=(
            "Un soigneur explique le régime de quelques pensionnaires des galeries aquarium, la "
            "qualité de l'eau et la reproduction des espèces en captivité. Questions bienvenues, "
            "à partir de 5 ans."
        ),
        category="visite",
        place="museum_aquarium_nancy",
        online_url=None,
        day_offset=3,
        start="11:00",
        duration_minutes=30,
        all_day=False,
        tags=("aquarium", "poissons", "soigneurs"),
        audience=("familles", "enfants"),
        price="Inclus dans le billet d'entrée",
        capacity=40,
        join_mode="free",
        registration_url=None,
    ),
    DemoEvent(
        actor="museum_aquarium_nancy",
        title="Opération hérissons : réunion de lancement en ligne",
        description_md=(
            "Présentation du protocole du tunnel à empreintes pour les bénévoles inscrits ou "
            "curieux : où placer le tunnel, comment préparer l'encre, comment photographier et "
            "transmettre les empreintes. Une séance de questions-réponses suit, et "
            "l'enregistrement reste disponible pour celles et ceux qui ne peuvent pas se "
            "connecter."
        ),
        category="science_participative",
        place=None,
        online_url=_VISIO + "operation-herissons",
        day_offset=10,
        start="19:00",
        duration_minutes=60,
        all_day=False,
        tags=("hérissons", "sciences-participatives", "biodiversité"),
        audience=("adultes", "familles"),
        price=None,
        capacity=None,
        join_mode="free",
        registration_url=None,
    ),
    DemoEvent(
        actor="museum_aquarium_nancy",
        title="Des récifs coralliens sous pression",
        description_md=(
            "Blanchissement, acidification, surpêche : les récifs coralliens figurent parmi les "
            "écosystèmes les plus menacés. Une biologiste marine présente les mécanismes en jeu "
            "et les pistes de protection, exemples des galeries aquarium à l'appui."
        ),
        category="conference",
        place="museum_aquarium_nancy",
        online_url=None,
        day_offset=44,
        start="18:30",
        duration_minutes=90,
        all_day=False,
        tags=("océans", "coraux", "climat"),
        audience=("adultes", "ados"),
        price=None,
        capacity=150,
        join_mode="free",
        registration_url=None,
    ),
    DemoEvent(
        actor="museum_aquarium_nancy",
        title="Enquête au muséum : qui a laissé ces traces ?",
        description_md=(
            "Empreintes, crânes, plumes et pelotes de réjection : les enfants mènent l'enquête "
            "dans la galerie de zoologie pour identifier les animaux de nos forêts. Un livret "
            "d'enquêteur leur est remis à l'entrée. Pour les 7-11 ans."
        ),
        category="atelier",
        place="museum_aquarium_nancy",
        online_url=None,
        day_offset=67,
        start="14:30",
        duration_minutes=90,
        all_day=False,
        tags=("zoologie", "faune-locale", "enquête"),
        audience=("enfants",),
        price="3 €",
        capacity=15,
        join_mode="external",
        registration_url=_REG + "enquete-museum",
    ),
    DemoEvent(
        actor="museum_aquarium_nancy",
        title="Projection-débat : « Les fleuves du Grand Est »",
        description_md=(
            "Un documentaire sur la Moselle, la Meuse et le Rhin, leurs poissons migrateurs et "
            "les obstacles qu'ils rencontrent. La projection est suivie d'un débat avec un "
            "hydrobiologiste. Séance dans l'amphithéâtre Cuénot."
        ),
        category="projection",
        place="museum_aquarium_nancy",
        online_url=None,
        day_offset=109,
        start="19:00",
        duration_minutes=120,
        all_day=False,
        tags=("rivières", "poissons-migrateurs", "documentaire"),
        audience=("adultes",),
        price=None,
        capacity=150,
        join_mode="free",
        registration_url=None,
    ),
    # ---- Planétarium de Reims ----------------------------------------------------------------
    DemoEvent(
        actor="planetarium_reims",
        title="Trouver l'étoile Polaire, et s'orienter la nuit",
        description_md=(
            "Sous la coupole, on apprend à repérer le « chariot » puis à prolonger ses deux "
            "étoiles arrière pour tomber sur l'étoile Polaire. On découvre ensuite pourquoi elle "
            "semble immobile et comment marins et voyageurs s'en servaient pour trouver le nord. "
            "À partir de 8 ans."
        ),
        category="spectacle",
        place="planetarium_reims",
        online_url=None,
        day_offset=11,
        start="15:00",
        duration_minutes=60,
        all_day=False,
        tags=("astronomie", "constellations", "planétarium"),
        audience=("familles", "enfants"),
        price="6 €",
        capacity=50,
        join_mode="external",
        registration_url=_REG + "grande-ourse",
    ),
    DemoEvent(
        actor="planetarium_reims",
        title="L'horloge astronomique de Jean Legros",
        description_md=(
            "Conçue et réalisée par un pharmacien rémois passionné de mécanique, l'horloge "
            "astronomique exposée au planétarium indique bien plus que l'heure. Une présentation "
            "détaillée de ses cadrans et de ses engrenages, suivie d'un temps d'observation."
        ),
        category="visite",
        place="planetarium_reims",
        online_url=None,
        day_offset=36,
        start="16:30",
        duration_minutes=45,
        all_day=False,
        tags=("horlogerie", "patrimoine-scientifique", "astronomie"),
        audience=("adultes", "ados"),
        price=None,
        capacity=25,
        join_mode="free",
        registration_url=None,
    ),
    DemoEvent(
        actor="planetarium_reims",
        title="Lecture de paysage céleste autour de la cathédrale",
        description_md=(
            "Orientation des édifices, cadrans solaires, course du Soleil sur les façades : une "
            "promenade qui montre comment le ciel a façonné la ville. Départ sur le parvis de la "
            "cathédrale, fin au planétarium en tramway pour une courte séance."
        ),
        category="visite",
        place="cathedrale_reims",
        online_url=None,
        day_offset=72,
        start="14:00",
        duration_minutes=150,
        all_day=False,
        tags=("astronomie", "patrimoine", "cadrans-solaires"),
        audience=("adultes", "familles"),
        price="8 €",
        capacity=25,
        join_mode="external",
        registration_url=_REG + "paysage-celeste-reims",
    ),
    DemoEvent(
        actor="planetarium_reims",
        title="Séances scolaires : le jour et la nuit",
        description_md=(
            "Pour les classes de cycle 2 et 3 : pourquoi fait-il nuit, pourquoi les ombres "
            "tournent-elles, pourquoi les jours raccourcissent-ils selon les saisons ? Séance "
            "sous la coupole suivie d'une manipulation avec une maquette Terre-Soleil."
        ),
        category="atelier",
        place="planetarium_reims",
        online_url=None,
        day_offset=124,
        start="09:30",
        duration_minutes=90,
        all_day=False,
        tags=("astronomie", "enseignement", "saisons"),
        audience=("scolaires",),
        price="Gratuit sur réservation",
        capacity=30,
        join_mode="restricted",
        registration_url=None,
    ),
    # ---- Musée Electropolis (Mulhouse) -------------------------------------------------------
    DemoEvent(
        actor="musee_electropolis",
        title="La Grande Machine en mouvement",
        description_md=(
            "Le groupe électrogène Sulzer-BBC, 170 tonnes d'acier, de fonte et de cuivre, est "
            "remis en mouvement devant le public. Un médiateur explique le passage de la vapeur "
            "à l'électricité et le rôle de cette machine dans l'industrie textile mulhousienne."
        ),
        category="visite",
        place="electropolis",
        online_url=None,
        day_offset=8,
        start="15:00",
        duration_minutes=45,
        all_day=False,
        tags=("électricité", "patrimoine-industriel", "machines"),
        audience=("familles", "adultes"),
        price="Inclus dans le billet d'entrée",
        capacity=60,
        join_mode="free",
        registration_url=None,
    ),
    DemoEvent(
        actor="musee_electropolis",
        title="Étincelles et éclairs : démonstrations haute tension",
        description_md=(
            "Cage de Faraday, bobine de Tesla et arcs électriques : un spectacle de démonstrations "
            "pour comprendre l'électricité statique et la foudre. Déconseillé aux porteurs de "
            "stimulateur cardiaque."
        ),
        category="spectacle",
        place="electropolis",
        online_url=None,
        day_offset=35,
        start="16:00",
        duration_minutes=40,
        all_day=False,
        tags=("électricité", "physique", "démonstration"),
        audience=("familles", "enfants", "ados"),
        price="Inclus dans le billet d'entrée",
        capacity=80,
        join_mode="free",
        registration_url=None,
    ),
    DemoEvent(
        actor="musee_electropolis",
        title="Du rail à l'électricité : parcours entre deux musées",
        description_md=(
            "Une visite commune avec la Cité du Train voisine, consacrée à l'électrification des "
            "chemins de fer : locomotives, caténaires et sous-stations. **Billet combiné** à "
            "retirer à l'accueil de la Cité du Train, point de départ de la visite."
        ),
        category="visite",
        place="cite_du_train",
        online_url=None,
        day_offset=86,
        start="10:00",
        duration_minutes=180,
        all_day=False,
        tags=("transport", "électricité", "patrimoine-industriel"),
        audience=("adultes", "ados"),
        price="15 €",
        capacity=25,
        join_mode="external",
        registration_url=_REG + "rail-electricite",
    ),
    DemoEvent(
        actor="musee_electropolis",
        title="Réparer plutôt que jeter : atelier électroménager",
        description_md=(
            "Grille-pain, lampe, bouilloire : avec des bénévoles bricoleurs, apprenez à "
            "diagnostiquer une panne simple et à réparer en sécurité. Le musée présente en "
            "parallèle l'évolution des appareils électroménagers de ses collections."
        ),
        category="atelier",
        place="electropolis",
        online_url=None,
        day_offset=138,
        start="14:00",
        duration_minutes=180,
        all_day=False,
        tags=("réparation", "électroménager", "économie-circulaire"),
        audience=("adultes", "ados"),
        price=None,
        capacity=20,
        join_mode="restricted",
        registration_url=None,
    ),
    # ---- Médiathèque Jacques-Chirac (Troyes) ------------------------------------------------
    DemoEvent(
        actor="mediatheque_troyes",
        title="Le ciel des moines de Clairvaux",
        description_md=(
            "Calendriers, tables de calcul de Pâques, traités d'astronomie : une présentation de "
            "manuscrits scientifiques issus des fonds patrimoniaux, exceptionnellement sortis "
            "des réserves. Nombre de places limité pour la conservation des documents."
        ),
        category="exposition",
        place="mediatheque_troyes",
        online_url=None,
        day_offset=18,
        start="15:00",
        duration_minutes=90,
        all_day=False,
        tags=("manuscrits", "histoire-des-sciences", "patrimoine"),
        audience=("adultes",),
        price="Gratuit sur réservation",
        capacity=15,
        join_mode="external",
        registration_url=_REG + "ciel-clairvaux",
    ),
    DemoEvent(
        actor="mediatheque_troyes",
        title="Atelier numérique : imprimer en 3D une pièce de rechange",
        description_md=(
            "Mesurer, modéliser puis imprimer une petite pièce cassée (clip, bouton, support). "
            "L'atelier présente un logiciel de modélisation gratuit et les réglages de base de "
            "l'imprimante. Apporter si possible l'objet à réparer."
        ),
        category="atelier",
        place="mediatheque_troyes",
        online_url=None,
        day_offset=49,
        start="14:00",
        duration_minutes=150,
        all_day=False,
        tags=("impression-3d", "numérique", "réparation"),
        audience=("ados", "adultes"),
        price=None,
        capacity=8,
        join_mode="restricted",
        registration_url=None,
    ),
    DemoEvent(
        actor="mediatheque_troyes",
        title="Club de lecture scientifique",
        description_md=(
            "Chaque séance, les participants échangent autour d'un essai de vulgarisation choisi "
            "ensemble : cette fois, un livre sur l'histoire de la mesure du temps. Le club se "
            "réunit à la médiathèque et en visioconférence."
        ),
        category="autre",
        place="mediatheque_troyes",
        online_url=_VISIO + "club-lecture-troyes",
        day_offset=92,
        start="18:00",
        duration_minutes=90,
        all_day=False,
        tags=("lecture", "vulgarisation", "temps"),
        audience=("adultes",),
        price=None,
        capacity=20,
        join_mode="free",
        registration_url=None,
    ),
    DemoEvent(
        actor="mediatheque_troyes",
        title="Heure du conte scientifique : la graine et l'arbre",
        description_md=(
            "Des albums lus à voix haute, puis de vraies graines à observer à la loupe et à "
            "semer dans un pot à emporter. Pour les 4-7 ans accompagnés d'un adulte."
        ),
        category="atelier",
        place="mediatheque_troyes",
        online_url=None,
        day_offset=152,
        start="10:30",
        duration_minutes=60,
        all_day=False,
        tags=("botanique", "lecture", "petite-enfance"),
        audience=("enfants", "familles"),
        price=None,
        capacity=12,
        join_mode="free",
        registration_url=None,
    ),
    # ---- Astronomie Grand Est (communauté) --------------------------------------------------
    DemoEvent(
        actor="astronomie_grandest",
        title="La météorite d'Ensisheim, pierre tombée du ciel en 1492",
        description_md=(
            "Au Musée de la Régence, face à la plus ancienne météorite d'Europe dont la chute a "
            "été observée et la masse principale conservée : son histoire, sa composition, et ce "
            "que les chondrites nous apprennent sur la formation du système solaire. Conférence "
            "suivie d'une présentation d'échantillons de météorites."
        ),
        category="conference",
        place="musee_regence",
        online_url=None,
        day_offset=24,
        start="17:00",
        duration_minutes=90,
        all_day=False,
        tags=("météorites", "ensisheim", "histoire-des-sciences"),
        audience=("adultes", "ados", "familles"),
        price=None,
        capacity=60,
        join_mode="free",
        registration_url=None,
    ),
    DemoEvent(
        actor="astronomie_grandest",
        title="Préparer sa première nuit d'observation",
        description_md=(
            "Atelier en ligne pour débutants : choisir un site sombre, lire une carte du ciel, "
            "régler des jumelles, s'habiller chaudement et protéger sa vision nocturne.\n\n"
            "1. applications et cartes utiles ;\n"
            "2. jumelles ou petit télescope ?\n"
            "3. check-list avant de partir."
        ),
        category="formation",
        place=None,
        online_url=_VISIO + "premiere-nuit",
        day_offset=42,
        start="20:30",
        duration_minutes=90,
        all_day=False,
        tags=("astronomie", "débutants", "observation"),
        audience=("adultes", "ados"),
        price=None,
        capacity=None,
        join_mode="free",
        registration_url=None,
    ),
    DemoEvent(
        actor="astronomie_grandest",
        title="Télescopes sur la place Ducale",
        description_md=(
            "Les clubs d'astronomie installent leurs instruments devant le Musée de l'Ardenne et "
            "invitent les passants à regarder le ciel du moment : Lune, planètes, étoiles "
            "doubles ou amas selon ce qui est visible. Soirée maintenue uniquement si le ciel "
            "est dégagé ; confirmation publiée la veille ici même."
        ),
        category="autre",
        place="musee_ardenne",
        online_url=None,
        day_offset=113,
        start="21:00",
        duration_minutes=150,
        all_day=False,
        tags=("astronomie", "observation", "télescopes"),
        audience=("familles", "adultes"),
        price=None,
        capacity=None,
        join_mode="free",
        registration_url=None,
    ),
    DemoEvent(
        actor="astronomie_grandest",
        title="L'horloge astronomique de Strasbourg : calculer le temps",
        description_md=(
            "Le mécanisme actuel de l'horloge de la cathédrale, réalisé par Jean-Baptiste "
            "Schwilgué au XIXe siècle, calcule notamment la date de Pâques grâce à son **comput "
            "ecclésiastique**. Un membre de la communauté décrypte ses cadrans avant le défilé "
            "des automates de midi et demi."
        ),
        category="visite",
        place="cathedrale_strasbourg",
        online_url=None,
        day_offset=178,
        start="11:30",
        duration_minutes=75,
        all_day=False,
        tags=("horlogerie", "astronomie", "patrimoine-scientifique"),
        audience=("adultes", "ados"),
        price="Billet d'accès à l'horloge en sus",
        capacity=20,
        join_mode="restricted",
        registration_url=None,
    ),
)

# --------------------------------------------------------------------------------------------
# Articles and resources (published in the past)
# --------------------------------------------------------------------------------------------

ARTICLES: tuple[DemoArticle, ...] = (
    DemoArticle(
        actor="astronomie_grandest",
        kind="article",
        title="Dossier : la météorite d'Ensisheim, la pierre tombée du ciel en 1492",
        summary=(
            "Tombée dans un champ près d'Ensisheim à la fin du XVe siècle, elle est la plus "
            "ancienne météorite d'Europe dont on ait à la fois observé la chute et conservé la "
            "masse principale. Retour sur une pierre devenue symbole."
        ),
        body_md=(
            "## Une chute racontée par les contemporains\n\n"
            "Le 7 novembre 1492, peu avant midi, une pierre d'environ 127 kilogrammes tombe dans "
            "un champ de blé au sud d'Ensisheim, alors chef-lieu des possessions autrichiennes "
            "de Haute-Alsace. Le bruit de l'explosion est entendu loin à la ronde ; seul un "
            "jeune garçon aurait vu la pierre toucher le sol. Les habitants accourent et en "
            "détachent des fragments, avant que les autorités ne fassent porter le bloc à "
            "l'église.\n\n"
            "## Un présage politique\n\n"
            "Quelques semaines plus tard, Maximilien de Habsbourg, roi des Romains, passe par "
            "Ensisheim. Il voit dans la pierre un signe favorable dans sa guerre contre le roi "
            "de France, en garde quelques éclats et ordonne qu'elle soit conservée dans l'église. "
            "Le poète Sébastien Brant en fait le sujet d'une feuille volante illustrée, "
            "largement diffusée grâce à l'imprimerie naissante : c'est l'une des premières "
            "« nouvelles » d'un phénomène naturel à circuler en Europe.\n\n"
            "## Ce que disent les scientifiques\n\n"
            "- La météorite d'Ensisheim est une **chondrite ordinaire**, une roche qui n'a "
            "presque pas changé depuis la formation du système solaire, il y a environ "
            "4,56 milliards d'années.\n"
            "- À force de prélèvements et de cadeaux, la masse conservée à Ensisheim ne pèse plus "
            "qu'un peu plus de 50 kilogrammes ; des fragments sont dispersés dans des musées du "
            "monde entier.\n"
            "- Il faudra attendre le début du XIXe siècle pour que les savants admettent que des "
            "pierres tombent réellement du ciel.\n\n"
            "## La voir aujourd'hui\n\n"
            "La météorite est exposée au **Musée de la Régence**, dans le palais Renaissance "
            "construit au XVIe siècle au cœur de la ville. Une confrérie de « gardiens de la "
            "météorite » entretient sa mémoire et la ville accueille régulièrement des "
            "rencontres de collectionneurs de minéraux et de météorites."
        ),
        tags=("météorites", "ensisheim", "histoire-des-sciences", "alsace"),
        day_offset=-45,
    ),
    DemoArticle(
        actor="claire_marchal",
        kind="article",
        title="Compte rendu : « Apprendre aux machines », café des sciences à Nancy",
        summary=(
            "Une soixantaine de personnes sont venues débattre des erreurs des systèmes "
            "d'apprentissage automatique. Les questions du public, et nos réponses, en résumé."
        ),
        body_md=(
            "La salle était pleine pour ce café des sciences organisé avec l'association "
            "Sciences en partage. Après une courte introduction sur ce qu'« apprendre » veut "
            "dire pour une machine, la discussion a surtout porté sur trois questions.\n\n"
            "**Pourquoi un modèle se trompe-t-il avec assurance ?** Parce qu'il produit toujours "
            "une réponse, même loin des exemples qu'il a vus : la confiance affichée n'est pas "
            "une probabilité d'avoir raison.\n\n"
            "**Les erreurs sont-elles réparties au hasard ?** Non. Quand certaines situations "
            "sont rares dans les données d'entraînement, les erreurs s'y concentrent ; c'est "
            "pourquoi on évalue un modèle groupe par groupe, et pas seulement en moyenne.\n\n"
            "**Peut-on corriger un modèle ?** On peut compléter les données, contraindre "
            "l'apprentissage ou garder un humain dans la boucle pour les cas incertains ; aucune "
            "solution n'est gratuite.\n\n"
            "Les diapositives et une bibliographie pour aller plus loin sont disponibles sur "
            "demande. Merci à toutes et à tous pour la qualité des échanges !"
        ),
        tags=("intelligence-artificielle", "compte-rendu", "débat"),
        day_offset=-12,
    ),
    DemoArticle(
        actor="planetarium_strasbourg",
        kind="resource",
        title="Fiche pédagogique : suivre les phases de la Lune en classe (cycle 3)",
        summary=(
            "Une séquence de quatre séances pour observer, dessiner et modéliser les phases de "
            "la Lune, avec une maquette simple à fabriquer."
        ),
        body_md=(
            "## Objectifs\n\n"
            "- Observer la Lune sur plusieurs semaines et consigner ses observations.\n"
            "- Comprendre que la Lune est éclairée par le Soleil et que sa forme apparente "
            "dépend de sa position autour de la Terre.\n"
            "- Distinguer phases de la Lune et éclipses.\n\n"
            "## Matériel\n\n"
            "Une lampe, une balle de polystyrène piquée sur un crayon, un carnet d'observation "
            "par élève, un calendrier des phases.\n\n"
            "## Déroulé\n\n"
            "1. **Observer** : chaque élève dessine la Lune quand il la voit, avec la date et "
            "l'heure (la Lune est aussi visible en journée).\n"
            "2. **Comparer** : mise en commun des dessins, classement chronologique.\n"
            "3. **Modéliser** : dans la salle obscurcie, la lampe joue le Soleil, la tête de "
            "l'élève la Terre ; en tournant sur lui-même avec la balle, il voit défiler les "
            "phases.\n"
            "4. **Évaluer** : replacer des images de phases dans l'ordre et expliquer.\n\n"
            "> Rappel de sécurité : on n'observe jamais le Soleil directement, même brièvement."
        ),
        tags=("astronomie", "enseignement", "lune", "cycle-3"),
        day_offset=-30,
    ),
    DemoArticle(
        actor="jardin_botanique_nancy",
        kind="resource",
        title="Livret : reconnaître six arbres remarquables du jardin",
        summary=(
            "Un parcours autonome, à imprimer ou à suivre sur téléphone, pour identifier six "
            "arbres du parc grâce à leurs feuilles, leur écorce et leur silhouette."
        ),
        body_md=(
            "Ce livret accompagne une promenade d'environ une heure dans le parc du jardin "
            "botanique. Pour chaque arbre, il propose trois indices et une anecdote.\n\n"
            "| Arbre | Indice clé |\n"
            "|---|---|\n"
            "| Ginkgo | feuilles en éventail, échancrées au milieu |\n"
            "| Séquoia géant | écorce épaisse, rousse et spongieuse |\n"
            "| Tulipier de Virginie | feuille comme coupée au sommet |\n"
            "| Hêtre pourpre | feuilles ovales, bord ondulé, couleur sombre |\n"
            "| Cyprès chauve | aiguilles caduques, racines en « genoux » près de l'eau |\n"
            "| Chêne pédonculé | glands portés par un long pédoncule |\n\n"
            "**Conseil** : emportez une loupe et un crayon pour relever les empreintes d'écorce. "
            "Merci de ne rien cueillir : les collections vivantes servent à la recherche et à "
            "la conservation."
        ),
        tags=("botanique", "arbres", "parcours", "ressource-pédagogique"),
        day_offset=-20,
    ),
    DemoArticle(
        actor="musee_electropolis",
        kind="article",
        title="La Grande Machine Sulzer-BBC : 170 tonnes d'histoire industrielle",
        summary=(
            "Pièce maîtresse du musée, ce groupe électrogène à vapeur a alimenté une grande "
            "entreprise textile de Mulhouse avant d'être sauvé et restauré. Son histoire en "
            "quelques étapes."
        ),
        body_md=(
            "## Une machine au service du textile\n\n"
            "Au début du XXe siècle, une machine à vapeur construite par **Sulzer** entraîne un "
            "alternateur **BBC** (Brown, Boveri & Cie) pour fournir l'électricité des usines DMC "
            "(Dollfus-Mieg et Compagnie). L'ensemble, long d'une quinzaine de mètres et muni "
            "d'un volant de six mètres de diamètre, tourne pendant des décennies avant d'être "
            "arrêté.\n\n"
            "## Un sauvetage collectif\n\n"
            "À la fin des années 1970, l'entreprise, la ville, la Société industrielle de "
            "Mulhouse, la chambre de commerce et EDF s'associent pour préserver la machine. Il "
            "faut environ **20 000 heures** de restauration pour la remettre en état de marche, "
            "et un bâtiment est conçu autour d'elle : c'est l'origine du musée, ouvert en "
            "1992.\n\n"
            "## Et aujourd'hui ?\n\n"
            "La machine tourne toujours devant les visiteurs, entraînée désormais par un moteur "
            "électrique. Elle sert de point de départ à un parcours qui mène des premières "
            "expériences sur l'électricité statique aux réseaux et aux usages d'aujourd'hui."
        ),
        tags=("électricité", "patrimoine-industriel", "mulhouse"),
        day_offset=-7,
    ),
)

# --------------------------------------------------------------------------------------------
# Job offers and calls
# --------------------------------------------------------------------------------------------

JOB_OFFERS: tuple[DemoJobOffer, ...] = (
    DemoJobOffer(
        actor="sciences_en_partage",
        title="Médiateur·rice scientifique en CDD (12 mois)",
        summary=(
            "L'association recrute un·e médiateur·rice pour animer ateliers, cafés des sciences "
            "et villages des sciences dans le Grand Est, au départ de Nancy."
        ),
        body_md=(
            "## Missions\n\n"
            "- concevoir et animer des ateliers pour les scolaires et le grand public ;\n"
            "- organiser des cafés des sciences avec des chercheuses et chercheurs ;\n"
            "- participer à la coordination des villages des sciences et des projets de "
            "sciences participatives ;\n"
            "- contribuer à la communication de l'association (agenda, réseaux).\n\n"
            "## Profil\n\n"
            "Formation scientifique (bac+3 minimum) et première expérience d'animation. Goût du "
            "travail en équipe, aisance à l'oral. Permis B indispensable : déplacements réguliers "
            "dans la région, parfois en soirée et le week-end.\n\n"
            "## Conditions\n\n"
            "CDD de 12 mois à temps plein, rémunération selon la convention collective de "
            "l'animation, poste basé à Nancy."
        ),
        contract="CDD 12 mois, temps plein",
        place=None,
        deadline_offset=30,
        apply_url="https://example.org/emploi/sciences-en-partage-mediation",
    ),
    DemoJobOffer(
        actor="planetarium_reims",
        title="Animateur·rice de planétarium (CDD 6 mois)",
        summary=(
            "Le Planétarium de Reims cherche un·e animateur·rice pour présenter des séances en "
            "direct sous la coupole et accueillir les groupes scolaires."
        ),
        body_md=(
            "Vous animerez des séances sous la coupole pour tous les publics, adapterez votre "
            "discours à l'âge des spectateurs et participerez à l'accueil des classes.\n\n"
            "**Profil recherché** : solides connaissances en astronomie, expérience d'animation "
            "ou d'enseignement, pratique de l'anglais appréciée. Une formation au logiciel de "
            "simulation du ciel est assurée à l'arrivée.\n\n"
            "Travail certains week-ends et pendant les vacances scolaires."
        ),
        contract="CDD 6 mois, temps plein",
        place="planetarium_reims",
        deadline_offset=21,
        apply_url="https://example.org/emploi/planetarium-reims-animation",
    ),
)

CALLS: tuple[DemoCall, ...] = (
    DemoCall(
        actor="museum_aquarium_nancy",
        title="Appel à bénévoles : à la recherche des hérissons de nos jardins",
        summary=(
            "Le muséum cherche des volontaires pour installer un tunnel à empreintes dans leur "
            "jardin pendant cinq nuits et partager leurs observations."
        ),
        body_md=(
            "Le hérisson d'Europe est un voisin discret dont on connaît mal l'état des "
            "populations en ville. Avec un protocole simple, inspiré des programmes de sciences "
            "participatives du réseau Vigie-Nature, chacun peut contribuer à les recenser.\n\n"
            "**Comment participer ?**\n\n"
            "1. Inscrivez-vous et recevez un tunnel à empreintes en carton, une feuille "
            "d'encre alimentaire et du papier.\n"
            "2. Placez le tunnel dans votre jardin pendant cinq nuits consécutives.\n"
            "3. Photographiez les empreintes chaque matin et déposez vos résultats en ligne.\n\n"
            "Aucune compétence naturaliste n'est nécessaire : une courte formation en ligne "
            "explique comment reconnaître les empreintes de hérisson, de chat ou de "
            "micromammifères. Le protocole ne dérange pas les animaux."
        ),
        kind="volunteers",
        place=None,
        deadline_offset=45,
        url=None,
    ),
    DemoCall(
        actor="sciences_en_partage",
        title="Appel à projets : proposez une animation pour la prochaine Fête de la science",
        summary=(
            "Laboratoires, associations, établissements scolaires et entreprises sont invités à "
            "proposer stands, ateliers ou rencontres pour les villages des sciences du Grand Est."
        ),
        body_md=(
            "Chaque année, la Fête de la science rassemble dans toute la France des milliers "
            "d'animations gratuites. L'association coordonne plusieurs villages des sciences dans "
            "la région et lance son appel à propositions pour la prochaine édition.\n\n"
            "## Qui peut répondre ?\n\n"
            "Toute structure souhaitant partager une démarche scientifique avec le public : "
            "équipe de recherche, association, musée, classe accompagnée de ses enseignants, "
            "entreprise.\n\n"
            "## Ce que nous offrons\n\n"
            "- un emplacement équipé (tables, électricité) sur un village des sciences ;\n"
            "- une aide à la conception d'animations pour le jeune public ;\n"
            "- la communication dans le programme régional.\n\n"
            "Les propositions sont examinées par un comité mêlant chercheurs, médiateurs et "
            "enseignants ; une attention particulière est portée aux projets qui touchent des "
            "publics éloignés de la culture scientifique."
        ),
        kind="projects",
        place=None,
        deadline_offset=60,
        url="https://example.org/appels/fete-de-la-science",
    ),
)
