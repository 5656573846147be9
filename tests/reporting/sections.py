"""The report's section headings, in order, as a reader sees them (HTML and Markdown)."""

SECTIONS = [
    "1. Plain-language summary",
    "2. Summary of findings",
    "3. Responders",
    "4. Controlled comparisons",
    "5. Improvement by scar severity and skin type",
    "6. Skin type: what the studies report",
    "7. Dose and protocol",
    "8. Safety by skin type",
    "9. Risk of bias",
    "10. Data flow",
    "11. Provenance",
    "12. What changed since the previous run",
    "13. Methods",
]
