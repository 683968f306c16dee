"""Signatures checked by the Standard Webhooks reference library (`standardwebhooks`), an
implementation independent of ours: one `v1,` signature verifies with the secret, not with
another; during a rotation both secrets' signatures are in the header and each verifies."""

from __future__ import annotations

import time

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from api.webhooks.signing import headers
from db.webhooks.endpoints import new_secret

BODY = '{"type":"lead.offered","data":{"id":7,"firm":{"name":"绍兴蓝宇"}}}'.encode()


def test_a_delivery_verifies_with_its_secret_and_not_with_another() -> None:
    secret = new_secret()
    sent = headers([secret], "msg_42", int(time.time()), BODY)
    assert sent["webhook-signature"].startswith("v1,") and " " not in sent["webhook-signature"]
    assert Webhook(secret).verify(BODY, sent)["data"]["id"] == 7
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, sent)


def test_a_changed_body_id_or_timestamp_fails_verification() -> None:
    secret = new_secret()
    now = int(time.time())
    sent = headers([secret], "msg_42", now, BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"7", b"8"), sent)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, {**sent, "webhook-id": "msg_43"})
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, {**sent, "webhook-timestamp": str(now - 1)})


def test_while_rotating_both_secrets_sign_and_each_verifies() -> None:
    new, old = new_secret(), new_secret()
    sent = headers([new, old], "msg_42", int(time.time()), BODY)
    signatures = sent["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
    for secret in (new, old):
        Webhook(secret).verify(BODY, sent)


def test_a_secret_is_whsec_and_32_bytes_of_base64() -> None:
    import base64

    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert new_secret() != secret
