"""Admin PINs of an uploaded import on disk: between the dry run and "Import ausführen" the
pending import keeps no PIN in clear, only its owner may read it, and it is gone once
applied or discarded."""

from __future__ import annotations

import stat
from io import BytesIO
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.accounts.secrets import check_pin
from hotline.models import Contact, Contract
from tests.reliability.conftest import Figures
from tests.ui.conftest import agents as agents  # noqa: F401 - fixture
from tests.ui.conftest import csrf_token
from tests.ui.conftest import supervisor_client as supervisor_client  # noqa: F401 - fixture
from tests.ui.conftest import upload_dir as upload_dir  # noqa: F401 - fixture

PIN = "80417263"
CSV = (
    "customer_number,customer_name,customer_email,contract_number,plan,contract_start,"
    "station_number,station_name,station_phones,teamviewer_id,admin_name,admin_phones,"
    "admin_email,admin_pin\n"
    "5000,Kiosk Nord,k@example.de,V-5000,second_level,2025-03-01,1,Kasse 1,030 5550000,,"
    f"Frau Admin,0171 5550000,a@example.de,{PIN}\n"
    "5000,Kiosk Nord,k@example.de,V-5000,second_level,2025-03-01,2,Kasse 2,030 5550001,,"
    f"Frau Admin,0171 5550000,a@example.de,{PIN}\n"
)


def preview(client: FlaskClient, content: str = CSV) -> str:
    token = csrf_token(client, "/import")
    response = client.post(
        "/import",
        data={"csrf_token": token, "file": (BytesIO(content.encode()), "kunden.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def pending(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


def name_of(path: Path) -> str:
    return path.name.removesuffix(".pending.json")


@pytest.fixture
def kept(supervisor_client: FlaskClient, upload_dir: Path) -> Path:  # noqa: F811
    """The pending import of a dry run of CSV."""
    preview(supervisor_client)
    [path] = pending(upload_dir)
    return path


def test_a_pending_import_keeps_no_pin_in_clear(
    supervisor_client: FlaskClient,  # noqa: F811
    upload_dir: Path,  # noqa: F811
    kept: Path,
    session: Session,
    figures: Figures,
) -> None:
    content = kept.read_text(encoding="utf-8")
    figures.attack("import: admin PIN in clear in a pending upload", PIN not in content)
    assert PIN not in content
    mode = stat.S_IMODE(kept.stat().st_mode)
    figures.attack("import: pending upload readable by others", mode == 0o600)
    assert mode == 0o600, oct(mode)
    assert stat.S_IMODE(upload_dir.stat().st_mode) & 0o077 == 0
    # What is kept is the PIN's hash, which the import then stores.
    hashes = [part for part in content.split('"') if part.startswith("pbkdf2:")]
    assert len(hashes) == 1 and check_pin(hashes[0], PIN)

    form = {"csrf_token": csrf_token(supervisor_client, "/import"), "token": name_of(kept)}
    response = supervisor_client.post("/import/apply", data=form)
    assert response.status_code == 200 and "Import ausgeführt" in response.get_data(as_text=True)
    figures.attack("import: pending upload left after applying", not pending(upload_dir))
    assert not pending(upload_dir)
    admin = session.scalar(select(Contact).join(Contract).where(Contract.number == "V-5000"))
    assert admin is not None and admin.pin_hash == hashes[0] and check_pin(admin.pin_hash, PIN)

    # The same file again: the unchanged PIN keeps its stored hash, nothing would change.
    text = preview(supervisor_client)
    [again] = pending(upload_dir)
    assert admin.pin_hash in again.read_text(encoding="utf-8")
    assert "<tr><th>Verträge</th><td>0</td><td>0</td><td>1</td></tr>" in text
    form = {"csrf_token": csrf_token(supervisor_client, "/import"), "token": name_of(again)}
    supervisor_client.post("/import/apply", data=form)
    session.expire_all()
    assert session.get(Contact, admin.id).pin_hash == hashes[0]  # type: ignore[union-attr]


def test_a_discarded_import_leaves_nothing(
    supervisor_client: FlaskClient,  # noqa: F811
    upload_dir: Path,  # noqa: F811
    kept: Path,
    session: Session,
    figures: Figures,
) -> None:
    form = {"csrf_token": csrf_token(supervisor_client, "/import"), "token": name_of(kept)}
    response = supervisor_client.post("/import/discard", data=form, follow_redirects=True)
    assert "verworfen" in response.get_data(as_text=True)
    figures.attack("import: pending upload left after discarding", not pending(upload_dir))
    assert not pending(upload_dir)
    assert session.scalar(select(Contract)) is None
    response = supervisor_client.post("/import/apply", data=form)
    assert response.status_code == 410
