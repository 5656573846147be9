"""De-identification rules for patient-level files (HIPAA Safe Harbor, 45 CFR 164.514(b)(2)).

A patient-level file is refused, whole, when a column looks like a direct identifier by its
name, or when any cell holds one (an e-mail, a phone number, a full date, a URL, an IP
address, a photograph's file name, an SSN, a labelled record number, a base64 blob).
``subject_id`` must be a study pseudonym, not a date, e-mail or record number. Ages over 89 are
folded to 90 ("90 or older").

Digits alone do not make a record number: a registry numbers its patients ``P0`` ...
``P9999999``. A ``subject_id`` is called a medical record number only with more evidence than
its length: a record-number label in the value (``MRN 0012345``), or a bare number of seven or
more digits, which is how hospital systems export MRNs. A source whose subject_ids are bare
numbers that the study assigned declares them as study pseudonyms in a manifest beside the
file (``PSEUDONYM_DECLARATION``); a label, a date or any other identifier is still refused.
"""

from __future__ import annotations

#: Safe Harbor category -> column-name tokens (after header normalisation, split on "_").
IDENTIFIER_TOKENS: dict[str, frozenset[str]] = {
    "names": frozenset(
        {"name", "names", "surname", "firstname", "lastname", "fullname", "initials"}
    ),
    "geographic subdivisions": frozenset(
        {
            "address",
            "street",
            "city",
            "county",
            "zip",
            "zipcode",
            "postcode",
            "geocode",
            "latitude",
            "longitude",
        }
    ),
    "dates": frozenset({"dob", "birthdate", "birthday", "date", "dates", "dt", "dtc"}),
    "telephone or fax numbers": frozenset({"phone", "telephone", "mobile", "tel", "fax", "cell"}),
    "e-mail addresses": frozenset({"email", "mail"}),
    "social security numbers": frozenset({"ssn"}),
    "medical record numbers": frozenset({"mrn", "chart"}),
    "health plan or account numbers": frozenset({"insurance", "beneficiary", "account", "member"}),
    "licence, vehicle or device serial numbers": frozenset(
        {"licence", "license", "certificate", "vehicle", "plate", "vin", "serial", "udi"}
    ),
    "URLs or IP addresses": frozenset({"url", "website", "ip"}),
    "biometric identifiers": frozenset({"fingerprint", "voiceprint", "biometric"}),
    "photographs": frozenset(
        {
            "photo",
            "photograph",
            "photos",
            "image",
            "images",
            "img",
            "picture",
            "face",
            "selfie",
            "dicom",
        }
    ),
}
#: Multi-token names that are identifiers although no single token is.
IDENTIFIER_PHRASES = {
    "ip_address": "URLs or IP addresses",
    "e_mail": "e-mail addresses",
    "date_of_birth": "dates",
    "birth_date": "dates",
    "social_security": "social security numbers",
    "medical_record": "medical record numbers",
    "record_number": "medical record numbers",
}
#: Names that contain an identifier token but describe the study, not the patient.
ALLOWED_NAMES = frozenset({"study_name", "site_name", "device_name", "device_model", "scar_type"})

#: Kind -> DuckDB regular expression (matched case-insensitively) for identifiers in cells.
VALUE_PATTERNS: dict[str, str] = {
    "an e-mail address": r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}",
    "a full date": (
        r"\b(19|20)\d\d[-/.](0?[1-9]|1[0-2])[-/.](0?[1-9]|[12]\d|3[01])\b"
        r"|\b(0?[1-9]|[12]\d|3[01])[-/.](0?[1-9]|1[0-2])[-/.](19|20)\d\d\b"
        r"|\b\d{1,2}\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+(19|20)\d\d\b"
        r"|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+(19|20)\d\d\b"
    ),
    "a telephone number": r"(\+\d{1,3}[\s.-]?)?\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b",
    "a social security number": r"\b\d{3}-\d{2}-\d{4}\b",
    "a URL": r"https?://|\bwww\.",
    "an IP address": r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b",
    "a photograph's file name": r"\.(jpe?g|png|heic|heif|dcm|tiff?|bmp|gif|webp)\b",
    "a medical record number": (
        r"\b(mrn|mr#|med\.?\s*rec|medical\s*record|hosp(ital)?|chart)(\s*(no|nr|number))?"
        r"[\s#:._-]*\d{5,}"
    ),
    "a base64 blob": r"^[a-z0-9+/]{200,}={0,2}$",
}
#: A value of this form cannot hold any identifier above (a letter and digits; or letters, a
#: '-' or '_', and at most four digits): no '@', '.', '/' or space, no label of two or more
#: letters before five or more digits, no digit groups between separators, no bare number,
#: under 200 characters. Cells of this form, most pseudonyms, skip the identifier patterns.
HARMLESS_CODE_PATTERN = r"[A-Za-z][0-9]{1,15}|[A-Za-z]{1,15}[-_]?[0-9]{0,4}"
#: A subject_id that is nothing but a long number: how hospital systems export MRNs. Refused
#: unless the source declares its subject_ids as study pseudonyms.
BARE_RECORD_NUMBER_PATTERN = r"^\s*\d{7,}\s*$"
#: Columns a source may declare as study pseudonyms (the manifest's ``study_pseudonyms``).
PSEUDONYM_DECLARATION = "study_pseudonyms"
DECLARABLE_PSEUDONYMS = frozenset({"subject_id"})

AGE_COLUMN = "age_years"
AGE_FOLD_AT = 90  # Safe Harbor: all ages over 89 are aggregated into "90 or older"


def identifier_category(normalised_name: str) -> str | None:
    """The Safe Harbor category a column name falls in, or None."""
    if normalised_name in ALLOWED_NAMES:
        return None
    for phrase, category in IDENTIFIER_PHRASES.items():
        if phrase in normalised_name:
            return category
    tokens = set(normalised_name.split("_"))
    for category, words in IDENTIFIER_TOKENS.items():
        if tokens & words:
            return category
    return None


#: SQL applied to a column when rows are loaded (after validation of the raw value).
LOAD_TRANSFORMS = {AGE_COLUMN: f"least({AGE_COLUMN}, {AGE_FOLD_AT})"}
