"""Property-based fuzzing of the OpenAPI schema against the real server: no input yields a 5xx.

Schemathesis generates valid and invalid requests for every operation; bounded and derandomized
so it is fast and repeatable.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from service.api.main import create_app
from service.config import Settings

MAX_EXAMPLES = 40


# The document the server publishes, built in process (no model is loaded for this).
schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case, server) -> None:
    response = case.call(base_url=server.base_url, timeout=30)
    assert response.status_code < 500, response.text[:500]
    if response.status_code >= 400:
        body = response.json()
        assert body["error"] and body["detail"]
