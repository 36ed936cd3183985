"""GET /healthz reports whether the database answers."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from hotline.app import create_app
from hotline.clock import FixedClock
from hotline.runtime import build_runtime
from hotline.settings import load_settings


def test_healthz_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "now": "2026-11-30T09:00:00+00:00"}


def test_healthz_reports_an_unreachable_database(tmp_path: Path, clock: FixedClock) -> None:
    settings = load_settings(
        environ={
            "HOTLINE_ENV": "test",
            "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path}/missing-dir/hotline.sqlite3",
        }
    )
    app = create_app(runtime=build_runtime(settings, clock))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json is not None and response.json["database"] == "unreachable"
    assert "missing-dir" not in response.get_data(as_text=True)
