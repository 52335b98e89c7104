"""Finding a home page's link to its privacy policy, on pages written for these tests."""

from __future__ import annotations

import pytest

from pipelines.discover.links import (
    MIN_LINK_SCORE,
    best_policy_links,
    clean_url,
    find_policy_links,
    policy_links,
    registrable_domain,
)

HOME = "http://www.lakeside.example/"


def page(body: str, head: str = "") -> str:
    return f"<html><head><title>Lakeside</title>{head}</head><body>{body}</body></html>"


def best(html: str, url: str = HOME) -> str | None:
    found = best_policy_links(html, url)
    return found[0].url if found else None


MENU = "".join(f"<a href='/p{n}.html'>Product {n}</a> " for n in range(12))


@pytest.mark.parametrize(
    ("text", "href"),
    [
        ("Privacy Policy", "/privacy.html"),
        ("Privacy", "/legal/p.html"),
        ("Datenschutzerklärung", "/datenschutz/"),
        ("Datenschutz", "/ds.html"),
        ("Politique de confidentialité", "/confidentialite.html"),
        ("Política de privacidad", "/politica.html"),
        ("Informativa sulla privacy", "/informativa.html"),
        ("Privacyverklaring", "/pv.html"),
        ("Política de Privacidade", "/pp.html"),
        ("Our Privacy Pledge", "/pledge.html"),
        # the policy named by the personal data it protects (round 2 of the held-out pages)
        ("Behandling av personuppgifter", "/om-webbplatsen/b.html"),
        ("Behandling af personoplysninger", "/om/b.html"),
        ("Bescherming persoonsgegevens", "/over/b.html"),
        ("Ochrona danych osobowych", "/o-nas/o.html"),
        ("Ochrana soukromí", "/o-nas/s.html"),
        ("Tratamiento de datos personales", "/legal/t.html"),
    ],
)
def test_a_footer_link_named_like_a_policy_is_found_in_each_language(text, href):
    html = page(
        f"<div>{MENU}</div><footer><a href='/terms'>Terms</a> <a href='{href}'>{text}</a></footer>"
    )
    assert best(html) == f"http://www.lakeside.example{href}"


def test_relative_links_resolve_against_the_base_element_then_the_page():
    html = page(
        "<a href='privacy.htm'>Privacy</a>", head="<base href='http://www.lakeside.example/shop/'>"
    )
    assert best(html) == "http://www.lakeside.example/shop/privacy.htm"
    assert best(page("<a href='../legal/privacy.asp'>Privacy</a>"), HOME + "home/default.asp") == (
        "http://www.lakeside.example/legal/privacy.asp"
    )


@pytest.mark.parametrize(
    "link",
    [
        "<a href=\"javascript:openWin('/privacy.html')\">Privacy Policy</a>",
        "<a href='#' onclick=\"window.open('/privacy.html','p','width=400')\">Privacy Policy</a>",
        "<a href='/privacy.html'><img src='p.gif' alt='Privacy Policy'></a>",
        "<a href='/privacy.html' aria-label='Privacy policy'><svg></svg></a>",
        "<map><area shape='rect' coords='0,0,9,9' href='/privacy.html' alt='Privacy Policy'></map>",
        "<select><option value=''>Go to...</option>"
        "<option value='/privacy.html'>Privacy</option></select>",
        "<noscript><footer><a href='/privacy.html'>Privacy Policy</a></footer></noscript>",
    ],
    ids=["javascript", "onclick", "image", "aria-label", "image-map", "jump-menu", "noscript"],
)
def test_links_written_every_way_a_home_page_writes_them_are_found(link):
    assert best(page(f"<div>{MENU}</div>{link}")) == "http://www.lakeside.example/privacy.html"


def test_rel_privacy_policy_in_the_head_is_the_strongest_evidence():
    html = page(
        "<div id='root'></div><a href='/about'>About</a>",
        head="<link rel='privacy-policy' href='/legal/privacy'>",
    )
    found = best_policy_links(html, HOME)
    assert found[0].url == "http://www.lakeside.example/legal/privacy"
    assert found[0].where == "head" and "rel=privacy-policy" in found[0].reasons


