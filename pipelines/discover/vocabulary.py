"""How home pages name the link to their privacy policy, and the links that only look like it.

Data, apart from the logic that reads it (`links.py`). Phrases are lower case, matched against
a link's text with its punctuation and spacing evened out. The full titles are the classifier's
(`pipelines/classify/titles.py`); the short forms are what a footer says for them.
"""

from __future__ import annotations

import re

from pipelines.classify.titles import TITLES

# fmt: off
# What a link to the policy says in full: the policy's own titles, and the usual long forms.
POLICY_TITLES: frozenset[str] = frozenset((
    *TITLES["privacy"],
    "online privacy policy", "website privacy policy", "privacy policy and cookies",
    "privacy and cookie notice", "privacy & cookie notice", "privacy policy & cookies",
    "our privacy policy", "privacy policy (updated)", "global privacy policy",
    "customer privacy notice", "consumer privacy policy", "privacy & security",
    "privacy and security", "security & privacy", "security and privacy", "legal & privacy",
    "legal and privacy", "privacy & legal", "privacy and legal", "privacy & terms",
    "privacy and terms", "terms & privacy", "terms and privacy", "data privacy",
    "data protection",
    "datenschutzerklärung und cookies", "datenschutz & cookies",
    "politique de confidentialité et cookies",
    "confidentialité et cookies", "données personnelles", "politique de confidentialite",
    "aviso de privacidad integral", "aviso de privacidad simplificado", "privacidad",
    "política de privacidad y cookies", "informativa privacy e cookie", "privacy e cookie",
    "privacy & cookie", "privacybeleid en cookies", "privacy- en cookiebeleid",
    "privacidade", "política de privacidade e cookies",
))
# A hub of privacy pages (the policy, settings, requests): the policy when nothing else is linked.
PRIVACY_HUBS: frozenset[str] = frozenset((
    "privacy center", "privacy centre", "privacy hub", "privacy portal", "privacy overview",
    "trust center", "trust & privacy", "datenschutz-center", "datenschutzcenter",
    "centre de confidentialité", "espace confidentialité", "centro de privacidad",
    "portal de privacidade", "centro privacy", "privacycentrum",
))
# What a footer says for it in one or two words.
SHORT_FORMS: frozenset[str] = frozenset((
    "privacy", "your privacy", "privacy policy", "privacy notice", "privacy statement",
    "datenschutz", "confidentialité", "confidentialite", "privacidad", "privacidade",
    "privacyverklaring", "privacybeleid", "vie privée", "protection des données",
    "protección de datos", "proteção de dados", "tietosuoja", "personvern", "integritet",
    "prywatność", "gizlilik", "datenschutzerklarung",
))
# fmt: on

# A word of privacy in a link's text, as `links.fold` writes it (no accents on Latin letters).
PRIVACY_WORD = re.compile(
    r"privac|privatsph|datenschutz|confidentialit|vie priv|donnees personnelles"
    r"|protection des donn|proteccion de datos|protecao de dados|dati personali"
    r"|personvern|integritet|prywatno|gizlilik|tietosuoja|yksityisyy|adatvedelem|privatumo"
    r"|zasebnost|ochrana osobnich|ochrana osobnych|data protection|プライバシー|個人情報"
    r"|隐私|隱私|개인정보"
    # personal data and its protection, where a language names the policy so
    r"|personuppgift|dataskydd|personoplysning|databeskyttelse|personopplysning"
    r"|gegevensbescherming|persoonsgegevens|ochrona danych|danych osobowych|soukromi"
    r"|protezione dei dati|datos personales|dados pessoais"
)
# The same in a URL's path and query (decoded and folded; words joined by - or _).
PRIVACY_PATH = re.compile(
    r"privacy|privacidad|privacidade|datenschutz|dsgvo|confidentialit|vie[-_]?privee"
    r"|donnees[-_]?perso|protection[-_]des[-_]donnees|proteccion[-_](?:de[-_])?datos"
    r"|protecao[-_](?:de[-_])?dados|privacybeleid|privacyverklaring|data[-_]?protection"
    r"|personvern|integritet|prywatnos|gizlilik|tietosuoja|privpol"
    r"|personuppgift|dataskydd|personoplysning|databeskyttelse|personopplysning"
    r"|gegevensbescherming|persoonsgegevens|ochrona[-_]danych|dane[-_]osobowe|soukromi"
    r"|ochrana[-_]osobnich|protezione[-_](?:dei[-_])?dati|datos[-_]personales"
    r"|dados[-_]pessoais"
)
# Links that name privacy but lead elsewhere: consent and e-mail settings, opt-outs, seals and
# frameworks, the notices for one audience or one state. Each costs a link most of its score.
# Matched, as the others, against folded text.
NOT_THE_POLICY = re.compile(
    r"settings|preference|einstellungen|parametres|gerer|manage|choices|do not sell"
    r"|don't sell|opt[- ]?out|unsubscribe|seal|truste|bbbonline|certified|shield|children"
    r"|kids|child|california|ccpa"
)
# Cookie-only links: the cookie policy sits beside the privacy policy on most sites.
COOKIES_ONLY = re.compile(r"cookie|trackers?\b")
# A parked domain's page: its links are the parking company's, its policy too. One clear cue
# suffices; the listings' wording ("related searches") needs a second cue.
PARKED = re.compile(
    r"(?:this|the) domain(?: name)? (?:is|may be|might be) for sale|buy this domain"
    r"|(?:this|the) domain (?:name )?is parked|parked (?:free|domain|by)|domain parking"
    r"|diese domain (?:steht zum verkauf|kaufen|ist geparkt)|ce (?:nom de )?domaine est à vendre"
    r"|este dominio (?:está )?(?:en venta|a la venta)|questo dominio è in vendita"
    r"|dit domein is te koop|este domínio está à venda"
)
PARKED_LISTINGS = re.compile(r"related (?:searches|links)|sponsored (?:listings|links)")
# Hosts whose privacy pages are their own, never a site's: seals, platforms, consent vendors.
THIRD_PARTY_HOSTS = frozenset(
    (
        "truste.com",
        "truste.org",
        "trustarc.com",
        "bbbonline.org",
        "bbb.org",
        "privacyshield.gov",
        "esrb.org",
        "google.com",
        "youtube.com",
        "facebook.com",
        "twitter.com",
        "x.com",
        "instagram.com",
        "linkedin.com",
        "cookiebot.com",
        "onetrust.com",
        "cookielaw.org",
        "consensu.org",
        "usercentrics.eu",
        "didomi.io",
        "quantcast.com",
        "iubenda.com",
        "termly.io",
        "networkadvertising.org",
        "aboutads.info",
        "youronlinechoices.com",
        "youradchoices.com",
    )
)
