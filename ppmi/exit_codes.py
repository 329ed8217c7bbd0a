"""Exit codes: documented in the README and never renumbered."""

OK = 0
FINDINGS = 1
USAGE = 2
"""Bad arguments, unreadable or unparsable files."""
ENVIRONMENT = 3
"""Authentication, network or a missing tool."""
INTERNAL = 4
