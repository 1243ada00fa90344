"""Validates an inbound webhook and normalises the URL it points at."""

import httpx
from common_logging import dumps, get_logger
from pydantic import BaseModel, HttpUrl

log = get_logger("ingestion_worker")


class Webhook(BaseModel):
    source: str
    url: HttpUrl


def handler(event: dict, context: object) -> dict:
    hook = Webhook.model_validate(event)
    url = httpx.URL(str(hook.url)).copy_merge_params({"source": hook.source})
    log.info("accepted webhook from %s", hook.source)
    return {"statusCode": 202, "body": dumps({"host": url.host, "url": str(url)})}
