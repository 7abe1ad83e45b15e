"""Evidence items: what was collected, from where, by whom, and what its metadata says."""
