"""Exports of listings (CSV and XLSX), shared by the audit trail and the training records.

- Cells are neutralised (`cell`): a text that a spreadsheet would run as a formula gets a leading
  apostrophe, in CSV and XLSX alike.
- Rows are written as they come (`write_csv`, `write_xlsx`): callers pass an iterator over keyset
  batches, so memory stays bounded whatever the number of rows (openpyxl's write-only mode streams
  rows to a temporary file).
- Small exports (at most EXPORT_INLINE_LIMIT rows, counted no further: `at_most`) are answered in the
  request; larger ones run on the job queue (`run_file_export`), which writes the file under
  EXPORT_DIR as `<name>.part` and renames it when complete, so a file that exists is whole; the person
  follows a progress page and the file waits for them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, select

from app.core import jobs
from app.extensions import db

EXPORT_INLINE_LIMIT = 5000  # more rows than this go to the job queue
EXPORT_BATCH = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV, XLSX = "csv", "xlsx"
MIMETYPES = {
    CSV: "text/csv",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def cell(value: Any) -> str:
    """A spreadsheet never runs a cell as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def xlsx_cell(value: Any) -> Any:
    """Numbers and dates stay typed in XLSX; every text is neutralised like a CSV cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | date | datetime):
        return value
    return cell(value)


def at_most(stmt: Select, limit: int = EXPORT_INLINE_LIMIT) -> bool:
    """Does `stmt` return at most `limit` rows? Counts no further than limit + 1."""
    limited = stmt.order_by(None).limit(limit + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(limited)) <= limit


def count(stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def write_csv(
    out, header: Sequence[Any], batches: Iterable[list[Sequence[Any]]], progress: Callable | None = None
) -> int:
    """Write the header and every batch of rows (already neutralised) to a text stream."""
    writer = csv.writer(out)
    writer.writerow([str(h) for h in header])
    written = 0
    for batch in batches:
        writer.writerows(batch)
        written += len(batch)
        if progress is not None:
            progress(written)
    return written


def write_xlsx(
    target,
    header: Sequence[Any],
    batches: Iterable[list[Sequence[Any]]],
    progress: Callable | None = None,
    title: str = "Data",
) -> int:
    """Write an XLSX workbook in openpyxl's write-only mode (rows are not kept in memory) to a path
    or a binary stream."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([str(h) for h in header])
    written = 0
    for batch in batches:
        for row in batch:
            sheet.append([xlsx_cell(v) for v in row])
        written += len(batch)
        if progress is not None:
            progress(written)
    workbook.save(target)
    return written


def inline_file(
    kind: str, header: Sequence[Any], batches: Iterable[list[Sequence[Any]]]
) -> tuple[bytes, int]:
    """A small export built in the request: (content, rows). Bounded by EXPORT_INLINE_LIMIT rows."""
    if kind == XLSX:
        buffer = io.BytesIO()
        rows = write_xlsx(buffer, header, batches)
        return buffer.getvalue(), rows
    text = io.StringIO()
    text.write("\ufeff")  # spreadsheet programs read UTF-8 with a BOM
    rows = write_csv(text, [cell(h) for h in header], batches)
    return text.getvalue().encode("utf-8"), rows


def export_dir() -> Path:
    return Path(current_app.config["EXPORT_DIR"])


def run_file_export(
    job_id: int,
    path: Path,
    kind: str,
    header: Sequence[Any],
    batches: Iterable[list[Sequence[Any]]],
    failed_message: str,
) -> int:
    """The body of an export job: write the file (as .part, renamed when whole), report progress,
    finish the job. On any error the partial file is removed, the job marked failed, and the error
    raised (the job's unit of work rolls back)."""
    jobs.mark_running(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")

    def progress(done: int) -> None:
        jobs.report_progress(job_id, done)

    try:
        if kind == XLSX:
            rows = write_xlsx(partial, header, batches, progress)
        else:
            with partial.open("w", encoding="utf-8", newline="") as out:
                out.write("\ufeff")
                rows = write_csv(out, header, batches, progress)
    except Exception:
        partial.unlink(missing_ok=True)
        jobs.fail_job(job_id, failed_message)
        raise
    partial.replace(path)
    jobs.finish_job(job_id, result={"rows": rows, "file": path.name})
    return rows
