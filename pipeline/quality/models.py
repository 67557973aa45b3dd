"""pandera models for every table, derived from the one declaration in `pipeline.registry.tables`.

Nothing here restates a column: types, vocabularies, patterns, bounds and
keys all come from the declaration, so the Arrow schema that loads the
warehouse and the model that checks it cannot drift apart.
"""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
from pandera.engines import pandas_engine
from pandera.typing import Series

from pipeline.extract.document import Finding
from pipeline.registry.checks import schema_check
from pipeline.registry.tables import TABLES_BY_NAME, Column, Table

_PANDAS_TYPES: dict[pa_arrow.DataType, Any] = {
    pa_arrow.string(): str,
    pa_arrow.int64(): pd.Int64Dtype,
    pa_arrow.float64(): float,
    pa_arrow.bool_(): pd.BooleanDtype,
    pa_arrow.date32(): pandas_engine.Date,
}
_ARROW_TO_PANDAS = {pa_arrow.int64(): pd.Int64Dtype(), pa_arrow.bool_(): pd.BooleanDtype()}

# Columns whose failures make a table unusable: a row that cannot be joined
# to its trial or its document, or whose place in the document is unknown.
_IDENTIFYING = {"nct_id", "source_file", "position"}


def _series_type(column: Column) -> Any:
    return Series[_PANDAS_TYPES.get(column.type, object)]


def _field(column: Column) -> Any:
    options: dict[str, Any] = {"nullable": column.nullable, "description": column.description or None}
    if column.vocabulary is not None:
        options["isin"] = list(column.vocabulary)
    if column.pattern is not None:
        options["str_matches"] = column.pattern
    if column.min_value is not None:
        options["ge"] = column.min_value
    if column.max_value is not None:
        options["le"] = column.max_value
    return pa.Field(**options)


@functools.cache
def model_for(table_name: str) -> type[pa.DataFrameModel]:
    """The pandera DataFrameModel of a declared table."""
    table: Table = TABLES_BY_NAME[table_name]
    config = type("Config", (), {"name": table.name, "strict": True, "unique": list(table.key) or None})
    namespace: dict[str, Any] = {
        "__annotations__": {c.name: _series_type(c) for c in table.columns},
        "__doc__": table.description,
        "Config": config,
        **{c.name: _field(c) for c in table.columns},
    }
    class_name = "".join(part.title() for part in table.name.split("_")) + "Model"
    return type(class_name, (pa.DataFrameModel,), namespace)


def to_frame(table: pa_arrow.Table) -> pd.DataFrame:
    """An Arrow table as the pandas frame the models expect (nullable ints and booleans)."""
    return table.to_pandas(types_mapper=_ARROW_TO_PANDAS.get)


def _describe(table: Table, case: dict[str, Any]) -> tuple[str, str, str]:
    """(category, severity, message) for one pandera failure case, in an analyst's words."""
    column, check, value = case["column"], str(case["check"]), case["failure_case"]
    if check.startswith("multiple_fields_uniqueness") or "unique" in check:
        keys = ", ".join(table.key)
        return "identifier", "ERROR", f"{table.name} holds more than one row for the key ({keys})"
    if column == "nct_id" and check.startswith("str_matches"):
        return "identifier", "ERROR", f"{value!r} is not an NCT id (NCT followed by 8 digits)"
    if check == "not_nullable":
        severity = "ERROR" if column in _IDENTIFYING else "WARNING"
        category = "identifier" if column in _IDENTIFYING else "domain"
        return category, severity, f"{table.name}.{column} is empty but every row needs it"
    if check.startswith("isin"):
        vocabulary = ", ".join(table.column(column).vocabulary or ())
        return "domain", "WARNING", f"{column} {value!r} is not one of {vocabulary}"
    if check.startswith(("greater_than_or_equal_to", "less_than_or_equal_to", "in_range")):
        spec = table.column(column)
        if spec.max_value is None:
            return "domain", "WARNING", f"{column} {value} is below {spec.min_value:g}"
        return "domain", "WARNING", f"{column} {value} is outside {spec.min_value:g} to {spec.max_value:g}"
    if check.startswith("str_matches"):
        return "domain", "WARNING", f"{column} {value!r} is not a well-formed {column}"
    return "parse", "ERROR", f"{table.name} does not match its declaration ({check}: {value})"


def validate_frame(table_name: str, frame: pd.DataFrame) -> list[Finding]:
    """Every failure of a table's model, lazily collected, as findings."""
    table = TABLES_BY_NAME[table_name]
    try:
        model_for(table_name).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return _findings_from(table, frame, errors.failure_cases)
    return []


def _findings_from(table: Table, frame: pd.DataFrame, cases: pd.DataFrame) -> list[Finding]:
    findings = []
    seen_keys: set[Any] = set()
    for case in cases.to_dict("records"):
        category, severity, message = _describe(table, case)
        index = case.get("index")
        row = frame.loc[index] if index is not None and not pd.isna(index) and index in frame.index else None
        nct_id = _value(row, "nct_id")
        source_file = _value(row, "source_file")
        if category == "identifier" and "more than one row" in message:
            key = tuple(_value(row, k) for k in table.key)
            if key in seen_keys:
                continue
            seen_keys.add(key)
            message = f"{message}: {', '.join(str(k) for k in key)}"
            case = {**case, "column": ",".join(table.key)}
        findings.append(
            Finding(
                check_name=schema_check(table.name),
                category=category,
                severity=severity,
                message=message,
                field=case["column"] if isinstance(case["column"], str) else None,
                observed=None if pd.isna(case["failure_case"]) else str(case["failure_case"]),
                nct_id=nct_id,
                source_file=source_file,
            )
        )
    return findings


def _value(row: pd.Series | None, column: str) -> Any:
    if row is None or column not in row.index:
        return None
    value = row[column]
    return None if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)) else value
