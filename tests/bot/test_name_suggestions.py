""""您是不是指 …？" offers only names that may be the firm typed, the chat's own first."""

from __future__ import annotations

from tests.bot.driver import Driver
from tests.bot.test_engine import start
from tests.db.builders import Seeded, firm, register


def test_a_firm_of_the_same_trade_is_not_offered(seeded: Seeded, user: Driver) -> None:
    register(seeded, firm=firm(name="绍兴瑞宇新材料有限公司"), chat_id=7)
    start(user)
    user.press("企业")
    user.send("浙江兰宇新材料有限公司")
    assert "您是不是指" not in user.text and "瑞宇" not in user.text
    assert "统一社会信用代码" in user.text


def test_the_chats_own_earlier_registration_is_offered_first(
    seeded: Seeded, user: Driver
) -> None:
    register(seeded, firm=firm(name="浙江蓝宇新材料有限公司", county="柯桥区"), chat_id=7)
    register(seeded, firm=firm(name="绍兴蓝宇新材料有限公司"), chat_id=user.chat_id)
    start(user)
    user.press("企业")
    user.send("浙江蓝宇新材料")
    assert "您是不是指 绍兴蓝宇新材料有限公司？" in user.text
    suggested = [label for label in user.labels if label.startswith("是：")]
    assert suggested == ["是：绍兴蓝宇新材料有限公司", "是：浙江蓝宇新材料有限公司"]
