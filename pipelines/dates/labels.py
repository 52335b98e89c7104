"""The words policies put before (or after) their own dates, per language: data, not logic.

Each entry is a regular-expression fragment, matched case-insensitively at a word start. A
label's kind is what the policy says of the date: `updated`, `revised` and `modified` look back
(the date cannot be after the capture), `effective` looks ahead (a notice is often posted before
it takes effect), `posted`, `dated` and `version` say neither. Month names are not here: they
come from the Unicode CLDR through Babel (`pipelines/dates/months.py`).
"""

from __future__ import annotations

LOOKING_BACK = frozenset({"updated", "revised", "modified"})
LOOKING_AHEAD = frozenset({"effective"})

LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "updated": (r"last[- ]?updated", r"updated", r"last update", r"last changed"),
        "revised": (
            r"(?:last )?revised",
            r"(?:last |date of (?:the )?last )?revision",
            r"rev\.",
            r"(?:last )?amended",
        ),
        "modified": (r"(?:last )?modified", r"last modification"),
        "effective": (
            r"effective",
            r"in effect",
            r"takes? effect",
            r"appl(?:y|ies) from",
            r"applicable from",
            r"valid from",
            r"(?:comes? )?into force",
            r"in force from",
        ),
        "posted": (r"posted", r"published", r"issued"),
        "version": (r"version",),
        "dated": (
            r"as of",
            r"dated",
            r"(?:privacy (?:policy|statement|notice)|policy|statement|notice)\s+(?:dated|of)",
            r"date\s*:",
        ),
    },
    "de": {
        "updated": (
            r"zuletzt aktualisiert",
            r"aktualisiert",
            r"(?:letzte )?aktualisierung",
            r"(?-i:Stand\b)",
        ),
        "revised": (r"überarbeitet",),
        "modified": (r"(?:zuletzt )?geändert", r"letzte änderung"),
        "effective": (
            r"gültig ab",
            r"gültig seit",
            r"gilt ab",
            r"gelten ab",
            r"in kraft",
            r"wirksam ab",
        ),
        "posted": (r"veröffentlicht",),
        "version": (r"fassung", r"version"),
        "dated": (
            r"(?:datenschutzerklärung|datenschutzhinweise)\s+vom",
            r"datum\s*:",
        ),
    },
    "fr": {
        "updated": (r"(?:dernière )?mise à jour", r"mis à jour", r"mise a jour", r"à jour"),
        "revised": (r"révisée?", r"révision"),
        "modified": (r"(?:dernière )?modification", r"modifiée?"),
        "effective": (
            r"(?:entrée )?en vigueur",
            r"applicable à (?:partir|compter) d[eu]",
            r"s['’]applique à partir d[eu]",
            r"à compter du",
            r"prend effet",
        ),
        "posted": (r"publié",),
        "version": (r"version",),
        "dated": (r"politique de confidentialité\s+du", r"date\s*:"),
    },
    "es": {
        "updated": (r"(?:última )?actualización", r"actualizad[oa]"),
        "revised": (r"revisad[oa]", r"(?:última )?revisión"),
        "modified": (r"(?:última )?modificación", r"modificad[oa]"),
        "effective": (
            r"vigente desde",
            r"(?:entrada )?en vigor",
            r"efectiv[oa] desde",
            r"se aplica a partir del?",
        ),
        "posted": (r"publicad[oa]",),
        "version": (r"versión",),
        "dated": (r"política de privacidad\s+del?", r"fecha\s*:"),
    },
    "it": {
        "updated": (r"(?:ultimo )?aggiornamento", r"aggiornat[oa]"),
        "revised": (r"revisione",),
        "modified": (r"(?:ultima )?modifica", r"modificat[oa]"),
        "effective": (
            r"(?:entrata )?in vigore",
            r"efficace dal",
            r"valid[oa] dal",
            r"si applica dal",
            r"applicabile dal",
        ),
        "posted": (r"pubblicat[oa]",),
        "version": (r"versione",),
        "dated": (r"informativa(?: sulla)? privacy\s+del", r"data\s*:"),
    },
    "nl": {
        "updated": (r"laatst bijgewerkt", r"bijgewerkt", r"laatste update"),
        "revised": (r"herzien",),
        "modified": (r"(?:laatst )?gewijzigd", r"laatste wijziging"),
        "effective": (
            r"van kracht",
            r"ingangsdatum",
            r"geldig vanaf",
            r"geldt vanaf",
            r"in werking",
        ),
        "posted": (r"gepubliceerd",),
        "version": (r"versie",),
        "dated": (r"(?:privacyverklaring|privacybeleid)\s+van", r"datum\s*:"),
    },
    "pt": {
        "updated": (r"(?:última )?atualização", r"atualizad[oa]"),
        "revised": (r"(?:última )?revisão",),
        "modified": (r"(?:última )?alteração", r"alterad[oa]"),
        "effective": (
            r"(?:entra(?:da)? )?em vigor",
            r"vigente a partir d[eo]",
            r"válid[oa] a partir d[eo]",
            r"aplica-se a partir d[eo]",
        ),
        "posted": (r"publicad[oa]",),
        "version": (r"versão",),
        "dated": (r"data\s*:",),
    },
    "sv": {
        "updated": (r"(?:senast )?uppdaterad", r"senaste uppdatering"),
        "revised": (r"reviderad",),
        "modified": (r"(?:senast )?ändrad",),
        "effective": (r"gäller från", r"gäller fr\.o\.m\.", r"träder i kraft", r"giltig från"),
        "version": (r"version",),
        "dated": (r"datum\s*:",),
    },
    "da": {
        "updated": (r"(?:sidst |senest )?opdateret",),
        "revised": (r"revideret",),
        "modified": (r"(?:sidst )?ændret",),
        "effective": (r"gældende fra", r"træder i kraft", r"ikrafttræden"),
        "version": (r"version",),
        "dated": (r"dato\s*:",),
    },
    "nb": {
        "updated": (r"(?:sist )?oppdatert",),
        "revised": (r"revidert",),
        "modified": (r"(?:sist )?endret",),
        "effective": (r"gjelder fra", r"trer i kraft", r"gyldig fra"),
        "version": (r"versjon",),
        "dated": (r"dato\s*:",),
    },
    "fi": {
        "updated": (r"päivitetty", r"viimeksi päivitetty", r"päivitys"),
        "modified": (r"muutettu",),
        "effective": (r"voimassa alkaen", r"voimaan"),
        "version": (r"versio",),
        "dated": (r"päivämäärä\s*:",),
    },
    "pl": {
        "updated": (r"(?:ostatnia )?aktualizacja", r"zaktualizowan[oay]"),
        "modified": (r"(?:ostatnia )?zmiana", r"zmienion[oay]"),
        "effective": (r"obowiązuje od", r"wchodzi w życie", r"obowiązująca od", r"obowiązujący od"),
        "version": (r"wersja",),
        "dated": (r"data\s*:",),
    },
    "cs": {
        "updated": (r"(?:poslední )?aktualizace", r"aktualizováno"),
        "modified": (r"(?:poslední )?změna", r"změněno"),
        "effective": (r"účinn[éáý] od", r"platn[éáý] od", r"nabývá účinnosti"),
        "version": (r"verze",),
        "dated": (r"datum\s*:",),
    },
    "sk": {
        "updated": (r"(?:posledná )?aktualizácia", r"aktualizované"),
        "modified": (r"(?:posledná )?zmena",),
        "effective": (r"účinn[éáý] od", r"platn[éáý] od"),
        "version": (r"verzia",),
    },
    "hu": {
        "updated": (r"(?:utolsó )?frissítés", r"frissítve", r"hatályosítva"),
        "modified": (r"(?:utolsó )?módosítás", r"módosítva"),
        "effective": (r"hatályos", r"hatálybalépés"),
        "version": (r"verzió",),
    },
    "ro": {
        "updated": (r"(?:ultima )?actualizare", r"actualizat[ăa]?"),
        "modified": (r"(?:ultima )?modificare", r"modificat[ăa]?"),
        "effective": (r"în vigoare", r"intră în vigoare", r"valabil[ăa]? de la"),
        "version": (r"versiunea",),
    },
    "tr": {
        "updated": (r"son güncelleme", r"güncellendi", r"güncelleme tarihi"),
        "modified": (r"değiştirildi", r"son değişiklik"),
        "effective": (r"yürürlük tarihi", r"yürürlüğe giriş"),
        "version": (r"sürüm", r"versiyon"),
    },
    "ja": {
        # 改訂 and 改定 are both written for a revision.
        "updated": (r"最終更新日?", r"更新日", r"(?:最終)?改[訂定]日?"),
        "effective": (r"施行日", r"制定日", r"発効日"),
        "version": (r"版",),
    },
    "zh": {
        "updated": (r"最后更新(?:日期)?", r"更新日期", r"最近更新"),
        "effective": (r"生效日期", r"施行日期"),
        "version": (r"版本",),
    },
    "ko": {
        "updated": (
            r"최종 (?:수정|업데이트|개정)일?",
            r"업데이트",
        ),
        "effective": (r"시행일(?:자)?", r"발효일"),
        "version": (r"버전",),
    },
}

