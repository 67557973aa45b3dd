"""Rules that look at meaning across fields, rows and documents.

The pandera models check each value on its own. These rules check what only
shows when values are read together: a completion before its start, an
enrollment that cannot be right for the phase, criteria that contradict the
structured ages, percentages that give no whole number of patients, two
documents that disagree about one trial. Each takes pandas frames and
returns findings; vectorized filters pick the rows, messages are written
only for the rows that fail.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.extract.fields.dates import PartialDate, is_definitely_before
from pipeline.extract.document import Finding
from pipeline.registry.checks import (
    CONSISTENCY,
    DATE_ORDER,
    DOSE_STEPS,
    DUPLICATE_CONFLICT,
    ENROLLMENT,
    EVIDENCE_PERCENTAGES,
)
from pipeline.registry.tables import STUDIES

_DATE_PAIRS: tuple[tuple[str, str, str], ...] = (
    # (earlier, later, severity)
    ("start", "primary_completion", "ERROR"),
    ("primary_completion", "completion", "ERROR"),
    ("start", "completion", "ERROR"),
    ("first_submitted", "first_posted", "ERROR"),
    ("first_posted", "last_update_posted", "ERROR"),
)
_LARGE_FOR_PHASE1 = 1_000
_LARGE_FOR_ANY = 100_000


def _matches(texts: pd.Series, pattern: re.Pattern[str]) -> pd.Series:
    """Which texts the pattern finds something in (missing texts never match).

    Run by Arrow's RE2 engine over the whole column: pandas runs a
    case-insensitive pattern in Python one string at a time, which on a large
    corpus's criteria costs more than every other rule together. The patterns
    given here are written in the syntax both engines share.
    """
    found = pc.match_substring_regex(
        pa.array(texts, type=pa.string(), from_pandas=True),
        pattern.pattern,
        ignore_case=bool(pattern.flags & re.IGNORECASE),
    )
    return pd.Series(pc.fill_null(found, False).to_numpy(zero_copy_only=False), index=texts.index)


def _label(field: str) -> str:
    return field.replace("_", " ") + " date"


def _upper_bound(dates: pd.Series, precision: pd.Series) -> pd.Series:
    """The last day a partial date could mean: month-only dates reach the month's end."""
    as_datetime = pd.to_datetime(dates)
    month_end = as_datetime + pd.offsets.MonthEnd(0)
    year_end = as_datetime + pd.offsets.YearEnd(0)
    return as_datetime.where(precision == "DAY", month_end.where(precision == "MONTH", year_end))


def _shown(frame: pd.DataFrame, field: str, index) -> str:
    raw = frame.at[index, f"{field}_date_raw"]
    return str(raw) if isinstance(raw, str) else str(frame.at[index, f"{field}_date"])


def check_date_order(studies: pd.DataFrame) -> list[Finding]:
    """start <= primary completion <= completion, submitted <= posted <= last update.

    A month-only date is compared by its whole month, so "2025-09" is not
    before "2025-09-08".
    """
    findings = []
    for earlier, later, severity in _DATE_PAIRS:
        first = pd.to_datetime(studies[f"{earlier}_date"])
        last_possible = _upper_bound(studies[f"{later}_date"], studies[f"{later}_date_precision"])
        violating = studies.index[(last_possible < first).fillna(False)]
        for index in violating:
            findings.append(
                Finding(
                    check_name=DATE_ORDER,
                    category="date_order",
                    severity=severity,
                    nct_id=studies.at[index, "nct_id"],
                    source_file=studies.at[index, "source_file"],
                    field=f"{earlier}_date,{later}_date",
                    observed=f"{_shown(studies, earlier, index)} > {_shown(studies, later, index)}",
                    message=(
                        f"{_label(later)} {_shown(studies, later, index)} is before "
                        f"{_label(earlier)} {_shown(studies, earlier, index)}"
                    ),
                )
            )
    return findings


def _enrollment_finding(studies: pd.DataFrame, index, severity: str, message: str) -> Finding:
    value = studies.at[index, "enrollment"]
    return Finding(
        check_name=ENROLLMENT,
        category="enrollment",
        severity=severity,
        nct_id=studies.at[index, "nct_id"],
        source_file=studies.at[index, "source_file"],
        field="enrollment",
        observed=None if pd.isna(value) else str(value),
        message=message,
    )


