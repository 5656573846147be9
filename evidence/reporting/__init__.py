"""evidence/reporting."""