# German and Dutch may put the verb after the date: "wurde am 12.03.2020 aktualisiert".
TRAILING_LABELS: dict[str, tuple[str, ...]] = {
    "updated": (r"aktualisiert", r"bijgewerkt", r"aangepast"),
    "modified": (r"geändert", r"gewijzigd"),
    "revised": (r"überarbeitet", r"herzien"),
    "effective": (r"in kraft", r"in werking", r"van kracht"),
}
# Japanese, Chinese and Korean policies end with lines of a date and its word: "2005年4月1日 制定",
# "2016年4月1日改定". Only as a line of its own: "（2022年4月1日施行）" in a sentence is a law's.
LINE_END_LABELS: dict[str, tuple[str, ...]] = {
    "updated": (r"更新",),
    "revised": (r"改[訂定正]", r"修订", r"개정"),
    "effective": (r"制定", r"(?:より)?施行", r"(?:起)?生效", r"시행"),
}

# What makes a date not the policy's own, in every language the labels know.
PREVIOUS = (
    r"previous",
    r"prior (?:versions?|polic\w*|statements?|notices?)",
    r"archived? (?:versions?|polic\w*|cop\w+)",
    r"older versions?",
    r"earlier versions?",
    r"former versions?",
    r"superseded",
    r"vorherige",
    r"vorige",
    r"frühere",
    r"bisherige",
    r"alte fassung",
    r"ältere",
    r"précédente?",
    r"ancienne version",
    r"antérieure?",
    r"versión anterior",
    r"política anterior",
    r"versione precedente",
    r"precedente versione",
    r"eerdere",
    r"oude versie",
    r"tidigare versioner?",
    r"poprzednia wersja",
    r"předchozí verze",
)
REPLACES = (
    r"replac\w*",
    r"supersed\w*",
    r"ersetzt",
    r"remplace\w*",
    r"sustituye",
    r"reemplaza",
    r"sostituisce",
    r"vervangt",
)
# A date right after these ends a period ("applies until"), it does not start one.
UNTIL = (
    r"until",
    r"till",
    r"through",
    r"prior to",
    r"before",
    r"bis(?: zum)?",
    r"jusqu['’](?:au|à)",
    r"avant le",
    r"hasta(?: el)?",
    r"fino al",
    r"tot(?: en met)?",
)
# "For residents of California, effective ...": a date for some readers only.
FOR_SOME_READERS = (
    r"for (?:users|residents|customers|members|individuals|consumers|people|those|persons)",
    r"if you (?:are|live|reside|registered)",
    r"für (?:nutzer|kunden|mitglieder|personen)",
    r"pour les (?:utilisateurs|résidents|membres)",
    r"para (?:los )?(?:usuarios|residentes)",
    r"per gli utenti",
    r"voor (?:gebruikers|leden)",
)
EXAMPLE = (
    r"e\.\s?g\.",
    r"for (?:example|instance)\b",
    r"such as\b",
    r"z\.\s?b\.",
    r"zum beispiel\b",
    r"beispielsweise\b",
    r"par exemple\b",
    r"p\.\s?ex\.",
    r"por ejemplo\b",
    r"ad esempio\b",
    r"per esempio\b",
    r"bijvoorbeeld\b",
    r"example:",
)
COPYRIGHT = (r"©", r"\(c\)", r"copyright\b", r"urheberrecht")
# Legal instruments: "the GDPR of 27 April 2016", "Act of 18 July 2002", "CCT du 4 juin 2021".
LAWS = (
    r"act",
    r"law",
    r"laws",
    r"regulations?",
    r"directive",
    r"decision",
    r"decree",
    r"statute",
    r"code",
    r"clauses",
    r"commission",
    r"court",
    r"judgment",
    r"ruling",
    r"treaty",
    r"convention",
    r"gdpr",
    r"ccpa",
    r"rgpd",
    r"dsgvo",
    r"bdsg",
    r"avg",
    r"loi",
    r"règlement",
    r"décret",
    r"ordonnance",
    r"arrêté",
    r"cct",
    r"gesetz(?:es)?",
    r"verordnung",
    r"richtlinie",
    r"beschluss",
    r"urteil",
    r"ley",
    r"reglamento",
    r"decreto",
    r"legge",
    r"regolamento",
    r"wet",
    r"verordening",
    r"besluit",
    r"ustawa",
    r"rozporządzenie",
    r"zákon",
    r"lag",
    r"lov",
)
LAW_CONNECTORS = (
    r"of",
    r"dated",
    r"du",
    r"vom",
    r"from",
    r"de",
    r"del",
    r"van",
    r"dal",
    r"des",
    r"am",
)
POLICY_WORDS = (
    r"policy",
    r"statement",
    r"notice",
    r"datenschutz\w*",
    r"politique",
    r"política",
    r"informativa",
    r"privacy\w*",
    r"integritetspolicy",
    r"polityka",
    r"zásady",
)
# Headings of documents other than a privacy policy: a date line under one, at the end of a page
# holding several documents, is that document's ("Cookie Policy ... Last updated: ...").
OTHER_DOCUMENTS = (
    r"cookies? (?:policy|notice|statement)",
    r"terms (?:of (?:use|service|sale)|(?:and|&) conditions)",
    r"^\W*(?:website |site |general )?terms\W*$",
    r"conditions of (?:use|sale)",
    r"(?:end[- ]user )?licen[cs]e agreement",
    r"acceptable use",
    r"community guidelines",
    r"copyright (?:policy|notice)",
    r"cookie-?richtlinie",
    r"nutzungsbedingungen",
    r"allgemeine geschäftsbedingungen",
    r"impressum",
    r"politique (?:de|relative aux) cookies",
    r"conditions générales",
    r"mentions légales",
    r"política de cookies",
    r"términos y condiciones",
    r"condiciones (?:de uso|generales)",
    r"termini e condizioni",
    r"condizioni (?:d['’]uso|generali)",
    r"cookiebeleid",
    r"(?:algemene )?voorwaarden",
)
# Words of a privacy policy's own heading: the line a document's section starts under.
PRIVACY_HEADINGS = (r"privacy", r"datenschutz", r"confidentialit", r"privacidad", r"privacidade")
# Month abbreviations pages use that the CLDR lacks (German "Mrz", "Maerz"; Italian "Sett").
MONTH_NAMES_BEYOND_CLDR: dict[str, dict[str, int]] = {
    "de": {"mrz": 3, "maerz": 3},
    "it": {"sett": 9},
}
# Language codes detectors give that the labels file under another ("no" for Bokmål).
LANGUAGE_ALIASES = {"no": "nb"}
# Words before a dotted number that make it a version, not a date ("SDK 3.14.22", "v4.12.21").
VERSION_WORDS = (r"version", r"versions?nummer", r"v", r"sdk", r"release", r"build", r"rev")
# Words whose dot ends an abbreviation, not a sentence ("Law No. 2004-575", "Acme Inc. Its").
ABBREVIATIONS = frozenset(
    {
        "no",
        "nr",
        "art",
        "inc",
        "ltd",
        "co",
        "corp",
        "st",
        "dr",
        "mr",
        "ms",
        "vs",
        "ca",
        "bzw",
        "rev",
    }
)
# The commonest words of the languages whose pages most often come without a declared language,
# to guess it when nothing else says.
STOPWORDS = {
    "en": "the and of to you your we our with this that for is are",
    "de": "der die und das sie wir ihre nicht mit für von ist zu den",
    "fr": "le la les et de des du vous nous vos est pour une dans",
    "es": "el los las y que en para por sus usted una con del",
    "it": "il lo gli e di che per dei delle sono una con non",
    "nl": "het een en van wij uw niet met voor zijn dat die",
}