def check_enrollment(studies: pd.DataFrame) -> list[Finding]:
    """Enrollment present, positive, plausible for the phase, and of a type that fits the status."""
    findings = []
    enrollment = studies["enrollment"]
    interventional = studies["study_type"] == "INTERVENTIONAL"
    for index in studies.index[(interventional & enrollment.isna()).fillna(False)]:
        findings.append(_enrollment_finding(studies, index, "WARNING", "no enrollment is stated for an interventional study"))
    # A withdrawn study enrolled nobody by definition; zero is its true count.
    not_withdrawn = studies["overall_status"] != "WITHDRAWN"
    for index in studies.index[((enrollment <= 0) & not_withdrawn).fillna(False)]:
        findings.append(
            _enrollment_finding(studies, index, "ERROR", f"enrollment {enrollment[index]} is not a number of participants")
        )
    phase1 = studies["phase"].isin(["EARLY_PHASE1", "PHASE1"])
    for index in studies.index[(phase1 & (enrollment > _LARGE_FOR_PHASE1)).fillna(False)]:
        findings.append(
            _enrollment_finding(
                studies, index, "WARNING",
                f"enrollment {enrollment[index]:,} is implausible for a {studies.at[index, 'phase']} study (more than {_LARGE_FOR_PHASE1:,})",
            )
        )
    for index in studies.index[(enrollment > _LARGE_FOR_ANY).fillna(False)]:
        findings.append(
            _enrollment_finding(studies, index, "WARNING", f"enrollment {enrollment[index]:,} is more than {_LARGE_FOR_ANY:,} participants")
        )
    actual_before_start = (studies["enrollment_type"] == "ACTUAL") & (studies["overall_status"] == "NOT_YET_RECRUITING")
    for index in studies.index[actual_before_start.fillna(False)]:
        findings.append(
            _enrollment_finding(
                studies, index, "WARNING",
                f"enrollment {enrollment[index]} is marked ACTUAL but the trial is not yet recruiting",
            )
        )
    return findings


_AGE_TEXT = re.compile(r"\bage[ds]?\b|years? of age|years? old", re.IGNORECASE)
_AGE_RANGE = re.compile(r"\b(\d{1,3})\s*(?:-|–|to)\s*(\d{1,3})\s*(?:years|yrs)", re.IGNORECASE)
_AGE_MINIMUM = re.compile(
    r"(?:≥|>=|at least|aged?\s+(?:≥|>=)?)\s*(\d{1,3})\s*(?:years|yrs)|(\d{1,3})\s*(?:years|yrs)\s*(?:or|and)\s*(?:older|above|over)",
    re.IGNORECASE,
)


def _stated_ages(text: str) -> tuple[float | None, float | None] | None:
    if not _AGE_TEXT.search(text):
        return None
    if match := _AGE_RANGE.search(text):
        return float(match.group(1)), float(match.group(2))
    if match := _AGE_MINIMUM.search(text):
        return float(match.group(1) or match.group(2)), None
    return None


def _consistency(nct_id: str, source_file: str | None, field: str, observed: str, message: str,
                 severity: str = "WARNING") -> Finding:
    return Finding(
        check_name=CONSISTENCY,
        category="consistency",
        severity=severity,
        nct_id=nct_id,
        source_file=source_file,
        field=field,
        observed=observed,
        message=message,
    )


def _years(value) -> str:
    return "no limit" if value is None or pd.isna(value) else f"{value:g}"


def check_criteria_ages(studies: pd.DataFrame, criteria: pd.DataFrame) -> list[Finding]:
    """Ages written in the inclusion criteria against the structured minimum and maximum."""
    findings = []
    inclusion = criteria[(criteria["criterion_type"] == "INCLUSION") & _matches(criteria["text"], _AGE_TEXT)]
    structured = inclusion.merge(studies[["nct_id", "min_age_years", "max_age_years"]], on="nct_id")
    for row in structured.itertuples(index=False):
        stated = _stated_ages(row.text)
        if stated is None:
            continue
        low, high = row.min_age_years, row.max_age_years
        mismatched = (stated[0] is not None and (pd.isna(low) or stated[0] != low)) or (
            stated[1] is not None and (pd.isna(high) or stated[1] != high)
        )
        if mismatched:
            findings.append(
                _consistency(
                    row.nct_id, row.source_file, "min_age_years,max_age_years",
                    f"criteria {_years(stated[0])}-{_years(stated[1])}; structured {_years(low)}-{_years(high)}",
                    f"inclusion criterion {row.ordinal} states ages {_years(stated[0])} to {_years(stated[1])} "
                    f"but the record's eligible ages are {_years(low)} to {_years(high)}",
                )
            )
    return findings


