"""The run's quality as one HTML page that an analyst opens in any browser, offline.

`quality_findings` can hold tens of thousands of rows; a page with the
totals, charts of where the findings come from, the trials most affected
(each finding beside the line of the document it is about) and the
quarantined files says in a minute what the tables say in an hour.

The page is one file that works wherever it is copied (a shared drive, an
attachment, a laptop without network): the charts are SVG drawn here by
Vega-Lite through vl-convert, with no script and nothing to fetch, and a
Content-Security-Policy forbids both, so a value that slipped past the
escaping could still not run. Every value that comes from a document is
escaped: documents are untrusted.

Everything is counted in DuckDB and every list is cut (the top trials, the
first quarantined files, the first findings of a trial), so the page costs
the same for 5 documents and for 100,000.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import duckdb
import vl_convert as vlc

from pipeline.extract.decoding import UnreadableDocument, decode_document
from pipeline.publish.parquet import redact_table
from pipeline.publish.redaction import ContactRedaction
from pipeline.registry.tables import PERSONAL_FINDING_FIELDS, RAW_DOCUMENTS

REPORT_NAME = "quality_report.html"

TOP_TRIALS = 25
FINDINGS_PER_TRIAL = 20
LISTED_QUARANTINED = 100
_QUOTED_CHARS = 300
# Up to this many, a count axis names every whole number.
_LISTED_TICKS = 10

_SEVERITIES = ("ERROR", "WARNING", "INFO")
_SEVERITY_COLOURS = ("#c0392b", "#e08e0b", "#2e86c1")
_STATUSES = ("PARSED", "QUARANTINED")
_STATUS_COLOURS = ("#2e8b57", "#95a5a6")
_SEVERITY_ORDER = "CASE severity WHEN 'ERROR' THEN 0 WHEN 'WARNING' THEN 1 ELSE 2 END"
_LAYOUT = ("coalesce(d.format, CASE WHEN f.source_file IS NULL THEN '(across documents)' "
           "ELSE '(not recognised)' END)")
# Vega-Lite as Altair writes it; vl-convert bundles several versions.
_VEGA_LITE = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 0; background: #f6f7f9; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 20px; margin: 36px 0 12px; }
.run { color: #666; margin: 0 0 20px; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; }
.tile { background: #fff; border-radius: 8px; padding: 12px 18px; min-width: 120px; box-shadow: 0 1px 2px #0002; }
.tile b { display: block; font-size: 28px; } .tile span { color: #555; }
.tile.ERROR b { color: #c0392b; } .tile.WARNING b { color: #b9770e; } .tile.INFO b { color: #2e86c1; }
.charts { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 16px; }
figure { background: #fff; border-radius: 8px; padding: 12px 16px; margin: 0; box-shadow: 0 1px 2px #0002; }
figcaption { font-weight: 600; margin-bottom: 6px; }
details { background: #fff; border-radius: 8px; margin: 0 0 12px; padding: 10px 16px; box-shadow: 0 1px 2px #0002; }
summary { cursor: pointer; } summary .counts { color: #555; }
table { border-collapse: collapse; width: 100%; margin-top: 8px; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid #e3e5e8; }
th { font-size: 13px; color: #555; }
tr.source td { border-bottom: 2px solid #d5d8dc; color: #444; font-size: 13px; }
code, pre { font: 13px/1.4 ui-monospace, "SFMono-Regular", Menlo, monospace; background: #f1f3f5; border-radius: 3px; }
code { padding: 0 3px; } pre { white-space: pre-wrap; word-break: break-word; margin: 2px 0 0; padding: 4px 8px; }
.sev { font-size: 12px; font-weight: 700; padding: 1px 6px; border-radius: 3px; color: #fff; }
.sev.ERROR { background: #c0392b; } .sev.WARNING { background: #e08e0b; } .sev.INFO { background: #2e86c1; }
.note { color: #666; }
"""


@dataclass(frozen=True)
class _Finding:
    severity: str
    category: str
    field: str | None
    observed: str | None
    message: str
    source_file: str | None
    line: int | None
    record_path: str | None


def write_quality_report(conn: duckdb.DuckDBPyConnection, path: Path, run_id: str,
                         redaction: ContactRedaction | None = None) -> Path:
    """Write the report of the warehouse's current tables to `path`, whole or not at all.

    With a `redaction`, the page withholds what the published files withhold:
    phones and emails, and the values of findings about them.
    """
    page = quality_report_html(conn, run_id, redaction)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(page, encoding="utf-8")
    os.replace(partial, path)
    return path


