"""Hypothesis profiles for the fuzz test.

`fuzz` (the default) keeps the fuzz test to well under two minutes in the normal run;
`long` is for `make fuzz` (FUZZ_PROFILE=long). They are applied to the fuzz test only, with
`settings(FUZZ_SETTINGS)`, so the other property tests in the suite keep Hypothesis' defaults.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# One world is built per test function (the database fixture rolls back per test), and every
# example runs in a savepoint inside it: the health check about function-scoped fixtures does
# not apply, and requests are slower than Hypothesis expects of a pure function.
_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "database": None,  # no example database under tests/: failures print their reproducing example
    "derandomize": False,
}
settings.register_profile("fuzz", max_examples=8, **_COMMON)
settings.register_profile("long", max_examples=300, **_COMMON)

FUZZ_PROFILE = os.environ.get("FUZZ_PROFILE", "fuzz")
FUZZ_SETTINGS = settings.get_profile(FUZZ_PROFILE)
