"""The benchmark corpus generator: reproducible, in the announced mix, with its faults labelled, and
every document read by the real parser as what its label says it is."""

from __future__ import annotations

import csv
import hashlib
import random
import re
from collections import Counter
from pathlib import Path

import pytest

from pipeline.bench.__main__ import main
from pipeline.bench.generate import (
    DEFAULT_RESCRAPE_SHARE,
    FAULTS,
    LAYOUT_MIX,
    _retargeted,
    add_one_participant,
    document_file,
    drop_criteria_items,
    find_subject,
    generate_corpus,
    generate_documents,
    labels_path,
    load_templates,
    read_date,
    shift_dates,
)
from pipeline.extract.free_text.conditions import condition_families
from pipeline.extract.parsing import parse_document
from tests.conftest import read_seed
from tests.pipeline_helpers import materialize_all, query, settings_in

COUNT = 200
SEED = 11
FAULT_SHARE = 0.2


def _labels(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _files(folder: Path) -> dict[str, bytes]:
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in files}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    target = tmp_path_factory.mktemp("bench") / "corpus"
    summary = generate_corpus(COUNT, target, seed=SEED, fault_share=FAULT_SHARE)
    return summary, _labels(summary.labels)


@pytest.fixture(scope="module")
def parsed(corpus):
    """Every generated document through the real parser, with its label."""
    summary, labels = corpus
    results = []
    for label in labels:
        data = (summary.target / label["file"]).read_bytes()
        results.append((label, parse_document(label["file"], data, hashlib.sha256(data).hexdigest())))
    return results


def _with_fault(parsed, fault: str):
    found = [(label, result) for label, result in parsed if label["fault"] == fault]
    assert found, f"the test corpus should hold {fault!r} documents"
    return found


def _clean(parsed, layout: str):
    return [result for label, result in parsed if label["layout"] == layout and not label["fault"]]


def _study(result):
    return result.rows["parsed_studies"][0]


# --- reproducibility, mix, labels ----------------------------------------------------


def test_same_count_and_seed_give_byte_identical_files(tmp_path):
    first = generate_corpus(60, tmp_path / "a", seed=5)
    second = generate_corpus(60, tmp_path / "b", seed=5)
    assert _files(first.target) == _files(second.target)
    assert first.labels.read_bytes() == second.labels.read_bytes()
    assert len(_files(first.target)) == 60


def test_another_seed_gives_other_documents(tmp_path):
    first = generate_corpus(60, tmp_path / "a", seed=5)
    other = generate_corpus(60, tmp_path / "b", seed=6)
    first_files, other_files = _files(first.target), _files(other.target)
    same_name = set(first_files) & set(other_files)
    assert not any(first_files[name] == other_files[name] for name in same_name)
    assert first.labels.read_bytes() != other.labels.read_bytes()


def test_layouts_follow_the_mix(corpus):
    summary, labels = corpus
    expected = {layout: round(COUNT * share) for layout, share in LAYOUT_MIX.items()}
    assert summary.by_layout == expected == {
        "mirror_page": 60, "ctgov_text": 20, "veeva_page": 20, "news_article": 10, "ctgov_json": 50, "ctgov_xml": 40,
    }  # fmt: skip
    assert Counter(label["layout"] for label in labels) == Counter(expected)


def test_file_extension_follows_the_layout(corpus):
    _, labels = corpus
    extensions = {(label["layout"], Path(label["file"]).suffix) for label in labels}
    assert extensions == {
        ("mirror_page", ".txt"), ("ctgov_text", ".txt"), ("veeva_page", ".txt"), ("news_article", ".txt"),
        ("ctgov_json", ".json"), ("ctgov_xml", ".xml"),
    }  # fmt: skip


def test_fault_share_is_respected_and_every_fault_labelled(corpus):
    summary, labels = corpus
    faults = Counter(label["fault"] for label in labels if label["fault"])
    assert sum(faults.values()) == COUNT * FAULT_SHARE == 40
    assert set(faults) == set(FAULTS)
    assert dict(faults) == summary.by_fault


