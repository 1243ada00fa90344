"""Local stand-in for the AWS Lambda Python runtime: one invocation per process.

Usage (via /lambda-entrypoint.sh): bootstrap.py HANDLER
  HANDLER  "module.path.function" (a "dir/module.function" form is accepted too)

Reads one JSON event from stdin (empty stdin means {}), calls
handler(event, context) and writes the JSON-serialised result to stdout.
Anything the handler prints goes to stderr, so stdout carries only the result.
On failure writes {"errorMessage", "errorType", "requestId", "stackTrace"}
to stdout and exits 1.
"""

import contextlib
import decimal
import importlib
import json
import os
import sys
import time
import traceback
import uuid

TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
RUNTIME_DIR = os.environ.get("LAMBDA_RUNTIME_DIR", "/var/runtime")


class LambdaContext:
    def __init__(self, handler, request_id, deadline_ms):
        name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "test_function")
        region = os.environ.get("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
        self.function_name = name
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = f"arn:aws:lambda:{region}:000000000000:function:{name}"
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "3008"))
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", f"/aws/lambda/{name}")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "$LATEST")
        self.identity = None
        self.client_context = None
        self.handler = handler
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))

    def __repr__(self):
        return (
            f"LambdaContext(function_name={self.function_name!r}, "
            f"aws_request_id={self.aws_request_id!r})"
        )


class FaultError(Exception):
    def __init__(self, error_type, message, tb=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.tb = tb


def _json_default(obj):
    if isinstance(obj, decimal.Decimal):
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _set_sys_path():
    # Same order as the Lambda runtime: function code, runtime, then the interpreter's
    # own entries (stdlib and site-packages).
    script_dir = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if p not in ("", TASK_ROOT, RUNTIME_DIR, script_dir)]
    sys.path[:] = [TASK_ROOT, RUNTIME_DIR, *rest]


def _load_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError:
        raise FaultError(
            "Runtime.MalformedHandlerName",
            f"Bad handler '{handler}': not enough values to unpack (expected 2, got 1)",
        ) from None
    modname = modname.replace("/", ".")
    try:
        module = importlib.import_module(modname)
    except ImportError as e:
        raise FaultError(
            "Runtime.ImportModuleError", f"Unable to import module '{modname}': {e}"
        ) from e
    except SyntaxError as e:
        raise FaultError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{modname}': {e}"
        ) from e
    except Exception as e:
        raise FaultError(type(e).__name__, str(e), traceback.extract_tb(e.__traceback__)) from e
    func = getattr(module, fname, None)
    if func is None:
        raise FaultError(
            "Runtime.HandlerNotFound", f"Handler '{fname}' missing on module '{modname}'"
        )
    return func


def main(argv):
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    # Handler output (print, logging to stdout) goes to stderr; stdout keeps the result.
    sys.stdout.flush()
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    if len(argv) != 2:
        usage = {"errorMessage": "usage: bootstrap.py HANDLER", "errorType": "Runtime.BadUsage"}
        out.write(json.dumps(usage) + "\n")
        return 1
    handler = argv[1]
    os.environ["_HANDLER"] = handler
    request_id = str(uuid.uuid4())
    timeout_s = float(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT", "300"))
    deadline_ms = time.time() * 1000 + timeout_s * 1000

    try:
        _set_sys_path()
        with contextlib.suppress(OSError):
            os.chdir(TASK_ROOT)
        func = _load_handler(handler)
        raw = sys.stdin.read() if not sys.stdin.isatty() else ""
        try:
            event = json.loads(raw) if raw.strip() else {}
        except ValueError as e:
            raise FaultError("Runtime.UnmarshalError", f"Unable to parse input as json: {e}") from e
        context = LambdaContext(handler, request_id, deadline_ms)
        try:
            result = func(event, context)
        except Exception as e:
            # Drop this module's own frame: the trace starts in the handler.
            frames = traceback.extract_tb(e.__traceback__)[1:]
            raise FaultError(type(e).__name__, str(e), frames) from e
        try:
            payload = json.dumps(result, default=_json_default)
        except (TypeError, ValueError) as e:
            raise FaultError("Runtime.MarshalError", f"Unable to marshal response: {e}") from e
    except FaultError as f:
        error = {
            "errorMessage": f.message,
            "errorType": f.error_type,
            "requestId": request_id,
            "stackTrace": traceback.format_list(f.tb) if f.tb else [],
        }
        print(f"[ERROR] {f.error_type}: {f.message}", file=sys.stderr)
        out.write(json.dumps(error) + "\n")
        out.flush()
        return 1
    out.write(payload + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
