"""Publishing: the public projection of incidents, redaction, corrections, open data and
evidence packages."""
