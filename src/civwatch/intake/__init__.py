"""Intake channels: evidence brought in with its context (web captures, messaging exports)."""
