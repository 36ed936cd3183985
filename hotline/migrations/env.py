"""Alembic environment: runs on the engine handed over by hotline.db.migrate."""

import warnings

from alembic import context
from sqlalchemy.exc import SAWarning

from hotline.models import Base

config = context.config
engine = config.attributes["engine"]

# Batch mode reflects a table together with the tables its foreign keys name; SQLite's
# reflection skips expression indexes of those (customers' lower(email)) with a warning.
# Only the batch-altered table is copied, so nothing is lost: the warning is noise here.
with warnings.catch_warnings(), engine.begin() as connection:
    warnings.filterwarnings(
        "ignore",
        message="Skipped unsupported reflection of expression-based index",
        category=SAWarning,
    )
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
