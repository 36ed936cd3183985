"""The customer import by upload, for supervisors: a dry run first, then "Import
ausführen" (or "Verwerfen").

Between the two steps the checked import waits as a file under the instance folder
(`instance/imports/`, or the app's HOTLINE_IMPORT_DIR config): nothing in process memory,
no size limit of the session cookie, and no admin PIN in clear (hotline/imports/pending.py:
PINs hashed, the file readable by the hotline's user only). The form of the second step
carries only the file's random name; the import is checked against the database again
and applied all or nothing, then the file is deleted, as it is when discarded.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from hotline.imports import ImportReport, pending, read_csv, run_import
from hotline.runtime import runtime
from hotline.web.ui import supervisor_required

bp = Blueprint("import_pages", __name__)

MAX_UPLOAD = 20 * 1024 * 1024


def upload_dir() -> Path:
    configured = current_app.config.get("HOTLINE_IMPORT_DIR")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _import_page(
    report: ImportReport | None = None,
    *,
    token: str | None = None,
    filename: str = "",
    error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    return (
        render_template("import.html", report=report, token=token, filename=filename, error=error),
        status,
    )


@bp.get("/import")
@supervisor_required
def imports() -> ResponseReturnValue:
    return _import_page()


@bp.post("/import")
@supervisor_required
def import_preview() -> ResponseReturnValue:
    """Step 1: check the file, count what would change (a dry run), keep it pending."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _import_page(error="Bitte eine CSV-Datei auswählen.", status=422)
    content = upload.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        return _import_page(error="Die Datei ist größer als 20 MB.", status=413)
    folder = upload_dir()
    pending.forget_old(folder)
    rt = runtime()
    data = read_csv(content)
    report = run_import(rt.sessions, data, now=rt.clock.now(), dry_run=True)
    if report.errors:
        # A rejected file cannot be imported; keep nothing of it.
        return _import_page(report, filename=upload.filename, status=422)
    with rt.sessions() as session:
        token = pending.keep(folder, session, data)
    return _import_page(report, token=token, filename=upload.filename)


@bp.post("/import/apply")
@supervisor_required
def import_apply() -> ResponseReturnValue:
    """Step 2: import the very file of the preview, all or nothing."""
    token = request.form.get("token", "")
    filename = request.form.get("filename", "")[:200]
    folder = upload_dir()
    data = pending.load(folder, token)
    if data is None:
        return _import_page(
            error="Die hochgeladene Datei ist nicht mehr da. Bitte laden Sie sie erneut hoch.",
            status=410,
        )
    rt = runtime()
    report = run_import(rt.sessions, data, now=rt.clock.now())
    if report.errors:
        # The database changed since the preview: nothing was imported; keep the file.
        return _import_page(report, token=token, filename=filename, status=422)
    pending.discard(folder, token)
    flash(f"Import ausgeführt: {report.rows} Zeilen aus {filename or 'der Datei'}.", "success")
    return _import_page(report, filename=filename)


@bp.post("/import/discard")
@supervisor_required
def import_discard() -> ResponseReturnValue:
    """Drop the dry run's file: nothing is imported."""
    pending.discard(upload_dir(), request.form.get("token", ""))
    flash("Der Probelauf wurde verworfen; es wurde nichts importiert.", "success")
    return redirect(url_for("import_pages.imports"))
