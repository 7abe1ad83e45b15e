"""Intake channels: how evidence and testimony come in (field testimony, messaging
exports, web captures)."""