def test_default_fault_share_is_five_percent_and_zero_means_none():
    assert sum(1 for document in generate_documents(COUNT, seed=SEED) if document.fault) == 10
    assert not any(document.fault for document in generate_documents(100, seed=SEED, fault_share=0))


def test_faults_only_where_the_layout_can_show_them(corpus):
    _, labels = corpus
    by_layout = {(label["layout"], label["fault"]) for label in labels if label["fault"]}
    # Veeva pages print no dates; the news article has no ages, sex or trial dates.
    assert ("veeva_page", "reversed_dates") not in by_layout
    assert {fault for layout, fault in by_layout if layout == "news_article"} <= {"truncation"}


def test_nct_ids_are_new_and_unique_but_for_rescrapes(corpus):
    _, labels = corpus
    template_ids = {template.nct_id for templates in load_templates().values() for template in templates}
    ids = [label["nct_id"] for label in labels if label["layout"] != "news_article"]
    assert len(ids) == COUNT - 10
    first_scrapes = [label["nct_id"] for label in labels if label["layout"] != "news_article" and not label["rescrape_of"]]
    assert len(set(first_scrapes)) == len(first_scrapes) == COUNT - 10 - 10
    assert all(re.fullmatch(r"NCT9\d{7}", nct_id) for nct_id in ids)
    assert not set(ids) & template_ids
    assert all(label["nct_id"] == "" for label in labels if label["layout"] == "news_article")


def test_labels_go_beside_the_corpus_and_folders_hold_at_most_a_thousand(corpus):
    summary, labels = corpus
    assert summary.labels == summary.target.parent / "corpus.labels.csv" == labels_path(summary.target)
    assert not list(summary.target.rglob("*.csv"))
    assert {Path(label["file"]).parent.as_posix() for label in labels} == {"0000"}
    assert document_file(999, "ctgov_json") == "0000/000999.json"
    assert document_file(1000, "mirror_page") == "0001/001000.txt"


def test_a_folder_that_is_not_empty_is_refused(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "old.txt").write_text("from an earlier corpus")
    with pytest.raises(FileExistsError, match="is not empty"):
        generate_corpus(5, tmp_path / "corpus")


# --- the real parser reads what the labels say --------------------------------------------


def test_clean_documents_parse_as_their_layout_with_their_new_id(parsed):
    clean = [(label, result) for label, result in parsed if not label["fault"]]
    assert len(clean) == COUNT - 40
    for label, result in clean:
        assert result.status == "PARSED", (label, result.document["error"])
        assert result.document["format"] == label["layout"]
        assert result.document["nct_id"] == (label["nct_id"] or None)
        assert "field_swap" not in {finding.category for finding in result.findings}, label


def test_clean_news_articles_are_evidence_each_with_its_own_citation(parsed):
    articles = [(label, result) for label, result in parsed if label["layout"] == "news_article" and not label["fault"]]
    assert articles
    for label, result in articles:
        (evidence,) = result.rows["evidence"]
        assert evidence["source_file"] == label["file"]
        assert evidence["sample_size"] == 40
        assert re.search(r"S1525-7304\(25\)9\d{7}-2/abstract$", evidence["citation"])
    assert len({result.rows["evidence"][0]["citation"] for _, result in articles}) == len(articles)


def test_swapped_documents_give_a_field_swap_finding(parsed):
    swapped = _with_fault(parsed, "swap")
    assert {label["layout"] for label, _ in swapped} == {
        "mirror_page", "ctgov_text", "veeva_page", "ctgov_json", "ctgov_xml",
    }  # fmt: skip
    for label, result in swapped:
        assert result.status == "PARSED"
        swaps = [finding for finding in result.findings if finding.category == "field_swap"]
        assert swaps, label
        assert swaps[0].field.endswith(",sex")
        if label["layout"] == "mirror_page":
            # Both mirror seeds state "18 Years" and "ALL".
            assert swaps[0].observed == "min_age='ALL'; sex='18 Years'"
        # The repair puts the values back, so the typed row holds a sex again.
        assert _study(result)["sex"] in {"ALL", "FEMALE", "MALE"}


