"""The classify stage: whether a text is a privacy policy, by a weighted score with named parts."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from crawler.items import CaptureItem, Document
from pipelines.normalise import normalise_text
from pipelines.stage import Stage

# score = logistic(sum of the contributions below). 0.5 is where the evidence for and against
# balances. On the reference data (tests/test_classify_quality.py: 202 policies, 34 other pages)
# policies score 0.89 or more and other pages 0.10 or less, so the exact value matters little:
# it stays where the model is neutral rather than being fitted to these pages.
POLICY_THRESHOLD = 0.5

_BIAS = -4.0
_WORD = re.compile(r"\w+")
_WORD_CHAR = re.compile(r"\w")


def _words(*alternatives: str) -> re.Pattern[str]:
    """One pattern for the alternatives, each matched at the start of a word (see _matches).

    The leading \\b is checked after the match, not in the pattern: a pattern whose every
    branch opens with a letter lets the regex engine skip to candidate letters, five times
    faster on a long policy.
    """
    return re.compile("|".join(alternative.removeprefix(r"\b") for alternative in alternatives))


def _matches(pattern: re.Pattern[str], text: str) -> list[str]:
    return [
        match.group(0)
        for match in pattern.finditer(text)
        if match.start() == 0 or not _WORD_CHAR.match(text, match.start() - 1)
    ]


def _count(pattern: re.Pattern[str], text: str) -> int:
    return len(_matches(pattern, text))


# Topics a privacy policy covers, each in English, German, French, Spanish, Italian, Dutch and
# Portuguese. A policy touches most of them; other pages that mention privacy touch a few.
_TOPICS: dict[str, re.Pattern[str]] = {
    "privacy": _words(
        r"privacy",
        r"data protection",
        r"datenschutz",
        r"confidentialit[ée]",
        r"vie priv[ée]e",
        r"protection des donn[ée]es",
        r"privacidad",
        r"protecci[óo]n de (?:los )?datos",
        r"riservatezza",
        r"protezione dei dati",
        r"privacidade",
        r"prote[çc][ãa]o de dados",
        r"gegevensbescherming",
    ),
    "personal data": _words(
        r"personal(?:ly)? (?:identifiable )?(?:data|information|info)\b",
        r"personenbezogen\w* daten",
        r"pers[öo]nlich\w* daten",
        r"donn[ée]es (?:personnelles|[àa] caract[èe]re personnel)",
        r"informations? personnelles?",
        r"datos (?:personales|de car[áa]cter personal)",
        r"informaci[óo]n personal",
        r"dati personali",
        r"persoonsgegevens",
        r"dados pessoais",
        r"informa[çc][õo]es pessoais",
    ),
    "collection": _words(
        r"\bcollect(?:s|ed|ing|ion of)?\b",
        r"\bgather(?:s|ed|ing)?\b",
        r"\bobtain(?:s|ed)?\b",
        r"\berheb\w*",
        r"\berfass\w*",
        r"\bcollect(?:ons|ée?s?|er)\b",
        r"\brecueill\w*",
        r"\brecopil\w*",
        r"\brecog(?:emos|er)\b",
        r"\braccogli\w*",
        r"\bverzamel\w*",
        r"\bcolet\w*",
    ),
    "disclosure": _words(
        r"\b(?:share|disclose[sd]?|disclosure of|sell|sold|rent)\b",
        r"\bweiterg(?:abe|eben)\b",
        r"\bübermitt\w*",
        r"\bpartag\w*",
        r"\bdivulg\w*",
        r"\bcompart\w*",
        r"\bced(?:er|emos)\b",
        r"\bcondivid\w*",
        r"\bverstrekk\w*",
    ),
    "cookies": _words(
        r"\bcookies?\b",
        r"web beacons?",
        r"pixel tags?",
        r"tracking technolog",
        r"local storage",
        r"\btraceurs\b",
    ),
    "third parties": _words(
        r"third[- ]part(?:y|ies)",
        r"\bdritt(?:e|en|er|anbieter)\b",
        r"\btiers\b",
        r"\bterceros\b",
        r"\bterzi\b",
        r"\bderden\b",
        r"\bterceiros\b",
        r"service providers?",
        r"\bdienstleister\b",
        r"\bprestataires?\b",
        r"\bproveedores\b",
        r"\bfornitori\b",
        r"sub-?processors?",
        r"sous-traitants?",
        r"auftragsverarbeit\w*",
    ),
    "consent": _words(
        r"\bconsent",
        r"\beinwillig\w*",
        r"\bconsentement\b",
        r"\bconsentimiento\b",
        r"\bconsenso\b",
        r"\btoestemming\b",
        r"\bconsentimento\b",
        r"\bopt[- ]in\b",
    ),
    "opt-out": _words(
        r"\bopt[- ]out\b",
        r"\bunsubscribe\b",
        r"do not track",
        r"do not sell",
        r"withdraw (?:your )?consent",
        r"\bwiderruf\w*",
        r"\bwiderspruch\w*",
        r"\bd[ée]sinscri\w*",
        r"\bd[ée]sabonne\w*",
        r"retirer (?:votre )?consentement",
        r"darse de baja",
        r"\brevoca\w*",
        r"\bafmelden\b",
    ),
    "rights": _words(
        r"right (?:to|of) (?:access|erasure|rectification|object|deletion|be forgotten"
        r"|data portability|restrict)",
        r"your (?:privacy |legal )?rights",
        r"\bihre rechte\b",
        r"recht auf (?:auskunft|berichtigung|l[öo]schung|einschr[äa]nkung|daten[üu]bertragbarkeit)",
        r"betroffenenrechte",
        r"\bvos droits\b",
        r"droit (?:d'acc[èe]s|de rectification|[àa] l'effacement|d'opposition"
        r"|[àa] la portabilit[ée])",
        r"\bsus derechos\b",
        r"derecho (?:de|a) (?:acceso|rectificaci[óo]n|supresi[óo]n|oposici[óo]n|la portabilidad)",
        r"\bi (?:tuoi|suoi) diritti\b",
        r"diritto (?:di accesso|di rettifica|alla cancellazione|di opposizione)",
        r"\buw rechten\b",
        r"\bseus direitos\b",
    ),
    "laws": _words(
        r"\bgdpr\b",
        r"\bdsgvo\b",
        r"\brgpd\b",
        r"\bccpa\b",
        r"\bcpra\b",
        r"\bcoppa\b",
        r"\blgpd\b",
        r"\bpipeda\b",
        r"\bbdsg\b",
        r"general data protection regulation",
        r"datenschutz-grundverordnung",
        r"r[èe]glement g[ée]n[ée]ral sur la protection des donn[ée]es",
        r"reglamento general de protecci[óo]n de datos",
        r"california consumer privacy act",
        r"children's online privacy protection",
        r"data protection act",
        r"informatique et libert[ée]s",
        r"privacy shield",
        r"safe harbou?r",
        r"data privacy framework",
    ),
    "retention": _words(
        r"\bretain\w*",
        r"\bretention\b",
        r"\b(?:destroy|delete|erase)[sd]? (?:after|when|once|within)\b",
        r"(?:will|are|is) (?:be )?(?:destroyed|deleted|erased)\b",
        r"as long as (?:is )?(?:necessary|needed|required)",
        r"\bspeicherdauer\b",
        r"\baufbewahr\w*",
        r"\bl[öo]schfrist\w*",
        r"dur[ée]e de conservation",
        r"\bconserv(?:ons|ées?|erons)\b",
        r"plazo de conservaci[óo]n",
        r"\bconservaremos\b",
        r"periodo di conservazione",
        r"\bbewaartermijn\b",
    ),
    "controller": _words(
        r"\bcontroller\b",
        r"data protection officer",
        r"\bdpo\b",
        r"\bverantwortlich\w*",
        r"datenschutzbeauftragt\w*",
        r"responsable (?:du|de) (?:traitement|tratamiento)",
        r"responsable del tratamiento",
        r"d[ée]l[ée]gu[ée] [àa] la protection",
        r"delegado de protecci[óo]n",
        r"titolare del trattamento",
        r"verwerkingsverantwoordelijke",
        r"\bencarregado\b",
    ),
    "legal basis": _words(
        r"legitimate interests?",
        r"(?:legal|lawful) (?:basis|bases|grounds?)",
        r"berechtigt\w* interess\w*",
        r"\brechtsgrundlage\w*",
        r"int[ée]r[êe]t l[ée]gitime",
        r"base (?:l[ée]gale|juridique|jur[íi]dica|legal|giuridica)",
        r"\bfinalit[ée]s?\b",
        r"inter[ée]s leg[íi]timo",
        r"legittimo interesse",
        r"gerechtvaardigd belang",
        r"interesse leg[íi]timo",
    ),
    "security": _words(
        r"\bsecur\w*",
        r"\bencrypt\w*",
        r"\bsafeguard\w*",
        r"\bsicherheit\w*",
        r"\bverschl[üu]ssel\w*",
        r"\bs[ée]curit[ée]\b",
        r"\bchiffr\w*",
        r"\bseguridad\b",
        r"\bsicurezza\b",
        r"\bbeveilig\w*",
        r"\bseguran[çc]a\b",
    ),
    "children": _words(
        r"\bchild(?:ren)?\b",
        r"\bminors?\b",
        r"under (?:the age of )?1[3-8]\b",
        r"\bkinder\b",
        r"\bminderj[äa]hrig\w*",
        r"\benfants?\b",
        r"\bmineurs?\b",
        r"\bmenores\b",
        r"\bminori\b",
        r"\bkinderen\b",
        r"\bcrian[çc]as\b",
    ),
    "identifiers": _words(
        r"\bip[- ]?(?:address|adresse|adres)\w*",
        r"adresse ip",
        r"direcci[óo]n ip",
        r"indirizzo ip",
        r"endere[çc]o ip",
        r"e-?mail address",
        r"browser type",
        r"device (?:identifiers?|ids?)\b",
        r"\bgeolocali[sz]",
        r"location data",
        r"\bstandortdaten\b",
        r"g[ée]olocalisation",
    ),
    "policy changes": _words(
        r"changes to (?:this|our) (?:privacy )?(?:policy|statement|notice)",
        r"(?:update|change|modify|revise|amend) (?:this|our) (?:privacy )?"
        r"(?:policy|statement|notice)",
        r"last (?:updated|revised|modified)",
        r"effective (?:date|as of)",
        r"[äa]nderung\w* (?:dieser|der|unserer) datenschutz",
        r"\bstand: ",
        r"modifications? (?:de|[àa]) (?:la |notre |cette )?politique",
        r"derni[èe]re mise [àa] jour",
        r"cambios (?:en|a) (?:la|esta|nuestra) pol[íi]tica",
        r"[úu]ltima actualizaci[óo]n",
        r"ultimo aggiornamento",
        r"laatst bijgewerkt",
    ),
}

# First-person statements of practice and second-person rights: how policies are written, and
# what news about privacy (third person) is not.
_POLICY_VOICE = _words(
    r"\bwe (?:may |will |do not |don't |also |only |automatically |never |might )?"
    r"(?:collect|use|process|share|disclose|store|retain|receive|obtain|gather|sell|keep|transfer"
    r"|protect|rent)\b",
    r"\bour (?:use|collection|processing|disclosure) of\b",
    r"\byour (?:personal )?(?:information|data)\b",
    r"\byou (?:have|may have) (?:the|a) right\b",
    r"\bwir (?:erheben|verarbeiten|speichern|nutzen|erfassen|verwenden|geben|übermitteln)\b",
    r"\bihre (?:personenbezogenen )?daten\b",
    r"\bsie haben (?:das|ein) recht\b",
    r"\bnous (?:collectons|utilisons|traitons|recueillons|partageons|conservons|ne vendons)\b",
    r"\bvos donn[ée]es\b",
    r"\bvous (?:disposez|avez|b[ée]n[ée]ficiez) (?:d'un|du|le|des) droits?\b",
    r"\b(?:recopilamos|recogemos|tratamos|compartimos|conservamos)\b",
    r"\bsus datos\b",
    r"\b(?:raccogliamo|utilizziamo|trattiamo)\b",
    r"\bi (?:tuoi|suoi) dati\b",
    r"\bwij (?:verzamelen|gebruiken|verwerken)\b",
    r"\buw (?:persoons)?gegevens\b",
    r"\b(?:coletamos|utilizamos)\b",
    r"\bseus dados\b",
    # the same in the passive, as policies written in the third person put it
    r"\b(?:information|data) (?:is|are|will be|may be) (?:collected|processed|used|stored"
    r"|retained|shared|disclosed|kept)\b",
    r"\bdaten werden (?:\w+ )?(?:erhoben|verarbeitet|gespeichert|genutzt|weitergegeben"
    r"|gel[öo]scht)",
    r"\bdonn[ée]es (?:sont|seront|peuvent [êe]tre) (?:\w+ )?(?:collect[ée]es|trait[ée]es"
    r"|conserv[ée]es|utilis[ée]es|transmises|destin[ée]es|enregistr[ée]es)",
    r"\bdatos (?:son|ser[áa]n|se) (?:\w+ )?(?:tratad[oa]s|recogid[oa]s|conservad[oa]s|tratan"
    r"|recogen|conservan)",
    r"\bdati (?:sono|saranno) (?:\w+ )?(?:raccolti|trattati|conservati)",
)

# A policy is written to its readers by the organisation: "we", "you", or, in policies written in
# the third person, "the user". Pages about privacy (news, encyclopedias) speak of others. German
# "ihr"/"sie" are ambiguous: "Ihre" counts, "sie" does not.
_READER_WORDS = re.compile(
    r"\b(?:we|us|our|ours|you|your|yours|wir|uns|unser\w*|ihnen|ihre[mnrs]?|nous|notre|nos|vous"
    r"|votre|vos|nosotros|nuestr[oa]s?|usted(?:es)?|noi|nostr[oaie]|vostr[oaie]|wij|ons|onze|uw"
    r"|jij|jouw|n[óo]s|noss[oa]s?|voc[êe]s?"
    r"|lei"  # Italian's formal "you": "i dati che La riguardano"
    # Formal notices speak of themselves in the third person, as the controller or the firm.
    r"|the controller|der verantwortliche|le responsable du traitement|el responsable del"
    r" tratamiento|il titolare|lo studio"
    r"|users?|visitors?|members?|customers?|clients?|data subjects?|utilisat(?:eur|rice)s?"
    r"|membres?|visiteurs?|personnes? concern[ée]es?|(?:be)?nutzer(?:in|innen|s)?|betroffenen?"
    r"|kunden|besucher(?:in|innen)?|usuari[oa]s?|clientes?|visitantes?|utent[ei]|client[ei]"
    r"|visitator[ei]|interessat[oaie]|gebruikers?|klant(?:en)?|bezoekers?|usu[áa]rios?"
    r"|utilizador(?:es)?)\b"
)
# Section headings typical of policies: short lines naming one of these.
_HEADINGS: dict[str, re.Pattern[str]] = {
    "collected": _words(
        r"information (?:that )?we collect",
        r"(?:information|data) (?:we|you) (?:collect|provide)",
        r"(?:what|which) (?:personal )?(?:information|data)",
        r"collection of",
        r"erhobene daten",
        r"welche daten",
        r"donn[ée]es (?:collect[ée]es|que nous)",
        r"datos que recopilamos",
        r"quali dati",
    ),
    "use": _words(
        r"how (?:we|do we) use",
        r"use of (?:your )?(?:personal )?(?:information|data)",
        r"purposes?",
        r"zweck",
        r"finalit[ée]s?",
        r"finalidad",
        r"utilisation de",
    ),
    "sharing": _words(
        r"shar(?:e|ing)",
        r"disclos",
        r"third[- ]part",
        r"empf[äa]nger",
        r"weitergabe",
        r"destinataires",
        r"destinatarios",
        r"partage",
    ),
    "cookies": _words(r"cookies?", r"tracking"),
    "rights": _words(r"rights", r"choices", r"rechte", r"droits", r"derechos", r"diritti"),
    "security": _words(r"security", r"sicherheit", r"s[ée]curit[ée]", r"seguridad", r"protect"),
    "retention": _words(
        r"retention", r"how long", r"speicherdauer", r"conservation", r"conservaci[óo]n"
    ),
    "children": _words(r"children", r"minors", r"kinder", r"enfants", r"menores"),
    "transfers": _words(r"transfers?", r"[üu]bermittlung", r"transferencias?"),
    "contact": _words(r"contact", r"questions", r"kontakt", r"nous contacter", r"contacto"),
    "changes": _words(
        r"changes", r"updates", r"amendments", r"[äa]nderung", r"modifications?", r"cambios"
    ),
    "controller": _words(
        r"controller", r"who we are", r"verantwortlich", r"responsable", r"titolare"
    ),
    "legal basis": _words(
        r"legal bas[ie]s", r"lawful basis", r"rechtsgrundlage", r"base (?:l[ée]gale|jur[íi]dica)"
    ),
}
_HEADING_MAX_WORDS = 10

# Pages that stand at a policy's URL without being one. Wording that a real policy can contain
# too ("you will be redirected to...", "cookie settings") weighs in full only in a short text.
_STUBS: dict[str, tuple[float, re.Pattern[str]]] = {
    "not found": (
        3.0,
        _words(
            r"\b(?:page|file|document|url|resource)s? (?:was |is |could )?not (?:be )?found\b",
            r"\b404\b",
            r"can(?:no|')t (?:be )?find (?:that|the|this) page",
            r"(?:could|can)(?:no|n')?t be found",
            r"(?:does not|doesn't|no longer) exists?\b",
            r"is (?:no longer|not) available",
            r"seite (?:wurde )?nicht gefunden",
            r"existiert (?:leider )?nicht",
            r"page (?:introuvable|non trouv[ée]e)",
            r"n'existe (?:pas|plus)",
            r"p[áa]gina no encontrada",
            r"no (?:se ha )?(?:podido )?encontra",
            r"pagina non trovata",
            r"pagina niet gevonden",
        ),
    ),
    "parked domain": (
        4.0,
        _words(
            r"domain (?:name )?(?:may be |is |might be )?(?:for sale|available)",
            r"buy this domain",
            r"make an offer",
            r"this domain (?:is|has been) (?:parked|registered)",
            r"\bparked (?:free|page|domain|by)",
            r"domain parking",
            r"inquire about (?:this|the) domain",
            r"sponsored listings",
            r"related searches",
            r"domain (?:steht zum verkauf|kaufen|ist zu verkaufen)",
            r"domaine (?:est )?(?:[àa] vendre|en vente)",
            r"acheter ce (?:nom de )?domaine",
            r"dominio (?:en venta|est[áa] a la venta)",
        ),
    ),
    "login wall": (
        3.0,
        _words(
            r"(?:sign|log) ?in to (?:continue|view|access)",
            r"please (?:sign|log) ?in\b",
            r"you (?:must|need to) (?:be logged in|be signed in|log ?in|sign ?in)",
            r"forgot (?:your )?password",
            r"remember me",
            r"keep me (?:signed|logged) in",
            r"don't have an account",
            r"(?:sign|log) in with (?:google|facebook|apple|microsoft)",
            r"bitte (?:melden sie sich an|einloggen|anmelden)",
            r"passwort vergessen",
            r"angemeldet bleiben",
            r"connectez-vous",
            r"vous devez [êe]tre connect[ée]",
            r"mot de passe oubli[ée]",
            r"rester connect[ée]",
            r"iniciar sesi[óo]n",
            r"olvidaste (?:tu|su) contrase[ñn]a",
        ),
    ),
    "cookie wall": (
        3.0,
        _words(
            r"accept all",
            r"reject all",
            r"allow all",
            r"deny all",
            r"accept cookies",
            r"manage (?:cookie )?(?:preferences|options|choices)",
            r"we value your privacy",
            r"we and our (?:\d+ )?partners",
            # purpose names of the advertising industry's consent framework, as walls show them
            r"store and/or access information on a device",
            r"personali[sz]ed (?:advertising|ads) and content",
            r"speichern und/oder (?:greifen )?auf informationen auf ihrem ger[äa]t",
            r"personalisierte anzeigen und inhalte",
            r"stocker et(?:/ou)? acc[ée]der [àa] des informations",
            r"publicit[ée]s et contenu personnalis[ée]s",
            r"anuncios y contenido personalizados",
            r"click to consent",
            r"alle (?:cookies )?(?:akzeptieren|ablehnen)",
            r"nur notwendige",
            r"wir und unsere partner",
            r"einstellungen verwalten",
            r"tout (?:accepter|refuser)",
            r"continuer sans accepter",
            r"nos partenaires et nous",
            r"param[ée]trer les cookies",
            r"aceptar (?:todo|todas)",
            r"rechazar todo",
            r"nosotros y nuestros socios",
        ),
    ),
    "moved": (
        3.0,
        _words(
            r"(?:page|document|site|content|policy) (?:has|have) (?:been )?moved",
            r"moved (?:permanently|temporarily)",
            r"has a new (?:home|address|location)",
            r"(?:you are being|will be) redirected",
            r"if you are not redirected",
            r"\bredirecting\b",
            r"weitergeleitet",
            r"\bweiterleitung\b",
            r"seite ist umgezogen",
            r"(?:a|ont) [ée]t[ée] d[ée]plac[ée]e?s?",
            r"\bredirig[ée]",
            r"redirection en cours",
            r"se ha (?:movido|trasladado)",
            r"redirigiendo",
            r"got an http 30\d response",
        ),
    ),
    "blocked": (
        3.0,
        _words(
            r"too many requests",
            r"you appear to be a bot",
            r"are you a (?:robot|human)",
            r"verify (?:that )?you are (?:a )?human",
            r"checking your browser",
            r"access denied",
            r"\b403 forbidden\b",
            r"(?:service|temporarily) unavailable",
            r"internal server error",
            r"bad gateway",
            r"javascript is (?:disabled|required)",
            r"please enable javascript",
            r"zugriff verweigert",
            r"acc[èe]s refus[ée]",
        ),
    ),
    "archive notice": (
        5.0,
        _words(
            r"wayback machine has not archived",
            r"excluded from the wayback machine",
            r"got an http \d{3} response at crawl time",
            r"about this capture",
        ),
    ),
    "shop": (
        2.0,
        _words(
            r"add to (?:cart|basket|bag)",
            r"shopping (?:cart|bag)",
            r"free (?:shipping|delivery)",
            r"new arrivals",
            r"shop now",
            r"best ?sellers?",
            r"in den warenkorb",
            r"kostenlose[rn]? versand",
            r"jetzt (?:kaufen|entdecken)",
            r"ajouter au panier",
            r"livraison (?:gratuite|offerte)",
            r"a[ñn]adir al carrito",
            r"env[íi]o gratis",
        ),
    ),
}
# A stub's wording counts in full up to this many words, then in proportion 1/length.
_STUB_FULL_WEIGHT_WORDS = 400

_PRICE = re.compile(r"[$€£]\s?\d+(?:[.,]\d{2})?|\d+[.,]\d{2}\s?(?:€|eur\b|usd\b)")
_REPORTING = re.compile(
    r"\b(?:said|says|told|reported|reporters?|spokes(?:man|woman|person)|"
    r"correspondent|min read|related stories|read more|sagte|teilte mit|a d[ée]clar[ée]|"
    r"a indiqu[ée]|selon (?:le|la|les)|a rappel[ée]|declar[óo])\b"
)
# A policy speaks of itself ("this policy"); pages that only point to one say "our policy".
_SELF_REFERENCE = _words(
    r"\bthis (?:online )?(?:privacy |data protection |cookie )?(?:policy|statement|notice)\b",
    r"\bdiese[rn]? (?:datenschutz\w*|erkl[äa]rung|richtlinie)",
    r"\bla pr[ée]sente (?:politique|charte|notice)",
    r"\bcette (?:politique|charte|notice)\b",
    r"\besta (?:pol[íi]tica|declaraci[óo]n|aviso)\b",
    r"\bla presente (?:informativa|pol[íi]tica|privacy)",
    r"\bquesta (?:informativa|policy)\b",
    r"\bdeze (?:privacyverklaring|verklaring|privacy policy)\b",
    r"\besta (?:pol[íi]tica de privacidade)\b",
)
_POLICY_TITLE = _words(
    r"privacy",
    r"datenschutz",
    r"confidentialit[ée]",
    r"donn[ée]es personnelles",
    r"vie priv[ée]e",
    r"privacidad",
    r"datos personales",
    r"riservatezza",
    r"informativa",
    r"privacidade",
    r"privacyverklaring",
    r"data protection",
    r"cookie (?:policy|notice)",
)
_POLICY_URL = _words(
    r"privacy",
    r"privacidad",
    r"privacidade",
    r"datenschutz",
    r"dsgvo",
    r"confidentialit",
    r"donnees-personnelles",
    r"data-?protection",
    r"privacybeleid",
    r"riservatezza",
)
# About 8,000 words: more than most policies, enough to judge those that are longer.
_READ_CHARS = 50_000


@dataclass(frozen=True, slots=True)
class PolicyScore:
    is_policy: bool
    score: float  # 0..1
    reasons: tuple[str, ...]  # each feature that weighed, strongest first: "name: detail (+1.20)"


def _length(words: int) -> float:
    if words < 60:
        return -3.0
    if words < 150:
        return -1.5
    if words < 250:
        return -0.5
    if words < 800:
        return 0.0
    return 0.5 if words < 2000 else 1.0


Evidence = list[tuple[float, str]]  # (contribution to the logit, why)


def _evidence_for(body: str, read_words: int, words: int) -> Evidence:
    """What makes the text read like a policy: its topics, voice, headings, length."""
    counts = {name: _count(pattern, body) for name, pattern in _TOPICS.items()}
    topics = [name for name, count in counts.items() if count]
    density = 100 * sum(counts.values()) / max(read_words, 1)
    # Topics are the main evidence: a policy covers many, a page about something else few. They
    # count in full in a text that speaks as "we" to "you" or of "the user" (2 per 100 words or
    # more: every reference policy does), down to 40% in one that speaks of others.
    readers = 100 * len(_READER_WORDS.findall(body)) / max(read_words, 1)
    addressed = 0.4 + 0.6 * min(1.0, readers / 2.0)
    evidence = [
        (
            0.6 * len(topics) * addressed,
            f"{len(topics)} policy topics ({', '.join(topics[:6])}...)",
        ),
        (0.5 * min(density, 4.0) * addressed, f"policy terms {density:.1f} per 100 words"),
    ]
    if readers < 2.0:
        evidence.append(
            (-3.0 if readers < 1.0 else -1.5, f"'we'/'you'/'users' {readers:.1f} per 100 words")
        )
    voice = _count(_POLICY_VOICE, body)
    evidence.append(
        (
            0.25 * min(voice, 8) if voice else -1.5,
            f"{voice} statements of practice ('we collect', 'your data')",
        )
    )
    headings = {
        name
        for line in body.split("\n")
        if 0 < len(_WORD.findall(line)) <= _HEADING_MAX_WORDS
        for name, pattern in _HEADINGS.items()
        if _matches(pattern, line)
    }
    evidence.append((0.3 * min(len(headings), 6), f"{len(headings)} policy headings"))
    itself = _count(_SELF_REFERENCE, body)
    if itself:
        evidence.append(
            (1.0 if itself > 1 else 0.6, f"speaks of itself {itself} times ('this policy')")
        )
    evidence.append((_length(words), f"{words} words"))
    return evidence


def _evidence_against(body: str, title: str, read_words: int, words: int) -> Evidence:
    """What makes it read like something else standing at the policy's URL."""
    evidence = []
    shortness = min(1.0, _STUB_FULL_WEIGHT_WORDS / max(words, 1))
    for name, (weight, pattern) in _STUBS.items():
        in_title = bool(title and _matches(pattern, title))
        found = sorted(set(_matches(pattern, body)))
        if in_title or found:
            # Each further phrase of the same kind adds half as much again, up to twice.
            strength = 1.0 if in_title else shortness * min(2.0, 0.5 + 0.5 * len(found))
            phrases = ", ".join(repr(phrase) for phrase in found[:3])
            where = f"title, {phrases}" if in_title else phrases
            evidence.append((-weight * strength, f"{name} wording: {where}"))
    prices = _count(_PRICE, body)
    if prices >= 3:
        evidence.append((-min(3.0, 0.5 * prices) * shortness, f"{prices} prices"))
    reporting = 1000 * _count(_REPORTING, body) / max(read_words, 1)
    if reporting >= 3:
        evidence.append(
            (-min(4.0, reporting / 3), f"news reporting {reporting:.0f} per 1,000 words")
        )
    lines = [line for line in body.split("\n") if line.strip()]
    if len(lines) >= 12:
        short = sum(1 for line in lines if len(_WORD.findall(line)) <= 3) / len(lines)
        if short > 0.5:
            evidence.append(
                (-6.0 * (short - 0.5), f"navigation-like: {short:.0%} of lines are 1-3 words")
            )
    return evidence