_ECOG_WORD = re.compile("ECOG", re.IGNORECASE)
_ECOG = re.compile(r"\bECOG\b[^.;\d]{0,40}?(\d)(?:\s*(?:-|–|to|or)\s*(\d))?", re.IGNORECASE)


def _ecog_values(text: str) -> set[int]:
    values: set[int] = set()
    for match in _ECOG.finditer(text):
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) else low
        values.update(range(min(low, high), max(low, high) + 1))
    return values


def check_title_ecog(studies: pd.DataFrame, criteria: pd.DataFrame) -> list[Finding]:
    """An ECOG status promised in the title must be one the inclusion criteria admit."""
    findings = []
    titled = studies[_matches(studies["brief_title"], _ECOG_WORD) | _matches(studies["official_title"], _ECOG_WORD)]
    inclusion = criteria[(criteria["criterion_type"] == "INCLUSION") & criteria["nct_id"].isin(titled["nct_id"])]
    inclusion = inclusion[_matches(inclusion["text"], _ECOG_WORD)]
    admitted = inclusion.groupby("nct_id")["text"].apply(lambda texts: _ecog_values(" ".join(texts)))
    for row in titled.itertuples(index=False):
        promised = _ecog_values(" ".join(t for t in (row.brief_title, row.official_title) if isinstance(t, str)))
        if not promised:
            continue
        allowed = admitted.get(row.nct_id, set())
        if not allowed:
            findings.append(
                _consistency(row.nct_id, row.source_file, "eligibility_criteria", f"title ECOG {sorted(promised)}",
                             f"the title names ECOG {'/'.join(map(str, sorted(promised)))} but no inclusion criterion states an ECOG status",
                             severity="INFO")
            )
        elif not promised <= allowed:
            findings.append(
                _consistency(row.nct_id, row.source_file, "eligibility_criteria",
                             f"title ECOG {sorted(promised)}; criteria ECOG {sorted(allowed)}",
                             f"the title names ECOG {'/'.join(map(str, sorted(promised)))} but the inclusion criteria "
                             f"admit ECOG {'/'.join(map(str, sorted(allowed)))}")
            )
    return findings


_RANDOMIZATION = re.compile(r"\brandomi[sz](?:ation|ed)\b", re.IGNORECASE)


def check_randomization_wording(studies: pd.DataFrame, outcomes: pd.DataFrame) -> list[Finding]:
    """Outcomes timed from randomization in a study that randomizes nobody.

    Copied outcome templates are the usual cause; the time frame then starts
    at an event that never happens in this trial.
    """
    not_randomized = studies[
        studies["allocation"].isin(["NA", "NON_RANDOMIZED"]) | (studies["intervention_model"] == "SINGLE_GROUP")
    ]
    design = not_randomized.set_index("nct_id")
    candidates = outcomes[outcomes["nct_id"].isin(design.index)]
    mentions = _matches(candidates["time_frame"], _RANDOMIZATION) | _matches(candidates["description"], _RANDOMIZATION)
    findings = []
    for row in candidates[mentions].itertuples(index=False):
        model = design.at[row.nct_id, "intervention_model"]
        allocation = design.at[row.nct_id, "allocation"]
        findings.append(
            _consistency(
                row.nct_id, row.source_file, "outcomes.time_frame", row.time_frame,
                f"{row.outcome_type.lower()} outcome {row.measure!r} is timed from randomization, but the study "
                f"is {str(model).replace('_', '-').lower() if isinstance(model, str) else 'of unknown model'} "
                f"with allocation {allocation if isinstance(allocation, str) else 'not stated'}: nobody is randomized",
            )
        )
    return findings


def _evidence_consistency(source_file: str, field: str, observed: str, message: str) -> Finding:
    finding = _consistency(None, source_file, field, observed, message)
    finding.check_name = EVIDENCE_PERCENTAGES
    return finding


