"""The customer import by upload, for supervisors: a dry run first, then "Import
ausführen".

The import keeps the uploaded file between the preview and "Import ausführen" as a
file under the instance folder (`instance/imports/<random>.csv`, or the app's
HOTLINE_IMPORT_DIR config): nothing in process memory, nothing lost, no size limit
of the session cookie. The form of the second step carries only the random name;
the file is read again, checked again and imported all or nothing, then deleted.
Files left behind by a preview nobody confirmed are removed after a day.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import Blueprint, current_app, flash, render_template, request
from flask.typing import ResponseReturnValue

from hotline.app import runtime
from hotline.imports import ImportReport, read_csv, run_import
from hotline.web.ui import supervisor_required

bp = Blueprint("import_pages", __name__)

MAX_UPLOAD = 20 * 1024 * 1024
UPLOAD_MAX_AGE_SECONDS = 24 * 3600
_UPLOAD_NAME = re.compile(r"[A-Za-z0-9_-]{20,64}")


def upload_dir() -> Path:
    configured = current_app.config.get("HOTLINE_IMPORT_DIR")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _forget_old_uploads(folder: Path) -> None:
    # File mtimes are wall-clock time, so the wall clock (not the hotline's clock) ages them.
    limit = time.time() - UPLOAD_MAX_AGE_SECONDS
    for old in folder.glob("*.csv"):
        try:
            if old.stat().st_mtime < limit:
                old.unlink()
        except OSError:
            pass


def _upload_path(token: str) -> Path | None:
    if not _UPLOAD_NAME.fullmatch(token):
        return None
    path = upload_dir() / f"{token}.csv"
    return path if path.is_file() else None


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
    """Step 1: keep the file, check it and count what would change (a dry run)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _import_page(error="Bitte eine CSV-Datei auswählen.", status=422)
    content = upload.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        return _import_page(error="Die Datei ist größer als 20 MB.", status=413)
    folder = upload_dir()
    _forget_old_uploads(folder)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.csv").write_bytes(content)
    rt = runtime()
    report = run_import(rt.sessions, read_csv(content), now=rt.clock.now(), dry_run=True)
    if report.errors:
        # A rejected file cannot be imported; keep nothing of it.
        (folder / f"{token}.csv").unlink(missing_ok=True)
        return _import_page(report, filename=upload.filename, status=422)
    return _import_page(report, token=token, filename=upload.filename)


@bp.post("/import/apply")
@supervisor_required
def import_apply() -> ResponseReturnValue:
    """Step 2: import the very file of the preview, all or nothing."""
    token = request.form.get("token", "")
    filename = request.form.get("filename", "")[:200]
    path = _upload_path(token)
    if path is None:
        return _import_page(
            error="Die hochgeladene Datei ist nicht mehr da. Bitte laden Sie sie erneut hoch.",
            status=410,
        )
    rt = runtime()
    report = run_import(rt.sessions, read_csv(path.read_bytes()), now=rt.clock.now())
    if report.errors:
        # The database changed since the preview: nothing was imported; keep the file.
        return _import_page(report, token=token, filename=filename, status=422)
    path.unlink(missing_ok=True)
    flash(f"Import ausgeführt: {report.rows} Zeilen aus {filename or 'der Datei'}.", "success")
    return _import_page(report, filename=filename)
