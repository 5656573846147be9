"""evidence/synthesis."""
