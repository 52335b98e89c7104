"""Extraction's configuration: trafilatura's options and the bounds, recorded with each text."""

from __future__ import annotations

import json
from typing import Any

from lxml.html import HTMLParser
from trafilatura.settings import use_config

from pipelines.extract.blocks import MAIN_CONTAINER_SHARE

# ---- trafilatura: one configuration for every page ---------------------------------------------
# In recall mode trafilatura checks its result against readability and jusText only when it is
# shorter than ten times MIN_EXTRACTED_SIZE characters. The default (250) skips that check from
# 2,500 characters on, which suits news articles; a policy yielding less than 10,000 characters
# (a short one, or a long one whose text sits in sibling containers of which trafilatura took
# the first) is worth the check. Swept by bench/fit_extraction_thresholds.py (see blocks.py):
# best [100, 2000]; 250 and below lose OTA Mektoube 005's text, 5,000 costs held-out round 2
# 0.016 of mean F1 and PL 0.002. EXTRACTION_TIMEOUT is for trafilatura's CLI only; 0 keeps it off.
TRAFILATURA_SETTINGS = {
    "MIN_EXTRACTED_SIZE": "1000",
    "MIN_OUTPUT_SIZE": "1",
    "EXTRACTION_TIMEOUT": "0",
}
TRAFILATURA_CONFIG = use_config()
for _name, _value in TRAFILATURA_SETTINGS.items():
    TRAFILATURA_CONFIG.set("DEFAULT", _name, _value)
# Recall over precision: a missing clause is worse than a stray line. Lists, tables and headings
# are policy text. Never deduplicate: trafilatura's cache is process-global, so the output would
# depend on the pages extracted before.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "favor_recall": True,
    "include_tables": True,
    "include_comments": False,
    "include_links": False,
    "include_images": False,
    "deduplicate": False,
}
# One extraction a tree, without formatting: its text, and its Markdown rendered from the same
# tree (headings, lists, tables), so the two hold the same words. A second pass with formatting
# on differed in content on 42 of 203 real pages, and glued words in the text ("your
# <em>privacy</em>" read "yourprivacy"): the Markdown keeps no bold or italics.
TRAFILATURA_PASS: dict[str, Any] = {"output_format": "txt", "include_formatting": False}

# ---- when to distrust an extraction --------------------------------------------------------------
# An extraction holding less than this share of the words in the page's prose blocks has missed
# the policy, or most of it. Swept by bench/fit_extraction_thresholds.py (see blocks.py): best
# [0.5, 0.9]; only PL geocities.com moves, below 0.5 (0.999 -> 0.635).
MIN_PROSE_SHARE = 0.5
# The main container's extraction replaces the page's when it holds all of it (MIN_COVERED) and at
# most MAX_CONTAINER_GAIN times as much, or when it lacks at most MAX_CONTAINER_LOSS of it, nearly
# all (MIN_DROPPED_OUTSIDE) words from outside the container. Beyond those bounds the two differ
# in what they took for the policy, and trafilatura's own judgement of the page stands. The
# container holds nine tenths of the page's prose (MAIN_CONTAINER_SHARE), so what it lacks is
# mostly menus, boxes and footers: on pages laid out in tables those come to a quarter or a third
# of what trafilatura keeps (held-out en-1999-tables, xx-de-2010-verein; 0.1 let them through).
# Swept by bench/fit_extraction_thresholds.py (see blocks.py). MIN_COVERED: flat over [0.7,
# 0.97]; from 0.99 only PL geographyalltheway.com moves (0.987 -> 0.937). MAX_CONTAINER_GAIN:
# best [1.1, 3]; 1.05 loses OTA Mektoube 005, PL geographyalltheway.com, held-out
# en-2012-bootstrap. MAX_CONTAINER_LOSS: best [0.2, 0.8]; 0.1 loses held-out en-1999-tables
# (1.0 -> 0.924), en-2023-short, xx-de-2010-verein. MIN_DROPPED_OUTSIDE: no tuning page moves
# anywhere in [0.3, 1].
MIN_COVERED = 0.95
MAX_CONTAINER_GAIN = 1.25
MAX_CONTAINER_LOSS = 0.35
MIN_DROPPED_OUTSIDE = 0.8
# Fewer words than this is no policy text at all (an error page, a cookie wall). Swept: F1 flat
# over [1, 50]; from 8 the one page it decides, held-out r2-neg-blank-pt, stops yielding text.
MIN_WORDS = 5
# A table cell holding this much prose is a column of a page laid out in a table, not data.
# Swept: LAYOUT_CELL_WORDS moves no tuning page anywhere in [10, 500]; LAYOUT_CELL_SHARE best
# [0.2, 0.9], 0.1 unwrapping PL geocities.com's data tables too (0.999 -> 0.771).
LAYOUT_CELL_WORDS = 80
LAYOUT_CELL_SHARE = 0.5
# lxml's parser as trafilatura configures it, so both read a page the same way; trafilatura is
# handed the parsed tree and never parses the page itself. huge_tree: without it libxml2 stops
# at 256 levels of nesting and drops the rest of the page (400 unclosed `<font>` tags kept 253
# of 400 paragraphs). Even with it libxml2 stops at 2,048 levels: such a page is read flat.
HTML_PARSER = HTMLParser(
    collect_ids=False,
    default_doctype=False,
    remove_comments=True,
    remove_pis=True,
    huge_tree=True,
)
# Trees past these bounds are read flat (`read_flat`), their text in blocks, with no judgement of
# what is policy: the steps below cost time in proportion to elements times depth, and
# trafilatura's walks of the tree recurse. The reference corpora's pages reach 3,280 elements
# and 24 levels. A 3 MB table of 340,000 elements took 16 s and 680 MB; one of 49,000 took 5 s,
# of 24,500 3 s (bench/pathological_pages.py, on a shared machine). Read flat, 3 MB take 3 s.
# Past 128 levels (once unclosed formatting is unwrapped) nesting is generated, not written,
# and every level costs a pass of trafilatura's recursive walks: the tuning pages of
# bench/fit_extraction_thresholds.py reach 23 levels; ten paragraphs a level, 128 levels take
# 1.1 s as a tree, 500 levels 5.4 s and 440 MB, 2,000 levels 98 s and 2.9 GB, and read flat 2 s
# (bench/pathological_pages.py --unbounded deep-128x10 deep-500x10 deep-2000x10).
MAX_TREE_ELEMENTS = 25_000
MAX_TREE_DEPTH = 128


def settings_json() -> str:
    """The options every extraction runs with, as recorded with each extracted text."""
    return json.dumps(
        {
            "trafilatura": TRAFILATURA_OPTIONS,
            "trafilatura_config": TRAFILATURA_SETTINGS,
            "pass": TRAFILATURA_PASS,
            "min_prose_share": MIN_PROSE_SHARE,
            "min_words": MIN_WORDS,
            "max_tree": {"elements": MAX_TREE_ELEMENTS, "depth": MAX_TREE_DEPTH},
            "container": {
                "min_covered": MIN_COVERED,
                "max_gain": MAX_CONTAINER_GAIN,
                "max_loss": MAX_CONTAINER_LOSS,
                "min_dropped_outside": MIN_DROPPED_OUTSIDE,
                "prose_share": MAIN_CONTAINER_SHARE,
            },
        },
        sort_keys=True,
        separators=(",", ":"),
    )


SETTINGS = settings_json()
