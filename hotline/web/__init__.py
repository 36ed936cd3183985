"""Blueprints of the hotline core: health check, and later the agents' pages and API."""
