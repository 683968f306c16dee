"""The webhook receiver stand-in itself: a held request is answered once released."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.api.webhooks.receiver import Receiver


def test_release_answers_a_request_already_held() -> None:
    receiver = Receiver()
    with receiver.running(), ThreadPoolExecutor(1) as pool:
        receiver.hold()
        sent = pool.submit(httpx.post, receiver.url, content=b"{}", timeout=5)
        receiver.wait_arrived(timeout=5)
        assert not sent.done()  # held
        receiver.release()
        assert sent.result(timeout=5).status_code == 200