def _as_printed(count: int, n: int, percent: float) -> bool:
    """`count` of `n` rounds, half up, to `percent` at the precision it was printed: 36 of 64 is 56.3%, not 57%."""
    printed = Decimal(str(percent)).normalize()
    places = Decimal(1).scaleb(min(0, printed.as_tuple().exponent))
    return (Decimal(count) * 100 / Decimal(n)).quantize(places, rounding=ROUND_HALF_UP) == printed


def check_evidence_percentages(findings_table: pd.DataFrame) -> list[Finding]:
    """A percentage of a cohort must be a whole number of its patients, and one figure per measure."""
    findings = []
    rows = findings_table.dropna(subset=["percent", "n"])
    rows = rows[rows["n"] > 0]
    exact = rows["percent"] * rows["n"] / 100
    for index, row in rows.iterrows():
        n, percent = int(row["n"]), float(row["percent"])
        nearest = int(exact[index])
        if not any(_as_printed(whole, n, percent) for whole in (nearest - 1, nearest, nearest + 1, nearest + 2)):
            message = f"is {exact[index]:.2f} patients, not a whole number"
        elif pd.notna(row["count"]) and not _as_printed(int(row["count"]), n, percent):
            # The article states both; a count that does not give the printed percentage is a typo in one of them.
            message = f"does not match its stated count of {int(row['count'])}"
        else:
            continue
        findings.append(
            _evidence_consistency(
                row["source_file"], "evidence_findings.percent", f"{percent:g}% of {n}",
                f"{row['measure']} {percent:g}% of {n} ({row['cohort']}) {message}",
            )
        )
    grouped = findings_table.groupby(["source_file", "cohort", "measure"], dropna=False)["percent"].nunique()
    for (source_file, cohort, measure), distinct in grouped[grouped > 1].items():
        figures = sorted(
            findings_table[
                (findings_table["source_file"] == source_file)
                & (findings_table["cohort"] == cohort)
                & (findings_table["measure"] == measure)
            ]["percent"].dropna().unique()
        )
        findings.append(
            _evidence_consistency(
                source_file, "evidence_findings.percent", " vs ".join(f"{p:g}%" for p in figures),
                f"{measure} in {cohort} is reported as {' and '.join(f'{p:g}%' for p in figures)} in the same article",
            )
        )
    return findings


# What two documents about one trial must agree on: every field of `studies`
# but the free texts (layouts legitimately abridge or reflow them), the
# registry's bookkeeping dates (each version of a record moves them), the
# companions of a date (compared with the date itself), the labels as written
# of vocabulary values (compared with the value: "Recruiting" and "RECRUITING"
# agree, one disagreement is one finding) and provenance.
_NOT_COMPARED = {"nct_id", "official_title", "brief_summary", "detailed_description", "source_file", "source_files",
                 *(f"{name}_date" for name in ("first_submitted", "first_posted", "last_update_posted", "last_verified"))}
CONFLICT_FIELDS = tuple(
    column.name for column in STUDIES.columns
    if column.name not in _NOT_COMPARED and column.raw_of is None
    and not column.name.endswith(("_date_precision", "_date_raw"))
)
# A value outside its vocabulary is null: what such a document states is its label as written.
_LABEL_AS_WRITTEN = {column.name: column.raw_name for column in STUDIES.as_written_columns}


def _comparable(value) -> object:
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    return value


def check_duplicate_conflicts(parsed_studies: pd.DataFrame, study_sources: pd.DataFrame) -> list[Finding]:
    """One finding per field on which two documents about one trial disagree."""
    ranked = parsed_studies.merge(study_sources[["nct_id", "source_file", "rank"]], on=["nct_id", "source_file"])
    repeated = ranked[ranked.duplicated("nct_id", keep=False)].sort_values(["nct_id", "rank"])
    # Plain rows, not pandas Series: a re-scraped trial then costs microseconds rather than the milliseconds
    # of groupby, iloc and iterrows (30 of 200 CPU-seconds of a 10,000-document build with 5% re-scrapes).
    documents_of: dict[str, list[dict]] = {}
    for row in repeated.to_dict("records"):
        documents_of.setdefault(row["nct_id"], []).append(row)
    findings = []
    for nct_id, documents in documents_of.items():
        for field in CONFLICT_FIELDS:
            findings.extend(_field_conflicts(nct_id, field, documents[0], documents[1:]))
    return findings