def test_an_app_shell_s_links_are_read_from_its_json():
    data = (
        '{"props":{"footer":{"links":[{"label":"Terms","href":"\\/terms"},'
        '{"label":"Pol\\u00edtica de Privacidade","href":"\\/legal\\/privacidade"}]}}}'
    )
    html = page(
        f"<div id='root'></div><script id='__NEXT_DATA__' type='application/json'>{data}</script>"
    )
    found = best_policy_links(html, "https://www.lakeside.example/")
    assert found[0].url == "https://www.lakeside.example/legal/privacidade"
    assert found[0].text == "Política de Privacidade" and found[0].where == "script"


@pytest.mark.parametrize(
    "distractor",
    [
        "<a href='/account/privacy-settings'>Privacy settings</a>",
        "<a href='/optout'>Do Not Sell My Personal Information</a>",
        "<a href='/email'>E-mail preferences</a>",
        "<a href='/cookies'>Cookie Policy</a>",
        "<a href='/privacy#cookies'>Cookie policy</a>",
        "<a href='/kids-privacy'>Children's Privacy</a>",
        "<a href='http://www.truste.com/validate'><img alt='TRUSTe privacy seal'></a>",
        "<a href='https://policies.google.com/privacy'>Google Privacy Policy</a>",
        "<a href='/news/1'>New study: how the privacy law of 2018 changes the way shops keep"
        " your data</a>",
    ],
)
def test_links_that_only_look_like_the_policy_are_not_taken(distractor):
    assert best(page(f"<div>{MENU}</div><p>{distractor}</p>")) is None
    with_policy = page(
        f"<div>{MENU}</div><p>{distractor}</p><footer><a href='/pp'>Privacy Policy</a></footer>"
    )
    assert best(with_policy) == "http://www.lakeside.example/pp"


def test_a_page_without_a_privacy_link_has_no_answer():
    html = page(f"<div>{MENU}</div><p>We respect your privacy and never share your e-mail.</p>")
    assert best_policy_links(html, HOME) == []
    assert best_policy_links("", HOME) == []


def test_another_site_s_policy_counts_only_where_the_site_s_legal_pages_live_there():
    alone = page(
        f"{MENU}<footer><a href='http://www.otherco.example/privacy'>Privacy Policy</a></footer>"
    )
    found = policy_links(alone, HOME)
    assert found[0].off_site and found[0].score < MIN_LINK_SCORE
    group = page(
        f"{MENU}<footer><a href='http://www.parentgroup.example/legal/terms'>Terms of Use</a>"
        "<a href='http://www.parentgroup.example/legal/privacy'>Privacy Policy</a></footer>"
    )
    assert best(group) == "http://www.parentgroup.example/legal/privacy"
    named = page(
        f"{MENU}<footer>© 2006 Parent Group Inc. <a href='http://www.parentgroup.example/p'>"
        "Privacy Policy</a></footer>"
    )
    assert best(named) == "http://www.parentgroup.example/p"


def test_the_footer_ranks_above_the_body_and_a_link_given_twice_counts_once():
    html = page(
        "<header><a href='/privacy'>Privacy</a></header>"
        f"<main>{MENU}<a href='/privacy-faq'>Privacy FAQ for members</a></main>"
        "<footer><a href='/privacy'>Privacy Policy</a></footer>"
    )
    found = policy_links(html, HOME)
    assert [link.url for link in found].count("http://www.lakeside.example/privacy") == 1
    assert found[0].url == "http://www.lakeside.example/privacy"
    assert "linked 2 times" in found[0].reasons


def test_addresses_lose_fragments_tracking_parameters_and_session_ids():
    assert (
        clean_url("http://a.example/p.jsp;jsessionid=AB12?x=1#top") == "http://a.example/p.jsp?x=1"
    )
    assert (
        clean_url("https://a.example/p/?utm_source=footer&utm_medium=web") == "https://a.example/p/"
    )
    assert clean_url("mailto:privacy@a.example") is None
    assert clean_url("javascript:void(0)") is None


def test_registrable_domains_follow_the_public_suffix_list():
    assert registrable_domain("http://www.shop.example.co.uk/x") == "example.co.uk"
    assert registrable_domain("https://help.lakeside.example/a") == "lakeside.example"
    assert registrable_domain("http://www.lakeside.com/") == "lakeside.com"