def quality_report_html(conn: duckdb.DuckDBPyConnection, run_id: str,
                        redaction: ContactRedaction | None = None) -> str:
    """The whole page, from the warehouse's documents, studies, quality_findings and raw_documents."""
    generated = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sections = [
        _totals(conn),
        _charts(conn),
        _top_trials(conn, redaction),
        _quarantined(conn, redaction),
    ]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{_CSP}\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>trialflow quality report</title><style>{_STYLE}</style></head><body><main>"
        "<h1>trialflow quality report</h1>"
        f"<p class=\"run\">run <code>{_e(run_id)}</code>, written {generated}</p>"
        + "".join(sections)
        + "</main></body></html>\n"
    )


def _e(value: object) -> str:
    return "" if value is None else html.escape(str(value), quote=True)


def _rows(conn: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    result = conn.execute(sql, params or [])
    names = [d[0] for d in result.description]
    return [dict(zip(names, row)) for row in result.fetchall()]


def _totals(conn: duckdb.DuckDBPyConnection) -> str:
    counts = _rows(conn, """
        SELECT (SELECT count(*) FROM studies) AS trials,
               (SELECT count(*) FROM documents) AS documents,
               (SELECT count(*) FROM documents WHERE status = 'PARSED') AS parsed,
               (SELECT count(*) FROM documents WHERE status = 'QUARANTINED') AS quarantined,
               (SELECT count(*) FROM quality_findings) AS findings
    """)[0]
    by_severity = {r["severity"]: r["findings"] for r in _rows(
        conn, "SELECT severity, count(*) AS findings FROM quality_findings GROUP BY ALL")}
    tiles = [
        ("trials published", counts["trials"], ""),
        ("documents", counts["documents"], ""),
        ("parsed", counts["parsed"], ""),
        ("quarantined", counts["quarantined"], ""),
        ("findings", counts["findings"], ""),
        *((severity, by_severity.get(severity, 0), severity) for severity in _SEVERITIES),
    ]
    return "<h2>Totals</h2><div class=\"tiles\" id=\"totals\">" + "".join(
        f"<div class=\"tile {kind}\" data-total=\"{_e(label)}\"><b>{value:,}</b><span>{_e(label)}</span></div>"
        for label, value, kind in tiles
    ) + "</div>"


def _svg(chart: alt.TopLevelMixin) -> str:
    """The chart as inline SVG; vl-convert may fetch nothing (the data is in the spec)."""
    return vlc.vegalite_to_svg(chart.to_dict(), vl_version=_VEGA_LITE, allowed_base_urls=[])


def _stacked_bars(rows: list[dict], category: str, title: str, colour: str,
                  domain: tuple[str, ...], colours: tuple[str, ...], count: str) -> alt.Chart:
    return alt.Chart(alt.Data(values=rows), width=440).mark_bar().encode(
        x=alt.X(f"{count}:Q", title=count, axis=_count_axis(rows, category, count)),
        y=alt.Y(f"{category}:N", title=title, sort="-x"),
        color=alt.Color(f"{colour}:N", title=colour, scale=alt.Scale(domain=list(domain), range=list(colours))),
        order=alt.Order(f"{colour}_rank:Q"),
        tooltip=[f"{category}:N", f"{colour}:N", f"{count}:Q"],
    )


def _count_axis(rows: list[dict], category: str, count: str) -> alt.Axis:
    """Whole numbers only: a few findings would otherwise get ticks at 0.5."""
    totals: dict[str, int] = {}
    for row in rows:
        totals[row[category]] = totals.get(row[category], 0) + row[count]
    largest = max(totals.values(), default=0)
    if largest <= _LISTED_TICKS:
        return alt.Axis(values=list(range(largest + 1)), format="d")
    return alt.Axis(format="~s")


def _heatmap(rows: list[dict]) -> alt.LayerChart:
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("layout:N", title="layout", axis=alt.Axis(labelAngle=-30)),
        y=alt.Y("category:N", title="category"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("findings:Q", title="findings", scale=alt.Scale(scheme="orangered")))
    labels = base.mark_text(fontSize=12).encode(text="findings:Q")
    return alt.layer(cells, labels).properties(width=alt.Step(90), height=alt.Step(26))


def _figure(caption: str, rows: list[dict], chart: alt.TopLevelMixin) -> str:
    body = _svg(chart) if rows else "<p class=\"note\">Nothing to show: no findings.</p>"
    return f"<figure><figcaption>{_e(caption)}</figcaption>{body}</figure>"


def _charts(conn: duckdb.DuckDBPyConnection) -> str:
    by_category = _rows(conn, f"""
        SELECT category, severity, {_SEVERITY_ORDER} AS severity_rank, count(*) AS findings
        FROM quality_findings GROUP BY ALL ORDER BY ALL""")
    by_layout = _rows(conn, f"""
        SELECT {_LAYOUT} AS layout, f.severity, {_SEVERITY_ORDER} AS severity_rank, count(*) AS findings
        FROM quality_findings f LEFT JOIN documents d USING (source_file) GROUP BY ALL ORDER BY ALL""")
    by_category_layout = _rows(conn, f"""
        SELECT f.category, {_LAYOUT} AS layout, count(*) AS findings
        FROM quality_findings f LEFT JOIN documents d USING (source_file) GROUP BY ALL ORDER BY ALL""")
    documents = _rows(conn, """
        SELECT coalesce(format, '(not recognised)') AS layout, status,
               CASE status WHEN 'PARSED' THEN 0 ELSE 1 END AS status_rank, count(*) AS documents
        FROM documents GROUP BY ALL ORDER BY ALL""")
    figures = [
        _figure("Findings by category and severity", by_category, _stacked_bars(
            by_category, "category", "category", "severity", _SEVERITIES, _SEVERITY_COLOURS, "findings")),
        _figure("Findings by layout and severity", by_layout, _stacked_bars(
            by_layout, "layout", "layout", "severity", _SEVERITIES, _SEVERITY_COLOURS, "findings")),
        _figure("Findings by category and layout", by_category_layout, _heatmap(by_category_layout)),
        _figure("Documents by layout and status", documents, _stacked_bars(
            documents, "layout", "layout", "status", _STATUSES, _STATUS_COLOURS, "documents")),
    ]
    return "<h2>Where the findings are</h2><div class=\"charts\" id=\"charts\">" + "".join(figures) + "</div>"


def _top_trials(conn: duckdb.DuckDBPyConnection, redaction: ContactRedaction | None) -> str:
    trials = _rows(conn, """
        SELECT f.nct_id, any_value(s.brief_title) AS title,
               count(*) FILTER (WHERE f.severity = 'ERROR') AS errors,
               count(*) FILTER (WHERE f.severity = 'WARNING') AS warnings,
               count(*) FILTER (WHERE f.severity = 'INFO') AS info,
               count(*) AS findings, count(*) OVER () AS trials_with_findings
        FROM quality_findings f LEFT JOIN studies s USING (nct_id)
        WHERE f.nct_id IS NOT NULL GROUP BY f.nct_id
        ORDER BY errors DESC, warnings DESC, findings DESC, f.nct_id LIMIT ?""", [TOP_TRIALS])
    about_no_trial = conn.execute("SELECT count(*) FROM quality_findings WHERE nct_id IS NULL").fetchall()[0][0]
    heading = "<h2>The trials with the most findings</h2>"
    if not trials:
        return heading + "<p class=\"note\">No trial has a finding.</p>"
    shown, total = len(trials), trials[0]["trials_with_findings"]
    intro = (f"<p class=\"note\">The {shown} of {total:,} trials with findings that have the most errors, then "
             f"warnings; at most {FINDINGS_PER_TRIAL} findings each, errors first. Every finding is in "
             "<code>quality_findings</code>."
             + (f" {about_no_trial:,} findings are about no single trial (articles, whole tables)."
                if about_no_trial else "") + "</p>")
    findings = _findings_of(conn, [t["nct_id"] for t in trials], redaction)
    lines = _source_lines(conn, findings, redaction)
    cards = "".join(_trial_card(trial, findings.get(trial["nct_id"], []), lines) for trial in trials)
    return heading + intro + f"<div id=\"trials\">{cards}</div>"


def _findings_of(conn: duckdb.DuckDBPyConnection, nct_ids: list[str],
                 redaction: ContactRedaction | None) -> dict[str, list[_Finding]]:
    table = conn.sql(f"""
        SELECT check_name, category, severity, nct_id, source_file, field, observed, message, line, record_path
        FROM (SELECT *, row_number() OVER (PARTITION BY nct_id ORDER BY {_SEVERITY_ORDER}, category,
                                           source_file, field, message) AS place
              FROM quality_findings WHERE nct_id IN (SELECT unnest(?)))
        WHERE place <= ? ORDER BY nct_id, place""", params=[nct_ids, FINDINGS_PER_TRIAL]).to_arrow_table()
    if redaction is not None:
        table = redact_table("quality_findings", table, redaction)
    by_trial: dict[str, list[_Finding]] = {}
    for row in table.to_pylist():
        by_trial.setdefault(row["nct_id"], []).append(_Finding(
            row["severity"], row["category"], row["field"], row["observed"], row["message"],
            row["source_file"], row["line"], row["record_path"]))
    return by_trial


def _source_lines(conn: duckdb.DuckDBPyConnection, findings: dict[str, list[_Finding]],
                  redaction: ContactRedaction | None) -> dict[_Finding, tuple[int, str]]:
    """The line of its document each shown finding is about, as (number, text), where it can be told."""
    files = sorted({f.source_file for shown in findings.values() for f in shown if f.source_file})
    texts: dict[str, list[str]] = {}
    for source_file, content in conn.execute(
            f"SELECT source_file, content FROM {RAW_DOCUMENTS.qualified_name} WHERE source_file IN (SELECT unnest(?)) "
            "AND content IS NOT NULL", [files]).fetchall():
        try:
            texts[source_file] = decode_document(content).text.split("\n")
        except UnreadableDocument:
            continue
    quoted = {}
    for finding in (f for shown in findings.values() for f in shown):
        if finding.source_file not in texts or (redaction is not None and finding.field in PERSONAL_FINDING_FIELDS):
            continue
        found = _line_of(texts[finding.source_file], finding)
        if found is not None:
            number, text = found
            if redaction is not None:
                text = redaction.scrub(text, contact_text=False)
            quoted[finding] = (number, text)
    return quoted


def _line_of(lines: list[str], finding: _Finding) -> tuple[int, str] | None:
    """The line the finding names (`quality_findings.line`), where provenance could place it."""
    if finding.line is not None and 1 <= finding.line <= len(lines):
        return finding.line, lines[finding.line - 1]
    return None


def _trial_card(trial: dict, findings: list[_Finding], lines: dict[_Finding, tuple[int, str]]) -> str:
    counts = ", ".join(f"{trial[key]:,} {label if trial[key] == 1 else key}" for key, label in
                       (("errors", "error"), ("warnings", "warning"), ("info", "info")) if trial[key])
    more = trial["findings"] - len(findings)
    rows = "".join(_finding_rows(f, lines.get(f)) for f in findings)
    tail = (f"<p class=\"note\">and {more:,} more in <code>quality_findings</code></p>" if more > 0 else "")
    return (
        f"<details open class=\"trial\" data-nct-id=\"{_e(trial['nct_id'])}\"><summary>"
        f"<b>{_e(trial['nct_id'])}</b> {_e(trial['title'] or '(not published: no trial row)')} "
        f"<span class=\"counts\">({counts})</span></summary>"
        "<table><thead><tr><th>severity</th><th>category</th><th>field</th><th>observed</th>"
        f"<th>message</th></tr></thead><tbody>{rows}</tbody></table>{tail}</details>"
    )


def _finding_rows(finding: _Finding, line: tuple[int, str] | None) -> str:
    observed = f"<code>{_e(_cut(finding.observed))}</code>" if finding.observed else ""
    row = (f"<tr class=\"finding\"><td><span class=\"sev {_e(finding.severity)}\">{_e(finding.severity)}</span></td>"
           f"<td>{_e(finding.category)}</td><td>{_e(finding.field)}</td><td>{observed}</td>"
           f"<td>{_e(finding.message)}</td></tr>")
    if not finding.source_file:
        return row
    where = _e(finding.source_file)
    if finding.record_path:
        where += f", <code>{_e(finding.record_path)}</code>"
    if line is None:
        source = f"in {where}"
    else:
        number, text = line
        source = f"{where}, line {number}:<pre class=\"quote\">{_e(_cut(text.strip()))}</pre>"
    return row + f"<tr class=\"source\"><td></td><td colspan=\"4\">{source}</td></tr>"


def _cut(text: str) -> str:
    return text if len(text) <= _QUOTED_CHARS else text[:_QUOTED_CHARS] + "…"


def _quarantined(conn: duckdb.DuckDBPyConnection, redaction: ContactRedaction | None) -> str:
    table = conn.sql(
        "SELECT source_file, error FROM documents WHERE status = 'QUARANTINED' ORDER BY source_file LIMIT ?",
        params=[LISTED_QUARANTINED]).to_arrow_table()
    total = conn.execute("SELECT count(*) FROM documents WHERE status = 'QUARANTINED'").fetchall()[0][0]
    heading = "<h2>Quarantined files</h2>"
    if not total:
        return heading + "<p class=\"note\">No file was quarantined.</p>"
    if redaction is not None:
        table = redaction.table("documents", table)
    rows = "".join(f"<tr><td>{_e(r['source_file'])}</td><td>{_e(r['error'])}</td></tr>"
                   for r in table.to_pylist())
    shown = (f"The first {table.num_rows} of {total:,} quarantined files, by name; all of them are "
             "in <code>documents</code> (status QUARANTINED)." if total > table.num_rows
             else f"{total:,} quarantined file{'s' if total != 1 else ''}.")
    return (heading + f"<p class=\"note\">{shown}</p><table id=\"quarantined\"><thead><tr><th>file</th>"
            f"<th>why</th></tr></thead><tbody>{rows}</tbody></table>")