def test_reversed_dates_documents_start_after_completion(parsed):
    for label, result in _with_fault(parsed, "reversed_dates"):
        assert result.status == "PARSED"
        study = _study(result)
        assert study["start_date"] > study["completion_date"], label


def test_truncated_documents_are_parsed_or_quarantined_never_raise(parsed):
    for label, result in _with_fault(parsed, "truncation"):
        assert result.status in {"PARSED", "QUARANTINED"}
        if label["layout"] in {"ctgov_json", "ctgov_xml"}:
            # A registry record cut short is never well-formed.
            assert result.status == "QUARANTINED", label
            assert result.document["error"]


# --- what varies from document to document ------------------------------------------------


def test_seed_000_copies_vary_sites_criteria_enrollment_and_dates(parsed):
    copies = [
        result for result in _clean(parsed, "mirror_page")
        if re.match(r"A Trial of \w+ in Patients With Pretreated Extensive-stage", _study(result)["brief_title"])
    ]
    assert len(copies) >= 5
    assert len({len(result.rows["parsed_sites"]) for result in copies}) > 1
    assert len({len(result.rows["parsed_eligibility_criteria"]) for result in copies}) > 1
    assert len({_study(result)["enrollment"] for result in copies}) > 1
    assert len({_study(result)["start_date"] for result in copies}) > len(copies) // 2
    for result in copies:
        # The template states 19 sites and 19 facility contacts, matched by position.
        sites = result.rows["parsed_sites"]
        facilities = {contact["facility"] for contact in result.rows["parsed_contacts"] if contact["facility"]}
        assert facilities == {site["facility"] for site in sites}
        assert len({(site["facility"], site["city"], site["country"]) for site in sites}) == len(sites)


def test_copies_study_other_drugs_and_mostly_other_cancers(parsed):
    trials = [result for layout in ("mirror_page", "ctgov_json", "ctgov_xml") for result in _clean(parsed, layout)]
    drugs = Counter(row["drug"] for result in trials for row in result.rows.get("parsed_dosing", []))
    assert len(drugs) >= 8 and max(drugs.values()) < 0.5 * sum(drugs.values())
    seeds_families = {"SCLC", "NSCLC", "neuroendocrine carcinoma"}
    families = [result for result in trials
                if seeds_families & set(condition_families(
                    " ".join(row["condition"] for row in result.rows.get("parsed_conditions", []))))]
    assert len(families) < 0.2 * len(trials)


def test_a_regimen_of_two_drugs_stays_two_drugs():
    (template,) = [t for t in load_templates()["veeva_page"] if t.name.startswith("002")]
    named = {m.drug for m in template.subject if m.drug}
    for number in range(20):
        copy = _retargeted(template, random.Random(number))
        assert len({m.drug for m in find_subject(copy.text) if m.drug}) == len(named)


def test_repeated_sites_are_renamed_into_sites_of_their_own(parsed):
    renamed = [
        site["facility"]
        for result in _clean(parsed, "mirror_page") + _clean(parsed, "ctgov_json") + _clean(parsed, "ctgov_xml")
        for site in result.rows.get("parsed_sites", [])
        if site["facility"] and re.search(r" \(site \d+\)$", site["facility"])
    ]
    assert renamed


def test_dates_keep_their_shape_and_span(parsed):
    studies = [_study(result) for result in _clean(parsed, "ctgov_text")]
    # Seed 001: start 2025-09-02, completion 2029-04-30; every copy moves both by the same days.
    spans = {(study["completion_date"] - study["start_date"]).days for study in studies}
    assert spans == {1336}


def test_seed_001_is_put_right_before_copying(parsed):
    assert "Ages Eligible for Study:\nALL\nSexes Eligible for Study:\n19 Years" in read_seed("001")
    for result in _clean(parsed, "ctgov_text"):
        study = _study(result)
        assert (study["min_age_years"], study["sex"]) == (19.0, "ALL")


def test_a_withdrawn_study_keeps_zero_enrollment(parsed):
    withdrawn = [
        _study(result) for result in _clean(parsed, "ctgov_json")
        if _study(result)["brief_title"].startswith("Alternative Treatment of Deep Carious Lesions")
    ]
    assert withdrawn
    assert {study["enrollment"] for study in withdrawn} == {0}


