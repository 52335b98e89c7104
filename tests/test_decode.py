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
