"""Shelters: the registry of places to hide, reports from the public on their state, and
finding the nearest working one (see docs/shelters.md)."""
