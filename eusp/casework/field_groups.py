"""The request's fields as the brochure groups them; forms lay them out, services
check edits against them, so both always agree on what a request holds."""

REQUESTER_FIELDS = (
    "requester_civility",
    "requester_last_name",
    "requester_first_name",
    "requester_address",
    "requester_postcode",
    "requester_city",
    "requester_phone",
    "requester_email",
)
OBJECT_FIELDS = ("origin", "received_on", "category", "subject", "description", "location_address", "district")
ASSIGNMENT_FIELDS = ("referent_official", "instructing_service", "executing_service")
LOCATION_FIELDS = ("latitude", "longitude")
# What the central service may edit on the follow-up sheet.
EDITABLE_FIELDS = (*REQUESTER_FIELDS, *OBJECT_FIELDS, *LOCATION_FIELDS, "priority", *ASSIGNMENT_FIELDS)
