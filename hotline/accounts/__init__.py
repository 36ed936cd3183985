"""Agents, their passwords, API tokens, and the hashing of secrets (passwords, PINs, tokens)."""