def test_a_parked_domain_s_page_has_no_answer_however_it_links_the_parking_company_s_policy():
    parked = page(
        "<h1>lakeside.example</h1><p>This domain may be for sale! Inquire now.</p>"
        "<p>Related searches: boats, fishing, cabins</p>"
        "<footer>© 2013 Parkco Domains <a href='http://www.parkco.example/terms'>Terms</a>"
        "<a href='http://www.parkco.example/privacy'>Privacy Policy</a></footer>"
    )
    assert best_policy_links(parked, HOME) == []
    assert policy_links(parked, HOME)[0].url == "http://www.parkco.example/privacy"  # recorded
    found = find_policy_links(parked, HOME)
    assert found.parked and found.worth_trying == []
    assert found.candidates[0].url == "http://www.parkco.example/privacy"
    shop = page(f"{MENU}<p>Related searches: boats</p><footer><a href='/pp'>Privacy</a></footer>")
    assert best(shop) == "http://www.lakeside.example/pp"


def test_a_malformed_address_anywhere_costs_only_its_own_link():
    for bad in ("http://[domain]/x", "https://[YOUR-DOMAIN]/p", "http://[::1"):
        html = page(
            f"<a href='{bad}'>Home</a><option value='{bad}'>x</option>"
            "<footer><a href='/privacy'>Privacy Policy</a></footer>",
            head=f"<base href='{bad}'>" if bad.endswith("1") else "",
        )
        assert best(html) == "http://www.lakeside.example/privacy"
    assert best_policy_links(page("<a href='/privacy'>Privacy</a>"), "http://[::1") == []


def test_a_javascript_address_that_opens_nothing_leaves_the_link_to_its_onclick():
    link = "<a href='javascript:void(0)' onclick=\"window.open('/privacy.html')\">Privacy</a>"
    assert best(page(f"{MENU}{link}")) == "http://www.lakeside.example/privacy.html"


def test_a_link_written_with_the_default_port_or_upper_case_host_is_the_same_link():
    html = page(
        "<header><a href='http://WWW.Lakeside.example:80/privacy'>Privacy</a></header>"
        f"{MENU}<footer><a href='/privacy'>Privacy Policy</a></footer>"
    )
    found = policy_links(html, "http://www.lakeside.example:80/")
    assert [link.url for link in found] == ["http://www.lakeside.example/privacy"]
    assert clean_url("https://A.example:443") == "https://a.example/"
    assert clean_url("http://a.example:8080/p") == "http://a.example:8080/p"


def test_accents_are_read_as_the_vocabulary_writes_them():
    for text in (
        "Confidențialitate",
        "Adatvédelem",
        "Política de Privacidad",
        "DATENSCHUTZERKLÄRUNG",
    ):
        assert best(page(f"{MENU}<footer><a href='/x'>{text}</a></footer>")) == (
            "http://www.lakeside.example/x"
        )


def test_an_address_naming_data_but_not_privacy_is_no_candidate():
    for href, text in (
        ("/base-de-donnees", "Base de données"),
        ("/proteccion-civil", "Protección civil"),
        ("/privacy-preferences", "Privacy Preference Center"),
    ):
        assert best(page(f"{MENU}<footer><a href='{href}'>{text}</a></footer>")) is None


def test_a_footer_rendered_from_a_javascript_object_literal_is_read():
    """Nuxt and webpack payloads are JavaScript, not JSON: keys bare, slashes escaped."""
    script = (
        "<script>window.__NUXT__=(function(a){return {layout:'default',footer:[{label:"
        '"Impressum",url:"\\u002Fimpressum"},{label:"Datenschutz",url:"\\u002Fhilfe'
        '\\u002Fdatenschutz"}]}}(null));</script>'
    )
    assert best(page(f"<div id='app'>{MENU}</div>{script}")) == (
        "http://www.lakeside.example/hilfe/datenschutz"
    )


def test_a_group_s_legal_site_is_known_by_the_legal_links_it_holds_in_any_language():
    group = "http://www.grupo-lagos.example"
    footer = (
        f"<footer><a href='/aviso-legal'>Aviso legal</a> <a href='{group}/condiciones.html'>"
        f"Condiciones de reserva</a> <a href='{group}/privacidad.html'>Privacidad</a></footer>"
    )
    assert best(page(f"{MENU}{footer}")) == f"{group}/privacidad.html"
    alone = f"<footer><a href='{group}/privacidad.html'>Privacidad</a></footer>"
    assert best(page(f"{MENU}{alone}")) is None  # one link to another site is no evidence
