"""Campaigns: petitions and letters to decision-makers (the domain is built on the
``campaigns`` branch; this branch adds its share images)."""
