"""Intake channels: evidence brought in with its context (chat exports, web captures...)."""
