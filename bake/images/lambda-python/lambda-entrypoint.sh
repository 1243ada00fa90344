#!/bin/sh
# Stand-in for the AWS Lambda base image entrypoint: runs one local invocation.
# The handler ("module.function") comes from CMD or from the first argument.
if [ $# -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" 1>&2
  exit 142
fi
export _HANDLER="$1"
exec /var/lang/bin/python3 "${LAMBDA_RUNTIME_DIR:-/var/runtime}/bootstrap.py" "$1"
