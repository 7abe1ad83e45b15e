"""Incidents: what happened, verification of evidence with two-person review, suggestions.

Service functions live in the modules: ``service`` (incidents and evidence links),
``verification`` (records and item review), ``workflow`` (incident status), ``aggregate``
(casualty totals and time series), ``suggestions``, ``places`` (protected places) and
``vocabulary``.
"""
