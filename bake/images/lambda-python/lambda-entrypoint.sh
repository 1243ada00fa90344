#!/bin/sh
# Stand-in for the AWS Lambda base image entrypoint. The handler ("module.function") comes
# from CMD or from the first argument. Without AWS_LAMBDA_RUNTIME_API (a local `docker run`)
# the runtime interface emulator serves invocations on port 8080 and runs the runtime;
# with it (inside Lambda) the runtime talks to that Runtime API directly.
if [ $# -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" 1>&2
  exit 142
fi
export _HANDLER="$1"

RUNTIME_ENTRYPOINT=/var/runtime/bootstrap
if [ -z "${AWS_LAMBDA_RUNTIME_API}" ]; then
  exec /usr/local/bin/aws-lambda-rie "$RUNTIME_ENTRYPOINT"
else
  exec "$RUNTIME_ENTRYPOINT"
fi