# --- dates and criteria --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days", "expected"),
    [
        ("Study Start Date\n\n2026-05-31", 10, "Study Start Date\n\n2026-06-10"),
        ('"startDateStruct": {"date": "2004-05"}', 20, '"startDateStruct": {"date": "2004-06"}'),
        ("<start_date>April 1991</start_date>", -20, "<start_date>March 1991</start_date>"),
        ("<start_date>February 27, 2003</start_date>", 3, "<start_date>March 2, 2003</start_date>"),
        ("Published online December 5, 2025.", 30, "Published online January 4, 2026."),
        ("between May 2024 and February 2025", -31, "between April 2024 and January 2025"),
        ("Dec. 5, 2025", 1, "Dec. 6, 2025"),
    ],
)
def test_dates_move_keeping_their_precision(text, days, expected):
    assert shift_dates(text, days) == expected


@pytest.mark.parametrize(
    "text",
    [
        "cisplatin administered on day 1, 75-80mg/m2, IV.",
        "Phone Number: +82-2-3010-3266",
        "https://www.clinical-lung-cancer.com/article/S1525-7304(25)00326-2/abstract",
        "an impossible 2021-02-30",
        "NCT07203053",
    ],
)
def test_text_that_is_no_date_stays_as_written(text):
    assert shift_dates(text, 400) == text


def test_read_date_knows_the_registry_shapes():
    assert read_date("2029-04").to_the_day is False
    assert read_date("September 26, 2012").day.isoformat() == "2012-09-26"
    assert read_date("N/A") is None


VEEVA_CRITERIA = read_seed("002").split("Inclusion and exclusion criteria\n")[1].split("Trial design")[0]


def _numbers(text: str, heading: str) -> list[int]:
    section = text.split(heading)[1].split("**")[0]
    return [int(number) for number in re.findall(r"^  (\d+)\. ", section, re.MULTILINE)]


def test_dropping_criteria_keeps_lists_whole_and_numbered():
    dropped_any = False
    for seed in range(40):
        varied = drop_criteria_items(VEEVA_CRITERIA, random.Random(seed))
        dropped_any |= varied != VEEVA_CRITERIA
        inclusion = _numbers(varied, "**Inclusion Criteria:**")
        exclusion = _numbers(varied, "**Exclusion Criteria:**")
        assert inclusion == list(range(1, len(inclusion) + 1))
        assert exclusion == list(range(1, len(exclusion) + 1))
        # A list's first item and an item opening a nested list are never dropped.
        assert "1. Histologically or cytologically confirmed extensive-stage" in varied
        assert "1. Symptomatic brain metastases." in varied
        assert ". Adequate hematologic and organ function:" in varied
        assert "\n\n\n" not in varied
    assert dropped_any


def test_dropping_nothing_returns_the_text_unchanged():
    text = "Inclusion Criteria:\n\n* Age >= 18 years\n\nExclusion Criteria:\n\n* Pregnancy"
    assert drop_criteria_items(text, random.Random(1)) == text


# --- command line ------------------------------------------------------------------------------


def test_command_line_generates_and_reports(tmp_path, capsys):
    assert main(["generate", "20", str(tmp_path / "cli"), "--seed", "3", "--fault-share", "0.1"]) == 0
    report = capsys.readouterr().out
    assert "wrote 20 documents to" in report
    assert "faults: 2 (" in report
    assert "re-scrapes: 1 (" in report
    assert len(_labels(tmp_path / "cli.labels.csv")) == 20
    assert main(["generate", "20", str(tmp_path / "cli")]) == 2
    assert "is not empty" in capsys.readouterr().err


def test_add_one_participant_changes_the_enrollment_wherever_it_is_stated():
    veeva = add_one_participant(read_seed("002"), "veeva_page")
    assert "26 estimated patients" in veeva and "26 participants in 1 patient group" in veeva
    assert "25 estimated patients" not in veeva
    changed = parse_document("002.txt", veeva.encode(), "x")
    assert _study(changed)["enrollment"] == 26
    assert add_one_participant(read_seed("004"), "news_article") is None


# --- trials seen in several documents --------------------------------------------------------


