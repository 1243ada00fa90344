#!/usr/bin/env bash
# End-to-end check of the local engine and stand-in images:
#   1. docker buildx bake (bake/smoke/docker-bake.hcl) builds a linux/arm64 image FROM the
#      lambda/python stand-in, with uv from the uv stand-in installing orjson + pydantic
#      from PyPI under qemu with a cache mount, and pushes it without attestations;
#   2. the pushed tag must be a single image manifest (no index);
#   3. the image runs with port 8080 published (the base image's runtime interface emulator
#      and awslambdaric) and two events are POSTed to it: its JSON answers are checked.
# SMOKE_NO_CACHE=1 rebuilds every step.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REGISTRY=${UVBAKE_REGISTRY:-localhost:5000}
IMAGE=$REGISTRY/uvbake/smoke:arm64
export DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }
die() { echo "smoke: FAIL: $*" >&2; exit 1; }

if ! curl -fsS -o /dev/null "http://127.0.0.1:5000/v2/lambda/python/manifests/3.13" \
     -H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json' \
     -H 'Accept: application/vnd.oci.image.index.v1+json' 2>/dev/null; then
  bash "$HERE/images.sh"
fi

t=$(now)
extra=()
[ "${SMOKE_NO_CACHE:-0}" = 1 ] && extra+=(--no-cache)
# bake resolves the target's context relative to the working directory.
(cd "$HERE/smoke" && REGISTRY=$REGISTRY docker buildx bake -f docker-bake.hcl --progress=plain --push "${extra[@]}" smoke) \
  >/tmp/uvbake-smoke-build.log 2>&1 || { tail -40 /tmp/uvbake-smoke-build.log >&2; die "bake failed"; }
t_build=$(elapsed "$t" "$(now)")

media=$(docker buildx imagetools inspect --raw "$IMAGE" | python3 -c 'import json,sys;print(json.load(sys.stdin)["mediaType"])')
case "$media" in
  application/vnd.oci.image.manifest.v1+json|application/vnd.docker.distribution.manifest.v2+json) ;;
  *) die "$IMAGE is $media, expected a single image manifest" ;;
esac

t=$(now)
cid=$(docker run -d --platform linux/arm64 -p 127.0.0.1::8080 "$IMAGE")
trap 'docker rm -f "$cid" >/dev/null 2>&1 || true' EXIT
port=$(docker port "$cid" 8080/tcp | head -1); port=${port##*:}
url="http://127.0.0.1:$port/2015-03-31/functions/function/invocations"
invoke() { # invoke EVENT -> prints headers and body
  local i
  for i in $(seq 300); do
    if curl -sS -i --max-time 300 -d "$1" "$url" 2>/dev/null; then return 0; fi
    sleep 0.2   # the emulator is still starting
  done
  docker logs "$cid" >&2; die "no answer on $url"
}
resp=$(invoke '{"x":1}')
t_run=$(elapsed "$t" "$(now)")
out=${resp##*$'\r\n\r\n'}
python3 - "$out" <<'EOF' || die "unexpected output: $out"
import json, sys
d = json.loads(sys.argv[1])
assert d["x"] == 1 and d["machine"] == "aarch64" and d["prefix"] == "/var/lang", d
assert d["orjson"] is True and d["orjson_file"].startswith("/var/task/"), d
assert d["remaining_ms_positive"] is True, d
EOF

# A failing invocation answers with the JSON error object and X-Amz-Function-Error.
resp=$(invoke '{"x":"not-a-number"}')
grep -qi '^X-Amz-Function-Error: Unhandled' <<<"$resp" || die "no function error header: $resp"
err=${resp##*$'\r\n\r\n'}
python3 -c 'import json,sys;d=json.loads(sys.argv[1]);assert d["errorType"]=="ValidationError", d' "$err" \
  || die "unexpected error output: $err"

echo "smoke: ok  build+push ${t_build}s, invocation ${t_run}s"
echo "smoke: $IMAGE ($media)"
echo "smoke: $out"
