"""schemathesis over the whole OpenAPI document, as an admin and as a staff member, on both
databases: requests generated from the schemas (a few per operation, derandomized so every run
sends the same ones) must never get a server error, and every answer must match what the
document says (status code, content type, body schema)."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance,
                                               response_schema_conformance,
                                               status_code_conformance)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = 8  # per operation and user: enough to reach the validators, bounded in time


@pytest.mark.parametrize("who", ["admin", "agent"])
def test_no_server_error_and_every_answer_as_documented(app, tokens, who: str) -> None:  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    token = tokens[who]
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 60  # the whole document, not a part of it

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck),
                  phases=[Phase.explicit, Phase.generate])
        def call(case) -> None:  # type: ignore[no-untyped-def]
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
            response = case.call()
            try:
                case.validate_response(response, checks=CHECKS)
            except BaseException as exc:  # noqa: BLE001 - schemathesis raises exception groups
                failures.append(f"{operation.label} -> {response.status_code}: "
                                f"{str(exc)[:500]}")

        call()
    assert failures == []
