"""Our request signer agrees with Slack's published test vector."""

from tests.slack_requests import fixture_json, signature


def test_signature_matches_slack_vector():
    vector = fixture_json("signature_test_vector.json")
    assert (
        signature(vector["signing_secret"], vector["timestamp"], vector["body"])
        == vector["expected_signature"]
    )
