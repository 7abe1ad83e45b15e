"""The protection desk (issue 14)."""
