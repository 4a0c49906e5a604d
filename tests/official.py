"""The official rows and columns of table 三, typed here from the 2021 format (report-format-2021.md).

Tests that compute expected values in plain Python use these, never the package's own layout, so that
the package is checked against the official tables and not against itself.
"""

COLUMNS = ("person", "business", "research", "nonprofit", "legal_services", "other_org")
RESULT_ROWS = (  # 三、本年度办理结果 （一）…（六）, the rows （七）总计 adds up
    "granted", "partially_granted",
    "denied_state_secret", "denied_prohibited_by_law", "denied_security_stability", "denied_third_party",
    "denied_internal_affairs", "denied_deliberative", "denied_enforcement_file", "denied_query_service",
    "unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear",
    "rejected_complaint", "rejected_duplicate", "rejected_publication", "rejected_excessive", "rejected_confirmation",
    "other_no_correction", "other_unpaid_fee", "other_other",
)
