"""What legal documents call themselves, per kind, in the languages policies are written in.

Data, apart from the logic that reads it: the classifier turns a title or heading that names a
kind into a term ("names:terms"), whose weight it fits like any other, so a Spanish page headed
"Condiciones generales" weighs as terms do in English, whatever words it shares with Spanish
privacy policies. Phrases are lower case; matched whole-word, except in scripts written without
spaces (Japanese, Chinese), matched anywhere. Bare words ("privacy", "legal", "terms",
"Datenschutz") and phrases like "your privacy" are not titles here: cookie walls ("We value your
privacy"), articles ("Information privacy") and legal hubs ("Legal") are headed by them too
(left out, held-out privacy precision 0.933 -> 0.934, other legal recall 0.717 -> 0.826).
"""

from __future__ import annotations

# fmt: off
TITLES: dict[str, tuple[str, ...]] = {
    "privacy": (
        # English
        "privacy policy", "privacy notice", "privacy statement", "privacy and cookie policy",
        "privacy & cookie policy", "privacy and cookies policy", "privacy & cookies policy",
        "privacy and cookies", "privacy & cookies", "data protection policy",
        "data protection notice", "data protection statement", "data privacy notice",
        "data privacy policy", "privacy pledge",
        # German
        "datenschutzerklärung", "datenschutzhinweise", "datenschutzhinweis",
        "datenschutzrichtlinie", "datenschutzbestimmungen", "datenschutzinformation",
        "datenschutzinformationen", "hinweise zum datenschutz",
        "informationen zum datenschutz",
        # French
        "politique de confidentialité", "politique de protection des données",
        "politique de protection des données personnelles", "protection des données",
        "protection des données personnelles", "vie privée",
        "charte de confidentialité", "charte de protection des données",
        "déclaration de confidentialité", "politique vie privée",
        # Spanish
        "política de privacidad", "aviso de privacidad", "política de protección de datos",
        "protección de datos", "declaración de privacidad",
        # Italian
        "informativa sulla privacy", "informativa privacy", "informativa sul trattamento",
        "informativa sul trattamento dei dati personali", "politica sulla privacy",
        # Dutch
        "privacybeleid", "privacyverklaring", "privacyverklaring en cookiebeleid",
        "privacyreglement",
        # Portuguese
        "política de privacidade", "aviso de privacidade",
        "política de proteção de dados", "declaração de privacidade",
        # Polish, Czech, Slovak
        "polityka prywatności", "ochrona danych osobowych", "zásady ochrany osobních údajů",
        "ochrana osobních údajů", "ochrana osobných údajov", "zásady ochrany súkromia",
        # Nordic
        "integritetspolicy", "personuppgiftspolicy", "dataskyddspolicy", "privatlivspolitik",
        "persondatapolitik", "privatlivspolitikk", "personvernerklæring",
        "tietosuojaseloste", "tietosuojakäytäntö", "tietosuojaselosteen",
        # Turkish, Greek, Russian, Hungarian, Romanian
        "gizlilik politikası", "gizlilik bildirimi", "kvkk aydınlatma metni",
        "aydınlatma metni", "πολιτική απορρήτου", "δήλωση απορρήτου",
        "политика конфиденциальности", "политика обработки персональных данных",
        "adatvédelmi tájékoztató", "adatkezelési tájékoztató", "politica de confidențialitate",
        # Japanese, Chinese, Korean
        "プライバシーポリシー", "個人情報保護方針", "個人情報の取り扱い", "個人情報の取扱い",
        "隐私政策", "隱私權政策", "隐私声明", "개인정보처리방침", "개인정보 처리방침",
    ),
    "cookies": (
        "cookie policy", "cookies policy", "cookie notice", "cookie statement",
        "use of cookies", "our use of cookies", "about cookies", "cookie information",
        "how we use cookies", "cookies and similar technologies", "trackers policy",
        "cookie-richtlinie", "cookie-richtlinien", "cookie-hinweise", "cookie-erklärung",
        "cookierichtlinie", "hinweise zu cookies", "verwendung von cookies",
        "politique relative aux cookies", "politique en matière de cookies",
        "politique cookies", "politique de cookies", "gestion des cookies",
        "utilisation des cookies",
        "política de cookies", "uso de cookies", "informativa cookie",
        "informativa sui cookie", "informativa estesa sui cookie", "cookieverklaring",
        "cookiebeleid", "cookiestatement", "polityka cookies",
        "polityka plików cookies", "polityka plików cookie", "om cookies", "cookiepolicy",
        "cookiepolitik", "brug af cookies", "informasjonskapsler", "evästekäytäntö",
        "zásady používání souborů cookie", "soubory cookie", "çerez politikası",
        "πολιτική cookies", "политика использования файлов cookie", "クッキーポリシー",
        "cookieポリシー", "cookie ポリシー",
    ),
    "terms": (
        "terms of service", "terms of use", "terms and conditions", "terms & conditions",
        "conditions of use", "conditions of sale", "terms of sale", "user agreement",
        "end user license agreement", "end-user license agreement", "license agreement",
        "licence agreement", "eula", "customer agreement", "subscription agreement",
        "service agreement", "master services agreement", "data processing addendum",
        "data processing agreement", "website terms", "general terms", "nutzungsbedingungen",
        "allgemeine geschäftsbedingungen", "agb", "geschäftsbedingungen",
        "conditions générales d'utilisation", "conditions générales de vente",
        "conditions générales", "conditions d'utilisation", "cgu", "cgv",
        "términos y condiciones", "términos de uso", "términos del servicio",
        "condiciones generales", "condiciones de uso", "condiciones generales de contratación",
        "termini e condizioni", "termini di servizio", "termini di utilizzo",
        "condizioni generali", "condizioni d'uso", "condizioni di vendita",
        "condizioni generali di vendita", "algemene voorwaarden", "gebruiksvoorwaarden",
        "termos de uso", "termos e condições", "termos de serviço",
        "condições gerais", "regulamin", "regulamin sklepu", "warunki korzystania",
        "användarvillkor", "köpvillkor", "allmänna villkor", "resevillkor", "brugervilkår",
        "handelsbetingelser", "bruksvilkår", "käyttöehdot",
        "toimitusehdot", "obchodní podmínky", "všeobecné obchodní podmínky",
        "podmínky užívání", "kullanım koşulları", "üyelik sözleşmesi", "όροι χρήσης",
        "пользовательское соглашение", "利用規約", "ご利用規約", "服务条款", "使用条款",
        "이용약관",
    ),
    "other legal": (
        "imprint", "impressum", "legal notice", "legal notices", "legal information",
        "site notice", "mentions légales", "informations légales", "aviso legal",
        "nota legal", "note legali", "colofon", "disclaimer", "haftungsausschluss",
        "avertissement", "exención de responsabilidad", "copyright policy", "copyright notice",
        "copyright claims", "dmca", "dmca policy", "intellectual property policy",
        "trademark policy", "community guidelines", "community standards",
        "acceptable use policy", "acceptable use", "code of conduct", "house rules",
        "accessibility statement", "erklärung zur barrierefreiheit",
        "déclaration d'accessibilité", "declaración de accesibilidad",
        "dichiarazione di accessibilità",
        "toegankelijkheidsverklaring", "declaração de acessibilidade",
        "deklaracja dostępności", "tillgänglighetsredogörelse", "tilgængelighedserklæring",
        "saavutettavuusseloste", "prohlášení o přístupnosti", "law enforcement guidelines",
        "transparency report", "subprocessors", "sub-processors", "list of subprocessors",
        "brand guidelines", "returns policy", "return policy", "refund policy",
        "shipping policy", "widerrufsbelehrung", "widerrufsrecht", "droit de rétractation",
        "derecho de desistimiento", "diritto di recesso", "herroepingsrecht",
        "特定商取引法に基づく表記", "特定商取引に関する法律に基づく表記", "免責事項",
        "法律声明", "免责声明",
    ),
}
# fmt: on
