"""Domain models shared by the order services."""

from decimal import Decimal

from common_logging import get_logger
from pydantic import BaseModel, Field

__all__ = ["Order", "OrderLine"]

log = get_logger("common_models")


class OrderLine(BaseModel):
    sku: str = Field(min_length=1)
    quantity: int = Field(gt=0)
    unit_price: Decimal = Field(ge=0)

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


class Order(BaseModel):
    order_id: str
    customer: str
    lines: list[OrderLine]

    @property
    def total(self) -> Decimal:
        total = sum((line.total for line in self.lines), Decimal(0))
        log.info("order %s totals %s", self.order_id, total)
        return total
