"""evidence/warehouse."""
