from __future__ import annotations

# After each test the dashboard must count what the gap lists list, generated cases included.
from tests.audit.dashboard_oracle import dashboard_agrees_with_lists  # noqa: F401 (autouse)
