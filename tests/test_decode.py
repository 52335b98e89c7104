"""Decoding archived HTML: HTTP charset first, then meta charset, then detection."""

from __future__ import annotations

from pipelines.decode import decode_html

FRENCH = "Politique de confidentialité — vos données, très protégées, « à jour » été 2010 © Société"


def test_http_charset_wins_over_meta():
    body = f'<meta charset="utf-8"><p>{FRENCH}</p>'.encode("cp1252")
    decoded = decode_html(body, "text/html; charset=windows-1252")
    assert decoded.source == "http" and FRENCH in decoded.text


def test_meta_charset_when_http_says_nothing():
    body = f'<meta http-equiv="Content-Type" content="text/html; charset=windows-1252"><p>{FRENCH}'
    decoded = decode_html(body.encode("cp1252"), "text/html")
    assert (decoded.encoding, decoded.source) == ("cp1252", "meta")
    assert FRENCH in decoded.text


def test_latin1_labels_are_read_as_windows_1252():
    decoded = decode_html("“quoted” – dash".encode("cp1252"), "text/html; charset=ISO-8859-1")
    assert decoded.text == "“quoted” – dash"


def test_detection_when_nothing_is_declared():
    decoded = decode_html(f"<p>{FRENCH}</p>".encode(), "text/html")
    assert decoded.source == "detected" and FRENCH in decoded.text


def test_utf8_bom():
    decoded = decode_html(b"\xef\xbb\xbf<p>caf\xc3\xa9</p>", None)
    assert decoded.source == "bom" and "café" in decoded.text


def test_a_utf8_label_on_a_page_that_is_not_utf8_anywhere_is_not_believed():
    from pipelines.decode import decode_html

    body = "<p>Politique de confidentialité : vos données.</p>".encode("latin-1")
    decoded = decode_html(body, "text/html; charset=utf-8")
    assert "confidentialité" in decoded.text and "\ufffd" not in decoded.text
    assert decoded.source == "detected, not the declared utf-8 (http)"


def test_a_utf8_page_with_one_stray_byte_stays_utf8():
    from pipelines.decode import decode_html

    body = "<p>Données personnelles, été, 東京 and one stray byte: </p>".encode() + b"\xe9"
    decoded = decode_html(body, "text/html; charset=utf-8")
    assert decoded.encoding == "utf-8" and "Données" in decoded.text and "東京" in decoded.text


def test_binary_data_is_told_from_text_in_any_encoding():
    from pipelines.decode import looks_binary

    assert looks_binary(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert looks_binary(bytes(range(32)) * 20)
    assert not looks_binary("<p>Données, 東京</p>".encode("utf-16"))  # with its BOM
    assert not looks_binary("<p>Données personnelles</p>\r\n\t".encode("cp1252"))
    assert not looks_binary("<p>個人情報保護方針</p>".encode("shift_jis"))
