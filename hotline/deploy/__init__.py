"""What production runs: gunicorn's settings and the WSGI entry point behind a proxy."""
