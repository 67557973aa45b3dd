"""The shared readers every layout relies on: dates, ages, vocabularies, decoding."""

from __future__ import annotations

import codecs
import datetime as dt

import pytest

from pipeline.extract.fields.ages import parse_age_range, parse_age_years
from pipeline.extract.fields.dates import is_definitely_before, parse_partial_date
from pipeline.extract.decoding import UnreadableDocument, decode_document
from pipeline.registry.vocabularies import ALLOCATION, INTERVENTION_MODEL, MASKING, OVERALL_STATUS, PHASE, to_vocabulary


@pytest.mark.parametrize(
    "text, value, precision",
    [
        ("2025-09-08", dt.date(2025, 9, 8), "DAY"),
        ("2025-09", dt.date(2025, 9, 1), "MONTH"),
        ("2001", dt.date(2001, 1, 1), "YEAR"),
        ("July 2001", dt.date(2001, 7, 1), "MONTH"),
        ("November 5, 2015", dt.date(2015, 11, 5), "DAY"),
        ("5 December 2025", dt.date(2025, 12, 5), "DAY"),
    ],
)
def test_dates_keep_the_precision_they_were_written_in(text, value, precision):
    parsed = parse_partial_date(text)
    assert (parsed.value, parsed.precision, parsed.raw) == (value, precision, text)


@pytest.mark.parametrize("text", ["N/A", "19 Years", "2025-13-01", "", "soon"])
def test_what_is_not_a_date_is_none(text):
    assert parse_partial_date(text) is None


def test_a_month_only_date_is_not_before_a_day_in_that_month():
    month, day = parse_partial_date("2025-09"), parse_partial_date("2025-09-08")
    assert not is_definitely_before(month, day)
    assert not is_definitely_before(day, month)
    assert is_definitely_before(parse_partial_date("2025-08-31"), month)


@pytest.mark.parametrize(
    "text, bounds",
    [
        ("18 to 75 years old", (18.0, 75.0)),
        ("18 Years to 75 Years", (18.0, 75.0)),
        ("18 Years and older (Adult, Older Adult)", (18.0, None)),
        ("65+ years", (65.0, None)),
        ("up to 18 Years", (None, 18.0)),
        ("19 Years", (19.0, None)),
        ("ALL", None),
    ],
)
def test_age_ranges(text, bounds):
    assert parse_age_range(text) == bounds


def test_single_ages_convert_units_to_years():
    assert parse_age_years("19 Years") == 19.0
    assert parse_age_years("6 Months") == 0.5
    assert parse_age_years("Female") is None


@pytest.mark.parametrize(
    "label, vocabulary, value",
    [
        ("Not yet enrolling", OVERALL_STATUS, "NOT_YET_RECRUITING"),
        ("NOT_YET_RECRUITING", OVERALL_STATUS, "NOT_YET_RECRUITING"),
        ("Phase 2", PHASE, "PHASE2"),
        ("Phase 1/Phase 2", PHASE, "PHASE1/PHASE2"),
        ("Single Group Assignment", INTERVENTION_MODEL, "SINGLE_GROUP"),
        ("None (Open label)", MASKING, "NONE"),
        ("N/A", ALLOCATION, "NA"),
        ("Na", ALLOCATION, "NA"),
        ("Sometimes", ALLOCATION, None),
    ],
)
def test_labels_map_to_the_contract_vocabularies(label, vocabulary, value):
    assert to_vocabulary(label, vocabulary) == value


def test_decoding_reads_boms_latin1_and_crlf():
    assert decode_document(codecs.BOM_UTF8 + "NCT ID: é\r\n".encode()).text == "NCT ID: é\n"
    assert decode_document("Étude\n".encode("utf-16")).encoding == "utf-16"
    assert decode_document("Münster".encode("latin-1")).text == "Münster"


@pytest.mark.parametrize(
    "data, reason",
    [(b"", "empty file"), (b"  \n\t", "only white space"), (b"abc\x00def", "binary file")],
)
def test_undecodable_files_say_why(data, reason):
    with pytest.raises(UnreadableDocument, match=reason):
        decode_document(data)
