"""Which synced fields hold personal data, and what they become when anonymised.

Shared by the counter (erasure, app/privacy.py) and the server (scrubbing its stored
copies of an erased person, server/erasure.py), so both clear the same fields.
"""

from __future__ import annotations

from typing import Any

ERASED_NAME = "(gewist)"

# table -> {field: the anonymised value}
PERSONAL_FIELDS: dict[str, dict[str, Any]] = {
    "borrower": {
        "first_name": ERASED_NAME,
        "last_name": "",
        "phone": "",
        "email": "",
        "street": "",
        "eligibility_proof": "",
        "blocked_reason": "",
        "notes": "",
        # The exact birth year goes; the age band, the kind of proof and the referrer stay for
        # the counts, like the target group (the band was set from the year at registration).
        "birth_year": None,
        "eligibility_checked_on": None,
        "eligibility_valid_until": None,
    },
    # Free texts staff write about a person's visit, wish or loan.
    "helpdesk_visit": {"notes": ""},
    "waiting_list_entry": {"notes": ""},
    "loan": {"condition_out": "", "condition_in": "", "signature_png": ""},
    # A private donor (donor_kind "person") is a person too.
    "donation": {"donor_name": ERASED_NAME, "donor_contact": "", "notes": ""},
}

# Records that point to a person (borrower_id) and so are cleared with them.
PERSON_LINKED = ("helpdesk_visit", "waiting_list_entry", "loan", "registration", "attendance")


def personal_fields(table: str) -> dict[str, Any]:
    return PERSONAL_FIELDS.get(table, {})
