"""Dates from screenshot file names (research §9) and front matter: validated, never guessed."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest

from deckbuilder.vault import parse_iso
from deckbuilder.vault.dates import from_filename, from_front_matter


@pytest.mark.parametrize("name, expected", [
    ("Pasted image 20240415155715.png", datetime(2024, 4, 15, 15, 57, 15)),
    ("Pasted image 20240107221801 1.png", datetime(2024, 1, 7, 22, 18, 1)),   # collision suffix
    ("Recording 20211016181221.webm", datetime(2021, 10, 16, 18, 12, 21)),
    ("GraphRAG 2026-01-10 17.51.20.excalidraw.svg", datetime(2026, 1, 10, 17, 51, 20)),
    ("Screenshot 2024-04-20 at 10.21.39 PM.png", datetime(2024, 4, 20, 22, 21, 39)),
    ("Screen Shot 2022-10-12 at 11.39.58 pm.png", datetime(2022, 10, 12, 23, 39, 58)),
    ("Screenshot 2022-12-23 at 5.48.09 pm.png", datetime(2022, 12, 23, 17, 48, 9)),
    ("Screenshot 2024-04-28 at 12.43.51 AM.png", datetime(2024, 4, 28, 0, 43, 51)),  # 12 AM → 00
    ("Screenshot 2024-04-28 at 12.43.51 PM.png", datetime(2024, 4, 28, 12, 43, 51)),
    ("Screenshot 2024-04-28 at 9.05.01\u202fAM.png", datetime(2024, 4, 28, 9, 5, 1)),
    ("Screenshot 2024-01-02 at 10.11.12.png", datetime(2024, 1, 2, 10, 11, 12)),    # 24-hour
    ("CleanShot 2024-05-16 at 01.07.06@2x.png", datetime(2024, 5, 16, 1, 7, 6)),
    ("스크린샷 2024-11-01 093313.jpg", datetime(2024, 11, 1, 9, 33, 13)),
    ("image-20200528000315118.png", datetime(2020, 5, 28, 0, 3, 15)),
    ("IMG_20240102_101112.jpg", datetime(2024, 1, 2, 10, 11, 12)),
    ("PXL_20240102_101112345.jpg", datetime(2024, 1, 2, 10, 11, 12)),
    ("Screenshot_20181227-152914.jpg", datetime(2018, 12, 27, 15, 29, 14)),
    ("IMG-20190330-WA0002.jpg", date(2019, 3, 30)),       # WhatsApp names carry a day only
    ("signal-2018-08-21-100217.jpg", datetime(2018, 8, 21, 10, 2, 17)),
    ("Screenshot from 2017-02-01 11-32-30.png", datetime(2017, 2, 1, 11, 32, 30)),
])
def test_every_pattern_of_the_research(name: str, expected: date) -> None:
    got = from_filename(name)
    assert got == expected and type(got) is type(expected)
    assert getattr(got, "tzinfo", None) is None            # local wall-clock time, naive


@pytest.mark.parametrize("name", [
    "Pasted image.png", "Pasted image 13.png",             # 2020 counters, not dates
    "1555399334192.png", "1712345678.png",                 # bare epoch numbers
    "Pasted image 20241301120000.png",                     # month 13
    "Pasted image 20230230120000.png",                     # 30 February
    "Pasted image 20240101250000.png",                     # hour 25
    "Screenshot 2024-04-28 at 13.43.51 PM.png",            # 13 PM
    "Classical MDS.png", "IMG_1234.JPG", "Untitled (3).png", "logo_2.png",
    "Pasted image 18500101120000.png",                     # outside the sane window
])
def test_names_without_a_date(name: str) -> None:
    assert from_filename(name) is None


def test_front_matter_keys_in_order_and_as_written() -> None:
    assert from_front_matter({"date": date(2024, 1, 2), "created": date(2023, 5, 6)}) == \
        (date(2023, 5, 6), None)
    assert from_front_matter({"Date Created": "2024-01-02T10:11:12"}) == \
        (datetime(2024, 1, 2, 10, 11, 12), None)
    assert from_front_matter({"date_created": "2026-07-28"}) == (date(2026, 7, 28), None)
    assert from_front_matter({"Creation-Date": "2024-03-04"}) == (date(2024, 3, 4), None)
    aware = datetime(2024, 1, 2, 10, 0, tzinfo=timezone.utc)
    assert from_front_matter({"created": aware}) == (aware, None)


def test_front_matter_values_that_are_not_dates() -> None:
    assert from_front_matter({"date": "last week"}) == (None, "date")
    assert from_front_matter({"created": "soon", "date": "2024-01-02"}) == \
        (date(2024, 1, 2), "created")
    assert from_front_matter({"date": 20240102}) == (None, "date")
    assert from_front_matter({"date": None, "modified": "2024-01-02"}) == (None, None)
    assert from_front_matter({}) == (None, None)


# ---------------------------------------------------------------- parse_iso: one parser for
# front matter (vault) and talk specs / --from / --to (spec.yamlnodes.parse_date)

AWARE = datetime(2024, 4, 15, 10, 0, tzinfo=timezone(timedelta(hours=2)))


@pytest.mark.parametrize("text, expected", [
    # what the spec's parser reads: YYYY-MM-DD, T / t / space, H[H]:MM[:SS], short fields
    ("2024-04-15", date(2024, 4, 15)),
    (" 2024-04-15 \n", date(2024, 4, 15)),
    ("2024-4-5", date(2024, 4, 5)),
    ("2024-04-15T16:00", datetime(2024, 4, 15, 16, 0)),
    ("2024-04-15t16:00", datetime(2024, 4, 15, 16, 0)),
    ("2024-04-15 16:30:10", datetime(2024, 4, 15, 16, 30, 10)),
    ("2024-04-15T9:05", datetime(2024, 4, 15, 9, 5)),
    # what front matter read through fromisoformat
    ("20240415", date(2024, 4, 15)),
    ("2024-04-15T16:30:10.5", datetime(2024, 4, 15, 16, 30, 10, 500000)),
    ("2024-04-15T10:00:00+02:00", AWARE),
    ("2024-04-15T08:00:00Z", datetime(2024, 4, 15, 8, 0, tzinfo=timezone.utc)),
])
def test_parse_iso_reads_both_parsers_forms(text: str, expected: date) -> None:
    got = parse_iso(text)
    assert got == expected and type(got) is type(expected)
    assert getattr(got, "tzinfo", None) == getattr(expected, "tzinfo", None)


@pytest.mark.parametrize("text, message", [
    ("2024-13-01", "month must be in 1..12"),
    ("2024-02-30", "day is out of range"),
    ("2024-04-15T25:00", "hour must be in 0..23"),
    ("next week", "expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], not 'next week'"),
    ("15/04/2024", "expected YYYY-MM-DD"),
    ("", "expected YYYY-MM-DD"),
])
def test_parse_iso_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_iso(text)


def test_parse_iso_without_zones_is_local_time_only() -> None:
    with pytest.raises(ValueError, match="expected YYYY-MM-DD"):
        parse_iso("2024-04-15T10:00:00+02:00", zones=False)
    assert parse_iso("2024-04-15T10:00", zones=False) == datetime(2024, 4, 15, 10, 0)
    assert parse_iso("2024-04-15", zones=False) == date(2024, 4, 15)


def test_front_matter_reads_what_the_spec_reads() -> None:
    assert from_front_matter({"created": "2024-4-5 9:05"}) == (datetime(2024, 4, 5, 9, 5), None)
    assert from_front_matter({"created": "2024-04-15T10:00:00+02:00"}) == (AWARE, None)
    assert from_front_matter({"created": "2024-02-30"}) == (None, "created")


def test_file_name_patterns_are_compiled_on_first_use():
    # Compiling all of them at import was ~7 ms of every run; `re` keeps those used.
    from deckbuilder.vault import dates

    assert all(isinstance(p, str) for (p, _flags), _ in dates._PATTERNS)
    assert dates.from_filename("Pasted image 20240101090000.png") is not None
