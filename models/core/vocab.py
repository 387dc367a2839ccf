"""The words of casework: the kinds of request and complaint, statuses and priorities,
and the reference prefixes (REQ-2026-0042, CMP-2026-0007), as keys with labels.
"""
from __future__ import annotations

REQUEST_KINDS = {
    "information": "Information",
    "document_inspection": "Document inspection",
    "group_meeting": "Officer at a party-group meeting",
    "public_meeting": "Public meeting",
    "ward_assistance": "Ward assistance",
    "support_services": "Support services / resources",
    "motion_advice": "Motion or amendment wording",
    "correspondence": "Correspondence",
    "media": "Media",
    "premises_visit": "Visit to council premises",
    "service_request": "Service request",
}


COMPLAINT_KINDS = {
    "member_about_officer": "Member about an officer",
    "officer_about_member": "Officer about a member",
    "code_of_conduct": "Code-of-conduct allegation",
    "grievance": "Employee grievance",
}


#: short labels for the list columns
KIND_SHORT = {
    "information": "Information",
    "document_inspection": "Inspection",
    "group_meeting": "Group meeting",
    "public_meeting": "Public meeting",
    "ward_assistance": "Ward help",
    "support_services": "Support",
    "motion_advice": "Motion wording",
    "correspondence": "Letter",
    "media": "Media",
    "premises_visit": "Visit",
    "service_request": "Service",
    "member_about_officer": "Member→officer",
    "officer_about_member": "Officer→member",
    "code_of_conduct": "Code of conduct",
    "grievance": "Grievance",
}


STATUSES = {"new": "New", "open": "Open", "waiting": "Waiting", "closed": "Closed"}


PRIORITIES = {"low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent"}


PREFIX = {"request": "REQ", "complaint": "CMP"}

#: what a case with no member's ward is counted under (the charts, the report)
NO_WARD = "No ward"
