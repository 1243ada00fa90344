import platform
import sys

import orjson
import pydantic


class Event(pydantic.BaseModel):
    x: int


def handler(event, context):
    ev = Event.model_validate(event)
    return {
        "x": ev.x,
        "machine": platform.machine(),
        "python": platform.python_version(),
        "prefix": sys.prefix,
        "orjson": orjson.loads(orjson.dumps({"ok": True}))["ok"],
        "orjson_file": orjson.__file__,
        "pydantic": pydantic.VERSION,
        "function_name": context.function_name,
        "remaining_ms_positive": context.get_remaining_time_in_millis() > 0,
    }
