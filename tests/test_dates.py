"""find_effective_date: phrase forms, numeric date order, choosing among dates, never inventing."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from crawler.items import Document
from pipelines.dates import EffectiveDate, date_document, find_effective_date

# Policy prose with no date in it, to put distance between dates the way real pages do.
BODY = "We collect the information you give us and use it to provide the service to you. " * 30


def value(text: str, language: str | None = None, captured_at: datetime | None = None):
    found = find_effective_date(text, language, captured_at)
    return found.value if found else None


@pytest.mark.parametrize(
    ("text", "language", "expected", "phrase"),
    [
        # English, month names and abbreviations, ordinals
        ("Effective Oct. 1, 2010", "en", "2010-10-01", "Effective Oct. 1, 2010"),
        (
            "Last updated: September 18, 2020",
            None,
            "2020-09-18",
            "Last updated: September 18, 2020",
        ),
        ("This policy was revised Jan. 2, 2014.", "en", "2014-01-02", "revised Jan. 2, 2014"),
        ("Updated as of May 2014", "en", "2014-05", "Updated as of May 2014"),
        ("This policy was last modified on 12 March 2018", "en", "2018-03-12", None),
        ("Date of last revision: 4 June 2019", "en", "2019-06-04", None),
        ("Effective January 1st, 2020", "en", "2020-01-01", None),
        ("Last Updated: November 13th 2025", "en", "2025-11-13", None),
        ("Version: May 12th 2026", "en", "2026-05-12", None),
        ("Effective Date: 2019-01-01", "en", "2019-01-01", None),
        ("Posted Sept. 9, 2015", "en", "2015-09-09", None),
        ("Last updated on Monday, 3 March 2020", "en", "2020-03-03", None),
        ("This Privacy Policy applies from 29/04/2022.", "en", "2022-04-29", None),
        ("Last Updated: 3/11/2025", "en-US", "2025-03-11", "Last Updated: 3/11/2025"),
        # German
        ("Stand: Juni 2021", "de", "2021-06", "Stand: Juni 2021"),
        ("Gültig ab 1. Januar 2020", "de", "2020-01-01", "Gültig ab 1. Januar 2020"),
        ("Zuletzt aktualisiert am 03.05.2023", "de", "2023-05-03", None),
        ("Diese Datenschutzbestimmungen gelten ab 01.02.2026", "de", "2026-02-01", None),
        ("Datenschutzerklärung vom 12. März 2018", "de", "2018-03-12", None),
        # French
        ("Entrée en vigueur : 12.05.2026", "fr", "2026-05-12", "Entrée en vigueur : 12.05.2026"),
        ("Dernière mise à jour le 10 décembre 2021", "fr", "2021-12-10", None),
        ("Politique de confidentialité à jour du 10/12/2021", "fr", "2021-12-10", None),
        ("La présente politique s’applique à partir de 01/02/2026.", "fr", "2026-02-01", None),
        ("Mis à jour le 1er janvier 2020", "fr", "2020-01-01", "Mis à jour le 1er janvier 2020"),
        ("Date d'entrée en vigueur : 25 févr. 2019", "fr", "2019-02-25", None),
        # Spanish
        ("Última actualización: 3 de marzo de 2022", "es", "2022-03-03", None),
        ("Fecha de entrada en vigor: 25 de mayo de 2018", "es", "2018-05-25", None),
        ("Vigente desde el 1 de enero de 2023", "es", "2023-01-01", None),
        # Italian
        ("Ultimo aggiornamento: 5 maggio 2021", "it", "2021-05-05", None),
        ("Data di entrata in vigore: 1° gennaio 2020", "it", "2020-01-01", None),
        ("Informativa aggiornata al 12/03/2021", "it", "2021-03-12", None),
        # Dutch
        ("Laatst bijgewerkt: 14 maart 2023", "nl", "2023-03-14", None),
        ("Deze privacyverklaring is van kracht vanaf 1 januari 2021.", "nl", "2021-01-01", None),
        ("Laatst gewijzigd op 2 mei 2022", "nl", "2022-05-02", None),
        # Portuguese
        ("Atualizada em 14 de agosto de 2020", "pt", "2020-08-14", None),
        ("Última atualização: 3 de março de 2021", "pt", "2021-03-03", None),
        ("Esta política entra em vigor em 1 de janeiro de 2022.", "pt", "2022-01-01", None),
        ("Vigente a partir de 10/05/2019", "pt-BR", "2019-05-10", None),
    ],
)
def test_phrase_forms(text, language, expected, phrase):
    found = find_effective_date(text, language)
    assert found is not None
    assert found.value == expected
    assert found.phrase in text
    if phrase is not None:
        assert found.phrase == phrase


@pytest.mark.parametrize(
    ("text", "language", "expected", "phrase"),
    [
        (
            "Diese Datenschutzerklärung wurde am 12.03.2020 aktualisiert.",
            "de",
            "2020-03-12",
            "12.03.2020 aktualisiert",
        ),
        (
            "Diese Datenschutzerklärung tritt am 1. Januar 2020 in Kraft.",
            "de",
            "2020-01-01",
            "1. Januar 2020 in Kraft",
        ),
        (
            "Deze verklaring is op 2 mei 2022 bijgewerkt.",
            "nl",
            "2022-05-02",
            "2 mei 2022 bijgewerkt",
        ),
    ],
)
def test_a_label_after_its_date(text, language, expected, phrase):
    found = find_effective_date(text, language)
    assert (found.value, found.phrase) == (expected, phrase)


def test_dots_followed_by_spaces_as_czech_and_slovak_write_them():
    found = find_effective_date("Tyto zásady jsou účinné od 1. 3. 2019.\n\n" + BODY, "cs")
    assert (found.value, found.phrase) == ("2019-03-01", "účinné od 1. 3. 2019")
    # with a two-digit year it is as likely a list's numbering; a month over 12 is no date
    assert value("Platné od 1. 3. 19\n\n" + BODY, "cs") is None
    assert value("Platné od 1. 13. 2019\n\n" + BODY, "cs") is None


def test_both_japanese_words_for_a_revision_are_labels():
    for written in (
        "改定日：2016年4月1日",
        "改訂日：2016年4月1日",
        "2016年4月1日 改定",
        "2016年4月1日改定",
    ):
        text = "制定日：2005年4月1日\n" + written + "\n\n" + BODY
        assert value(text, "ja") == "2016-04-01", written


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("当社は、改正個人情報保護法（2022年4月1日施行）に対応しました。", "ja"),
        ("개인정보 보호법(2020년 8월 5일 시행)에 따라 회사는 개인정보를 보호합니다.", "ko"),
        ("《个人信息保护法》（2021年11月1日起生效）。我们保护您的个人信息。", "zh"),
    ],
)
def test_a_law_s_date_in_a_cjk_sentence_is_no_date_line(text, language):
    assert value(text + "\n\n" + BODY, language) is None
    # and the policy's own lines at its end still govern
    lines = "\n2019年4月1日 制定\n2021年6月1日 改定"
    assert value(text + "\n\n" + BODY + lines, language) == "2021-06-01"


def test_a_law_changed_on_a_date_is_still_a_law_s_date():
    assert value("Das Gesetz wurde am 20. Juni 2018 geändert.", "de") is None


def test_the_phrase_is_exact_even_across_a_line_break():
    text = "Privacy Policy\n\nThis Privacy Policy is effective as of\nAugust 6, 2018.\n\n" + BODY
    found = find_effective_date(text, "en")
    assert found.value == "2018-08-06"
    assert found.phrase == "effective as of\nAugust 6, 2018"


def test_a_label_heading_above_the_date():
    text = "Privacy Policy\n\nLast updated\n\nMarch 3, 2020\n\n" + BODY
    found = find_effective_date(text, "en")
    assert (found.value, found.confidence) == ("2020-03-03", 1.0)


def test_markdown_emphasis_around_the_label_does_not_hide_it():
    assert value("**Effective Date**: January 3, 2025\n\n" + BODY) == "2025-01-03"


def test_language_is_guessed_when_not_given():
    french = "Mis à jour le 04/05/2020. Nous collectons vos données pour vous fournir le service."
    found = find_effective_date(french)
    assert (found.value, found.ambiguous) == ("2020-05-04", False)


class TestNumericOrder:
    def test_english_without_a_day_first_region_is_read_month_first(self):
        found = find_effective_date("Last updated: 04/05/2020\n" + BODY, "en")
        assert (found.value, found.ambiguous) == ("2020-04-05", False)
        assert found.order_evidence == "English with no sign of a day-first region"

    def test_nothing_to_decide_by_is_flagged(self):
        found = find_effective_date("Last updated: 04/05/2020")
        assert (found.ambiguous, found.order_evidence) == (True, "")
        assert found.confidence < 1.0

    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            ("https://shop.example.co.uk/privacy", "2020-05-04"),
            ("https://www.example.com.au/privacy", "2020-05-04"),
            ("https://www.example.us/privacy", "2020-04-05"),
            ("https://www.example.com/privacy", "2020-04-05"),
            ("https://uk.example.com/pages/privacy", "2020-05-04"),
            ("https://help.example.com/hc/en-gb/articles/1", "2020-05-04"),
            ("https://help.example.com/hc/en-us/articles/1", "2020-04-05"),
        ],
    )
    def test_the_host_country_decides_an_english_page(self, url, expected):
        found = find_effective_date("Last updated: 04/05/2020\n" + BODY, "en", url=url)
        assert (found.value, found.ambiguous) == (expected, False)

    def test_the_declared_region_beats_the_detected_language(self):
        found = find_effective_date("Last updated: 04/05/2020\n" + BODY, "en", declared="en-GB")
        assert (found.value, found.order_evidence) == ("2020-05-04", "declared language en-GB")

    def test_a_page_writing_day_first_with_month_names_is_read_day_first(self):
        text = "Last updated: 04/05/2020\n" + BODY + "The service launched on 1 April 2015."
        found = find_effective_date(text, "en")
        assert found.value == "2020-05-04"
        assert "day first with month names" in found.order_evidence

    @pytest.mark.parametrize(
        ("language", "expected"),
        [("en-US", "2020-04-05"), ("en_us", "2020-04-05"), ("en-Latn-US", "2020-04-05")]
        + [("en-GB", "2020-05-04"), ("en-AU", "2020-05-04"), ("de", "2020-05-04")]
        + [("fr-FR", "2020-05-04"), ("es", "2020-05-04"), ("it", "2020-05-04")],
    )
    def test_the_language_settles_it(self, language, expected):
        found = find_effective_date("Last updated: 04/05/2020", language)
        assert (found.value, found.ambiguous, found.confidence) == (expected, False, 1.0)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Applies from 29/04/2022", "2022-04-29"),
            ("Last updated: 12/31/2020", "2020-12-31"),
            ("Last updated: 01/01/2020", "2020-01-01"),
        ],
    )
    def test_a_date_whose_parts_rule_one_order_out_is_not_ambiguous(self, text, expected):
        found = find_effective_date(text, "en")
        assert (found.value, found.ambiguous) == (expected, False)

    def test_another_date_on_the_page_settles_the_order(self):
        text = "Last updated: 04/05/2020\n" + BODY + "The version of 29/01/2019 is no longer used."
        found = find_effective_date(text, "en")
        assert (found.value, found.ambiguous) == ("2020-05-04", False)

    def test_a_page_writing_month_first_is_read_month_first(self):
        text = "Last updated: 04/05/2020\n" + BODY + "The service launched on April 1, 2015."
        found = find_effective_date(text, "en")
        assert (found.value, found.ambiguous) == ("2020-04-05", False)

    def test_the_capture_settles_a_date_said_to_be_past(self):
        # 11 March 2025 is the capture's own day; 3 November would be after it.
        found = find_effective_date("Last Updated: 3/11/2025", None, datetime(2025, 3, 11, 12, 32))
        assert (found.value, found.ambiguous, found.after_capture) == ("2025-03-11", False, False)
        assert found.confidence < 1.0

    def test_the_capture_overrules_a_declared_region_an_update_date_cannot_follow(self):
        found = find_effective_date("Updated: 11/05/2026", "en-US", datetime(2026, 5, 12))
        assert (found.value, found.after_capture) == ("2026-05-11", False)

    def test_the_capture_does_not_overrule_the_page_for_a_date_that_may_lie_ahead(self):
        captured = datetime(2024, 7, 10)
        found = find_effective_date("This Privacy Policy applies from 09/08/2024.", "en", captured)
        assert (found.value, found.ambiguous, found.after_capture) == ("2024-09-08", False, True)

    def test_the_capture_is_weak_evidence_for_an_effective_date_when_nothing_else_is(self):
        found = find_effective_date("Effective: 09/08/2024", None, datetime(2024, 8, 20))
        assert (found.value, found.after_capture) == ("2024-08-09", False)
        assert found.order_evidence.startswith("capture time")

    def test_the_capture_settles_an_update_date_on_an_english_page(self):
        # month first would be 5 November, after the capture: an "updated" date cannot be
        found = find_effective_date("Last updated: 11/05/2011\n" + BODY, "en", datetime(2011, 6, 1))
        assert (found.value, found.ambiguous) == ("2011-05-11", False)
        assert found.order_evidence.startswith("capture time")

    def test_dotted_dates_are_day_first_whatever_the_language(self):
        found = find_effective_date("Last updated: 02.01.2025", "en-US")
        assert (found.value, found.ambiguous) == ("2025-01-02", False)

    def test_iso_dates_are_year_month_day_whatever_the_language(self):
        assert value("Effective: 2020-04-05", "en-GB") == "2020-04-05"
        assert value("Effective: 2020/04/05", "en-US") == "2020-04-05"

    def test_two_digit_years_need_a_label(self):
        assert value("Last updated: 3/11/25", "en-US") == "2025-03-11"
        assert value("Revised: 12/1/98", "en-US") == "1998-12-01"
        assert value("Privacy Policy\n\n3/11/25\n\n" + BODY, "en-US") is None

    def test_impossible_dates_are_not_dates(self):
        assert value("Last updated: 31/02/2020", "en") is None
        assert value("Last updated: 2020-13-01", "en") is None


class TestMonthOnly:
    def test_a_labelled_month(self):
        assert value("Stand: Juni 2021", "de") == "2021-06"
        assert value("Stand: 06/2021", "de") == "2021-06"
        assert value("Last revised: March 2019", "en") == "2019-03"
        assert value("Actualizado en marzo de 2022", "es") == "2022-03"

    def test_an_unlabelled_month_is_prose(self):
        assert value("Privacy Policy\n\nIn May 2014 we launched our app.\n\n" + BODY) is None
        assert value("Privacy Policy\n\nMay 2014\n\n" + BODY) is None


class TestSeveralDates:
    def test_a_labelled_date_beats_a_change_log(self):
        text = (
            "Last updated: March 3, 2021\n\n" + BODY + "\n\nChange log:\n\n"
            "- June 6, 2022: Updated the list of processors.\n- April 16, 2026: Replaced X."
        )
        assert value(text, "en") == "2021-03-03"

    def test_a_change_log_alone_gives_its_newest_entry(self):
        text = (
            "Privacy Policy\n\n" + BODY + "\n\nChange log:\n\n"
            "- April 16, 2026: Replaced Rollbar with Sentry.\n"
            "- September 23, 2025: Added a processing agreement.\n"
            "- May 20, 2014: Fixed typos.\n"
            "- Nov 14, 2014: Added the payment processors used."
        )
        found = find_effective_date(text, "en")
        assert (found.value, found.phrase) == ("2026-04-16", "April 16, 2026")
        assert found.confidence < 1.0

    def test_previous_version_links_do_not_count(self):
        text = (
            "Privacy Policy\n\nEffective date: 1 May 2020\n\n" + BODY + "\n\nPrevious versions:\n"
            "1 January 2019\n5 June 2018"
        )
        assert value(text, "en") == "2020-05-01"

    def test_a_page_naming_only_a_previous_version_states_no_date(self):
        text = (
            "Privacy Policy\n\nYou can read the previous version of this policy "
            "(effective 1 January 2019) here.\n\n" + BODY + "\n\nArchived versions:\n5 June 2018"
        )
        assert value(text, "en") is None

    def test_the_end_of_the_previous_version_is_not_the_start_of_this_one(self):
        text = (
            "The previous version, available here, applies until 31/01/2026. "
            "This Privacy Policy applies from 01/02/2026."
        )
        assert value(text, "en") == "2026-02-01"

    def test_replacing_the_previous_version_is_this_one_s_date(self):
        text = "This policy replaces the previous version and is effective 1 May 2020.\n" + BODY
        assert value(text, "en") == "2020-05-01"

    def test_dates_of_laws_do_not_count(self):
        laws = (
            "Privacy Policy\n\n" + BODY + "We follow the GDPR of 27 April 2016. "
            "The EU’s General Data Protection Regulations (GDPR) took effect May 25, 2018. "
            "Under the Polish Act of 18 July 2002 on providing services by electronic means, "
            "and Law No. 2004-575 of June 21, 2004, we keep logs. Les CCT du 4 juin 2021 de la "
            "Commission européenne s'appliquent. Selon la loi n° 2004-575 du 21 juin 2004. "
            "Nach dem Gesetz vom 20. Juni 2018 speichern wir. " + BODY
        )
        assert value(laws, "en") is None
        assert value(laws + "\nLast updated: 2 March 2021", "en") == "2021-03-02"

    def test_a_notice_about_a_law_can_still_be_dated(self):
        assert value("GDPR notice\nLast updated: 25 May 2018\n" + BODY, "en") == "2018-05-25"

    def test_copyright_lines_do_not_count(self):
        assert value("Privacy Policy\n\n" + BODY + "\n\n© 2019 Acme Inc.", "en") is None
        assert value(BODY + "\n\nCopyright © March 3, 2019 Acme Inc.", "en") is None
        assert value(BODY + "\n\nCopyright 2005-2018 HugeDomains.com.", "en") is None
        text = BODY + "\n\nLast Revised: July 05, 2018\n\nCopyright 2005-2018 Acme."
        assert value(text, "en") == "2018-07-05"

    def test_dates_in_examples_do_not_count(self):
        text = "Privacy Policy\n\nEnter dates as e.g. 01/02/2020 in the form.\n\n" + BODY
        assert value(text, "en") is None
        assert value("Zum Beispiel: Stand 01.02.2020 wird angezeigt.", "de") is None

    def test_dates_in_addresses_do_not_count(self):
        text = "The previous version is at https://example.com/privacy-10-10-2025 today.\n" + BODY
        assert value(text, "en") is None
        assert value("See www.example.com/2019-01-01/policy.pdf\n" + BODY, "en") is None

    def test_a_date_for_some_users_yields_to_the_page_s_own(self):
        text = (
            "Effective date: March 1, 2021\n\n" + BODY + "For users in California, this policy "
            "is effective from January 1, 2020.\n" + BODY
        )
        assert value(text, "en") == "2021-03-01"

    def test_a_date_for_some_users_is_still_the_date_when_alone(self):
        text = "Privacy Policy\n\nEffective 1 January 2020 for users in the EEA.\n\n" + BODY
        found = find_effective_date(text, "en")
        assert found.value == "2020-01-01"
        assert found.confidence <= 0.5

    def test_a_next_line_for_some_users_does_not_touch_the_date_above(self):
        text = "Last updated: 1 May 2020\nFor users in the EEA, see section 9.\n" + BODY
        assert find_effective_date(text, "en").confidence == 1.0

    def test_a_last_revision_beats_an_effective_date_for_some_users(self):
        text = (
            BODY + BODY + "This Policy was last revised on May 15, 2018. For users who "
            "registered for the Services prior to May 15, 2018, this Policy will be "
            "effective on May 25, 2018."
        )
        assert value(text, "en") == "2018-05-15"

    def test_the_top_beats_the_middle(self):
        text = "Last updated: 1 May 2020\n\n" + BODY + "Updated on 2 June 2019. " + BODY
        assert value(text, "en") == "2020-05-01"

    def test_the_very_end_beats_the_middle(self):
        text = BODY + "This section was updated on 2 June 2019. " + BODY * 3 + "Updated: 1 May 2020"
        assert value(text, "en") == "2020-05-01"

    def test_the_top_beats_the_end_when_one_page_holds_several_documents(self):
        text = (
            "Privacy Policy\n\nLast updated: September 30, 2024\n\n"
            + BODY * 3
            + "\nCookie Policy\n"
            "We use cookies.\n\nLast updated: October 7, 2025"
        )
        found = find_effective_date(text, "en")
        assert found.value == "2024-09-30"
        assert found.confidence < 1.0  # a rival nearly as strong

    def test_a_labelled_date_beats_a_bare_one(self):
        text = "Privacy Policy\n\nMarch 3, 2020\n\nEffective: April 1, 2020\n\n" + BODY
        assert value(text, "en") == "2020-04-01"

    def test_a_bare_date_alone_under_the_title_counts_with_less_confidence(self):
        found = find_effective_date("Privacy Policy\n\nMarch 3, 2020\n\n" + BODY, "en")
        assert found.value == "2020-03-03"
        assert found.confidence <= 0.5


class TestNoDate:
    @pytest.mark.parametrize(
        "text",
        [
            "",
            BODY,
            "Privacy Policy\n\n" + BODY + "We were founded on March 3, 2001 in Ohio. " + BODY,
            "Privacy Policy\n\nLast updated: 2019\n\n" + BODY,
            "We will revise the updated date at the bottom of this page.\n" + BODY,
            "Changes become effective 30 days after notice.\n" + BODY,
            "In accordance with article 34 of Act no. 78-17 of 6 January 1978, you have rights.",
            "Mektoube: Accéder à la politique de confidentialité. LT Services 92300 LEVALLOIS",
        ],
    )
    def test_a_page_stating_no_date_gives_none(self, text):
        assert find_effective_date(text, "en") is None


class TestAfterCapture:
    def test_a_date_after_the_capture_is_flagged(self):
        captured = datetime(2026, 3, 6, 0, 32, tzinfo=UTC)
        found = find_effective_date(
            "This Privacy Policy applies from April 4, 2026.", "en", captured
        )
        assert (found.value, found.after_capture) == ("2026-04-04", True)

    def test_the_capture_day_itself_is_not_after(self):
        found = find_effective_date("Last updated: April 4, 2026", "en", datetime(2026, 4, 4, 1))
        assert found.after_capture is False

    def test_a_month_is_after_the_capture_only_if_it_starts_after_it(self):
        assert find_effective_date("Stand: Juni 2021", "de", datetime(2021, 5, 31)).after_capture
        assert not find_effective_date("Stand: Juni 2021", "de", datetime(2021, 6, 2)).after_capture

    def test_without_a_capture_nothing_is_flagged(self):
        assert find_effective_date("Effective: April 4, 2099", "en").after_capture is False


def test_effective_date_is_a_frozen_record():
    found = find_effective_date("Effective: April 4, 2020", "en")
    assert isinstance(found, EffectiveDate)
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.value = "2021-01-01"  # type: ignore[misc]
    assert not hasattr(found, "__dict__")


@pytest.mark.parametrize(
    ("line", "language", "expected"),
    [
        ("Roma, 15/10/2013", "it", "2013-10-15"),
        ("Paris, le 3 mai 2019", "fr", "2019-05-03"),
        ("Berlin, den 12.03.2020", "de", "2020-03-12"),
        ("Torino, 2 maggio 2019", "it", "2019-05-02"),
    ],
)
def test_a_date_signed_at_a_place_at_the_end_is_the_policy_date(line, language, expected):
    text = BODY + f"\n\n{line}\nThe controller"
    assert find_effective_date(text, language).value == expected


def test_a_place_and_date_inside_a_sentence_is_not_a_signature():
    text = BODY + "\n\nOur office opened in Berlin, 12.03.2020 by the founders."
    assert find_effective_date(text, "en") is None


class TestStatedDates:
    def test_every_date_line_is_kept_and_the_latest_governs(self):
        text = "Effective Date: May 1, 2018\nLast updated: May 24, 2018\n" + BODY
        found = find_effective_date(text, "en")
        assert found.value == "2018-05-24"
        assert [(s.label, s.value) for s in found.stated] == [
            ("effective", "2018-05-01"),
            ("updated", "2018-05-24"),
        ]

    def test_a_date_line_at_the_end_counts_beside_one_at_the_top(self):
        text = "Effective June 4, 2001\n" + BODY + "\nLast revised May 4, 2001."
        found = find_effective_date(text, "en")
        assert found.value == "2001-06-04"
        assert {s.value for s in found.stated} == {"2001-06-04", "2001-05-04"}

    def test_an_effective_date_after_the_posting_governs(self):
        captured = datetime(2020, 2, 18)
        found = find_effective_date(
            "Posted: 2/1/2020, Effective: 3/1/2020\n" + BODY, "en-US", captured
        )
        assert (found.value, found.after_capture) == ("2020-03-01", True)
        assert [s.label for s in found.stated] == ["posted", "effective"]

    def test_a_previous_version_date_is_not_stated(self):
        text = (
            "Last updated: March 3, 2021\n" + BODY + "\nThe previous version, dated June 15, 2019."
        )
        found = find_effective_date(text, "en")
        assert [s.value for s in found.stated] == ["2021-03-03"]

    def test_a_date_in_the_middle_is_not_a_date_line(self):
        text = (
            "Last updated: March 3, 2021\n"
            + BODY * 2
            + "We updated this on May 5, 2022.\n"
            + BODY * 2
        )
        assert [s.value for s in find_effective_date(text, "en").stated] == ["2021-03-03"]


class TestMonthNamesFromCldr:
    @pytest.mark.parametrize(
        ("language", "line", "expected"),
        [
            ("pl", "Ostatnia aktualizacja: 12 stycznia 2020", "2020-01-12"),
            ("cs", "Poslední aktualizace: 14. února 2019", "2019-02-14"),
            ("sv", "Senast uppdaterad 3 maj 2021", "2021-05-03"),
            ("da", "Sidst opdateret den 14. februar 2019", "2019-02-14"),
            ("nb", "Sist oppdatert 2. mars 2020", "2020-03-02"),
            ("fi", "Päivitetty 5. kesäkuuta 2020", "2020-06-05"),
            ("hu", "Utolsó frissítés: 2019. február 14.", "2019-02-14"),
            ("tr", "Son güncelleme: 7 Ekim 2021", "2021-10-07"),
            ("ja", "最終更新日：2019年2月14日", "2019-02-14"),
            ("de", "Stand: Jänner 2020", "2020-01"),
        ],
    )
    def test_a_labelled_date_in_the_page_language(self, language, line, expected):
        assert value(line, language) == expected

    def test_month_names_of_other_languages_are_not_read_on_a_known_page(self):
        # "maj" is May in Polish and Swedish, not a month in English
        assert value("Last updated: 3 maj 2021", "en") is None


class TestTitleAndLaws:
    def test_a_date_in_the_title_line_is_the_documents(self):
        text = "STATEMENT OF PRIVACY (12/23/2014, UNITED STATES ONLY)\n" + BODY
        assert value(text, "en") == "2014-12-23"

    def test_a_date_in_a_later_heading_is_not_the_title(self):
        text = "Privacy Policy\n" + BODY + "\nA\nB\nC\nPolicy changes (12/23/2014)\n" + BODY
        assert value(text, "en") is None


def test_a_page_that_is_no_legal_document_is_not_dated():
    text = "Legal\nPrivacy Policy. Last updated March 3, 2022\n" + BODY
    page = Document(text, text, None, "en", "x", "1", "{}", "s", kind="not legal")
    assert date_document(page, None).effective_date is None
    page.kind = "privacy"
    assert date_document(page, None).effective_date == "2022-03-03"


class TestReviewedCases:
    """Cases a review of the dates stage found (each a class of page, not one page)."""

    def test_a_date_in_a_language_the_page_does_not_declare_is_read(self):
        assert value("Última actualización: 3 de marzo de 2020\n" + BODY, "en") == "2020-03-03"
        assert value("Ultimo aggiornamento: marzo 2020\n" + BODY, "es") == "2020-03"

    @pytest.mark.parametrize(
        "heading", ["Cookies Policy", "Terms & Conditions", "Website Terms", "Cookie Policy."]
    )
    def test_another_documents_date_at_the_end_does_not_govern(self, heading):
        text = (
            "Last updated: March 3, 2019\n"
            + BODY * 3
            + f"\n{heading}\nLast updated: January 1, 2021"
        )
        assert value(text, "en") == "2019-03-03"

    def test_a_version_number_is_not_a_date(self):
        text = "Last updated: March 3, 2020\n" + BODY * 3 + "\nPrivacy Policy version 4.12.21"
        assert value(text, "en") == "2020-03-03"
        assert (
            value("Stand: 01.03.2012\nWir nutzen das SDK 3.14.22.\n" + BODY, "de") == "2012-03-01"
        )

    def test_a_neutral_label_at_the_end_does_not_outrank_the_top(self):
        text = "Last updated: March 3, 2020\n" + BODY * 3 + "\nPosted: 2024-01-01"
        assert value(text, "en") == "2020-03-03"

    def test_a_laws_date_is_no_evidence_of_the_pages_order(self):
        text = (
            "Last updated: 04/08/2019\n" + BODY + "We follow Regulation (EU) 2016/679 of 27 April"
            " 2016 where it applies.\n" + BODY
        )
        found = find_effective_date(text, "en")
        assert (found.value, found.order_evidence) == (
            "2019-04-08",
            "English with no sign of a day-first region",
        )

    def test_an_english_region_does_not_decide_for_a_text_in_another_language(self):
        text = "Última actualización: 04/08/2011\nUtilizamos sus datos personales para el servicio."
        assert find_effective_date(text, "es", declared="en-US").value == "2011-08-04"

    def test_norwegian_as_detectors_name_it(self):
        assert value("Sist oppdatert: 3. mars 2020\n" + BODY, "no") == "2020-03-03"

    def test_month_abbreviations_the_cldr_lacks(self):
        assert value("Stand: 12. Mrz 2019", "de") == "2019-03-12"
        assert value("Ultimo aggiornamento: 3 sett 2019", "it") == "2019-09-03"


def test_a_two_digit_year_is_not_read_decades_after_the_capture():
    captured = datetime(1999, 5, 1)
    assert value("Last updated 04/08/89\n" + BODY, "en-US", captured) == "1989-04-08"
    assert value("Last updated 04/08/98\n" + BODY, "en-US", captured) == "1998-04-08"
    assert value("Last updated 04/08/25\n" + BODY, "en-US", datetime(2025, 6, 1)) == "2025-04-08"
