"""Stand-in for the Lambda Python runtime's /var/runtime/bootstrap.py: runs awslambdaric.

Started by /var/runtime/bootstrap with AWS_LAMBDA_RUNTIME_API set (by the runtime interface
emulator, /usr/local/bin/aws-lambda-rie, when the image runs locally) and the handler in
_HANDLER (from the image's CMD). sys.path starts with the function code (/var/task) and the
runtime (/var/runtime: awslambdaric and its dependencies), then the interpreter's own
entries (stdlib and /var/lang/lib/python3.X/site-packages, which holds boto3).
"""

import contextlib
import os
import sys

TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
RUNTIME_DIR = os.environ.get("LAMBDA_RUNTIME_DIR", "/var/runtime")


def main():
    handler = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("_HANDLER", "")
    script_dir = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if p not in ("", TASK_ROOT, RUNTIME_DIR, script_dir)]
    sys.path[:] = [TASK_ROOT, RUNTIME_DIR, *rest]
    with contextlib.suppress(OSError):
        os.chdir(TASK_ROOT)
    from awslambdaric.__main__ import main as ric_main

    ric_main([sys.argv[0], handler])


if __name__ == "__main__":
    main()