def score_policy(
    text: str,
    title: str | None = None,
    url: str | None = None,
    language: str | None = None,
) -> PolicyScore:
    """How much `text` (with its page title and URL) reads like a privacy policy.

    `language` is accepted for callers that know it; the vocabulary covers English, German,
    French, Spanish, Italian, Dutch and Portuguese whatever it says.
    """
    whole = normalise_text(text).lower()
    title_text = normalise_text(title or "").lower()
    words = len(_WORD.findall(whole))
    # What a page is shows in its first pages of text; reading no further bounds the time.
    body = whole[:_READ_CHARS]
    read_words = words if body is whole else len(_WORD.findall(body))
    evidence = _evidence_for(body, read_words, words)
    if title_text and _matches(_POLICY_TITLE, title_text):
        evidence.append((1.0, f"title {title!r}"))
    if url and _POLICY_URL.search(url.lower()):
        evidence.append((0.5, "policy word in URL"))
    evidence += _evidence_against(body, title_text, read_words, words)
    evidence = [(value, reason) for value, reason in evidence if value]

    logit = _BIAS + sum(value for value, _ in evidence)
    score = 1.0 / (1.0 + math.exp(-logit))
    evidence.sort(key=lambda item: -abs(item[0]))
    return PolicyScore(
        is_policy=score >= POLICY_THRESHOLD,
        score=round(score, 4),
        reasons=tuple(f"{reason} ({value:+.2f})" for value, reason in evidence),
    )


def classify_document(document: Document, url: str | None) -> Document:
    """The classification step: is it a privacy policy at all?"""
    score = score_policy(document.text, document.title, url, document.language)
    return replace(
        document, is_policy=score.is_policy, policy_score=score.score, policy_reasons=score.reasons
    )


class ClassifyPipeline(Stage):
    """Scores each capture's Document as a policy or not; non-policies are kept, and flagged."""

    def process_item(self, item):
        if isinstance(item, CaptureItem) and item.document is not None:
            item.document = classify_document(item.document, item.url)
            if not item.document.is_policy:
                self.crawler.stats.inc_value("policytrail/not_a_policy")
        return item
