"""What a production deployment runs: gunicorn's settings and the WSGI entry point behind a proxy."""
