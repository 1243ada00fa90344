"""Prices an order and accepts it."""

from common_logging import dumps
from common_models import Order


def handler(event: dict, context: object) -> dict:
    order = Order.model_validate(event)
    body = {"order_id": order.order_id, "status": "accepted", "total": str(order.total)}
    return {"statusCode": 200, "body": dumps(body)}
