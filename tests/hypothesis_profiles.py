"""Hypothesis profiles for the property and API-fuzz tests; importing this module loads one.

- "ci" (chosen when CI=true): derandomized, so a CI run explores the same
  examples every time and a red build is reproducible from the log alone; a
  bounded example count keeps every property test together under a minute on
  a 2-core runner; no deadline, because a loaded runner's timing is noise, not
  a finding (hangs are caught by explicit time bounds and pytest-timeout).
- "dev" (default): random, more examples, with the example database, so local
  runs keep looking for new counterexamples and replay the ones they found.

Select another one with HYPOTHESIS_PROFILE=name (e.g. "deep" for a long hunt).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Health checks that only measure speed: the SQLite and HTTP round trips are
# legitimately slower than Hypothesis' in-memory expectations.
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile(
    "ci", derandomize=True, max_examples=40, deadline=None, database=None, print_blob=True,
    suppress_health_check=_SLOW_OK,
)
settings.register_profile("dev", max_examples=150, deadline=None, suppress_health_check=_SLOW_OK)
settings.register_profile("deep", max_examples=3000, deadline=None, suppress_health_check=_SLOW_OK)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI", "").lower() == "true" else "dev")
settings.load_profile(PROFILE)
