"""Renders the confirmation message of an order."""

import jinja2
from common_logging import dumps
from common_models import Order

TEMPLATE = jinja2.Template(
    "Hello {{ order.customer }}, order {{ order.order_id }} "
    "({{ order.lines | length }} lines) totals {{ total }}."
)


def handler(event: dict, context: object) -> dict:
    order = Order.model_validate(event)
    message = TEMPLATE.render(order=order, total=order.total)
    return {"statusCode": 200, "body": dumps({"message": message})}