def _stated(row: Mapping[str, object], field: str) -> object:
    value = row[field]
    if _missing(value) and field in _LABEL_AS_WRITTEN:
        return row[_LABEL_AS_WRITTEN[field]]
    return value


def _field_conflicts(nct_id: str, field: str, winner: Mapping[str, object],
                     others: list[Mapping[str, object]]) -> Iterable[Finding]:
    kept = _stated(winner, field)
    for other in others:
        value = _stated(other, field)
        if _missing(kept) or _missing(value) or _comparable(kept) == _comparable(value):
            continue
        if field.endswith("_date") and not _dates_disagree(winner, other, field):
            continue
        yield Finding(
            check_name=DUPLICATE_CONFLICT,
            category="duplicate_conflict",
            severity="WARNING",
            nct_id=nct_id,
            source_file=other["source_file"],
            field=field,
            observed=f"{winner['source_file']}: {kept}; {other['source_file']}: {value}",
            message=(
                f"{nct_id} {field.replace('_', ' ')}: {winner['source_file']} says {kept}, "
                f"{other['source_file']} says {value}; studies keeps {kept} from {winner['source_file']}, "
                f"the most recently updated document"
            ),
        )


def _missing(value) -> bool:
    return value is None or (not isinstance(value, (list, tuple)) and pd.isna(value))


def _dates_disagree(first: Mapping[str, object], second: Mapping[str, object], field: str) -> bool:
    """Two dates disagree only when their possible ranges do not overlap ("2025-09" and "2025-09-08" agree)."""
    def partial(row: Mapping[str, object]) -> PartialDate:
        return PartialDate(row[field], row[f"{field}_precision"] or "DAY", str(row[f"{field}_raw"]))

    a, b = partial(first), partial(second)
    return is_definitely_before(a, b) or is_definitely_before(b, a)


def _dose_finding(row: pd.Series, message: str, observed: str) -> Finding:
    return Finding(
        check_name=DOSE_STEPS,
        category="domain",
        severity="WARNING",
        nct_id=row["nct_id"],
        source_file=row["source_file"],
        field="dosing",
        observed=observed,
        message=message,
    )


_DRUG_STEPS = ["nct_id", "source_file", "drug"]


def _misnumbered_steps(dosing: pd.DataFrame) -> pd.Series:
    """Each drug's sorted step numbers, for the drugs whose steps are not exactly 1..n.

    Steps 1..n are exactly the n distinct numbers from 1 to n, which the
    group statistics tell without Python per group; only the few drugs that
    fail are listed.
    """
    numbered = dosing.dropna(subset=["step"])
    stats = numbered.groupby(_DRUG_STEPS)["step"].agg(["count", "nunique", "min", "max"])
    wrong = stats[(stats["min"] != 1) | (stats["max"] != stats["count"]) | (stats["nunique"] != stats["count"])]
    if wrong.empty:
        return pd.Series(dtype=object)
    failing = numbered.set_index(_DRUG_STEPS).loc[wrong.index, "step"]
    return failing.groupby(level=[0, 1, 2]).apply(lambda s: sorted(s.astype(int)))


def check_dose_steps(dosing: pd.DataFrame) -> list[Finding]:
    """Doses above zero, ranges low to high, and each drug's steps numbered 1, 2, 3 without gaps."""
    findings = []
    not_positive = dosing[(dosing["dose_value"] <= 0).fillna(False)]
    for _, row in not_positive.iterrows():
        findings.append(_dose_finding(row, f"{row['drug']} step {row['step']} has dose {row['dose_value']:g}: "
                                           "a dose must be above zero", f"{row['dose_value']:g}"))
    reversed_range = dosing[(dosing["dose_value_max"] < dosing["dose_value"]).fillna(False)]
    for _, row in reversed_range.iterrows():
        findings.append(_dose_finding(row, f"{row['drug']} step {row['step']} ranges from {row['dose_value']:g} "
                                           f"down to {row['dose_value_max']:g}",
                                      f"{row['dose_value']:g}-{row['dose_value_max']:g}"))
    for (nct_id, source_file, drug), numbers in _misnumbered_steps(dosing).items():
        row = pd.Series({"nct_id": nct_id, "source_file": source_file})
        findings.append(_dose_finding(row, f"{drug} dose steps are numbered {numbers}, not 1 to {len(numbers)}",
                                      ", ".join(map(str, numbers))))
    return findings
