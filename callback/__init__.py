"""The callback service: requests, their life cycle, the scheduler and outbound calls."""

from flask import Flask


def register(app: Flask) -> None:
    """Attach the callback service's web parts to the app."""
