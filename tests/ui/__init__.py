"""Tests of the agents' web UI: plain client tests and browser tests (Playwright + chromium)."""