def test_a_labelled_share_rescrapes_an_earlier_clean_trial_with_a_higher_enrollment(corpus, parsed):
    _, labels = corpus
    by_file = {label["file"]: label for label in labels}
    rescrapes = [label for label in labels if label["rescrape_of"]]
    assert DEFAULT_RESCRAPE_SHARE == 0.05 and len(rescrapes) == COUNT * DEFAULT_RESCRAPE_SHARE == 10
    enrollment = {label["file"]: _study(result)["enrollment"] for label, result in parsed if result.rows.get("parsed_studies")}
    for copy in rescrapes:
        original = by_file[copy["rescrape_of"]]
        copy_number, original_number = int(Path(copy["file"]).stem), int(Path(original["file"]).stem)
        assert original_number < copy_number and original_number // 100 == copy_number // 100  # same block
        assert (copy["layout"], copy["nct_id"], copy["fault"]) == (original["layout"], original["nct_id"], "")
        assert original["fault"] == "" and not original["rescrape_of"]
        assert enrollment[copy["file"]] > enrollment[original["file"]]
    other_ids = [label["nct_id"] for label in labels if label not in rescrapes and label["nct_id"]]
    assert Counter(other_ids)[rescrapes[0]["nct_id"]] == 1


def test_zero_rescrape_share_means_none_and_more_than_half_is_refused():
    assert not any(document.rescrape_of for document in generate_documents(100, seed=SEED, rescrape_share=0))
    with pytest.raises(ValueError, match="re-scrape share"):
        list(generate_documents(10, rescrape_share=0.6))


def test_a_run_finds_duplicate_conflicts_for_exactly_the_rescraped_trials(tmp_path):
    settings = settings_in(tmp_path, copy_seeds=False)
    settings.source_dir.rmdir()
    summary = generate_corpus(100, settings.source_dir, seed=SEED, fault_share=0)
    rescraped = {label["nct_id"] for label in _labels(summary.labels) if label["rescrape_of"]}
    assert summary.rescrapes == len(rescraped) == 5
    assert materialize_all(settings).success
    conflicts = query(settings, "SELECT DISTINCT nct_id, field FROM quality_findings WHERE category = 'duplicate_conflict'")
    assert {nct_id for nct_id, _ in conflicts} == rescraped
    assert {field for _, field in conflicts} == {"enrollment"}
    assert query(settings, "SELECT count(*) FROM studies WHERE nct_id IN (SELECT unnest(?))", [sorted(rescraped)]) == [(5,)]


def test_real_sized_records_are_the_registry_records_under_fresh_ids(tmp_path):
    from pipeline.bench.records import REGISTRY_RECORDS_DIR, generate_records

    originals = {path.name[:-len(".json")]: path.read_bytes() for path in REGISTRY_RECORDS_DIR.glob("*.json")}
    count = len(originals) + 3  # every record once, then the first three again
    generate_records(count, tmp_path / "records", seed=SEED)
    labels = _labels(labels_path(tmp_path / "records"))
    assert [label["file"][:5] for label in labels] == ["0000/"] * count
    assert len({label["nct_id"] for label in labels}) == count and all(
        re.fullmatch(r"NCT8\d{7}", label["nct_id"]) for label in labels)
    copied_from = []
    for label in labels:
        data = (tmp_path / "records" / label["file"]).read_bytes()
        result = parse_document(label["file"], data, hashlib.sha256(data).hexdigest())
        assert (result.status, result.document["format"], result.document["nct_id"]) == (
            "PARSED", "ctgov_json", label["nct_id"])
        original = next(nct_id for nct_id, bytes_ in originals.items()
                        if bytes_.replace(nct_id.encode(), label["nct_id"].encode()) == data)
        assert original.encode() not in data  # no trace of the trial it was copied from
        copied_from.append(original)
    assert sorted(copied_from[: len(originals)]) == sorted(originals)  # sizes as in the corpus: each record once
    assert copied_from[len(originals):] == copied_from[:3]
    changed = add_one_participant(data.decode(), "ctgov_json")
    assert changed is not None and changed != data.decode()  # the benchmark's one change applies to a record
