#!/usr/bin/env bash
# Build the stand-in base images and push them to the loopback registry:
#   localhost:5000/lambda/python:3.13   (stand-in for public.ecr.aws/lambda/python:3.13)
#   localhost:5000/lambda/python:3.14   (stand-in for public.ecr.aws/lambda/python:3.14)
#   localhost:5000/astral-sh/uv:$UV_VERSION (stand-in for ghcr.io/astral-sh/uv:$UV_VERSION)
# Each image carries a recipe hash label (org.uvbake.recipe); when the registry already
# holds an image with the same recipe, nothing is built. Downloads and the unpacked
# Python root filesystems are cached under ${UVBAKE_CACHE:-$HOME/.cache/uvbake}.
#
# Environment:
#   UV_VERSION         uv version for the uv stand-in (default 0.13.9)
#   LAMBDA_VERSIONS    Python versions of the Python stand-ins (default "3.13 3.14")
#   LAMBDA_PLATFORMS   platforms of the Python stand-in (default linux/arm64,linux/amd64)
#   UV_PLATFORMS       platforms of the uv stand-in (default linux/arm64,linux/amd64)
#   UVBAKE_REGISTRY    registry to push to (default localhost:5000)
#   UVBAKE_CACHE       cache directory (default $HOME/.cache/uvbake)
#   UVBAKE_CA_BUNDLE   CA bundle copied into the Python image (default /etc/ssl/certs/ca-certificates.crt)
#   UVBAKE_DEBIAN_MIRROR  Debian mirror (default http://deb.debian.org/debian)
#   UVBAKE_FORCE=1     rebuild and push even when the recipe is unchanged
set -euo pipefail

# Unpacking packages with their ownership and chroot need root.
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then exec sudo -E bash "$0" "$@"; fi
  echo "images: must run as root" >&2
  exit 1
fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
UV_VERSION=${UV_VERSION:-0.13.9}
LAMBDA_PLATFORMS=${LAMBDA_PLATFORMS:-linux/arm64,linux/amd64}
UV_PLATFORMS=${UV_PLATFORMS:-linux/arm64,linux/amd64}
REGISTRY=${UVBAKE_REGISTRY:-localhost:5000}
CACHE=${UVBAKE_CACHE:-$HOME/.cache/uvbake}
CA_BUNDLE=${UVBAKE_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
DEBIAN_MIRROR=${UVBAKE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
LAMBDA_VERSIONS=${LAMBDA_VERSIONS:-3.13 3.14}
FORCE=${UVBAKE_FORCE:-0}

UV_IMAGE=$REGISTRY/astral-sh/uv:$UV_VERSION

# The Debian suite each Python comes from: its whole root filesystem is that suite's, unpacked
# from .deb files with a private apt state, so the host's packages (libc6 first) never change.
# trixie has python3.13; python3.14 is in sid only.
suite_of() { # suite_of PY
  case "$1" in
    3.13) echo trixie ;;
    3.14) echo sid ;;
    *) die "no Debian suite known for Python $1 (LAMBDA_VERSIONS)" ;;
  esac
}

# Debian packages of the Python root filesystem (dependencies are resolved by apt).
BASE_PKGS=(base-files base-passwd dash bash coreutils grep sed mawk findutils tar gzip
           debianutils libc6 libstdc++6 netbase tzdata media-types)
rootfs_pkgs() { # rootfs_pkgs PY
  echo "${BASE_PKGS[*]} python$1 python$1-minimal libpython$1-minimal libpython$1-stdlib"
}
# Bump when the way the root filesystem is assembled changes.
ROOTFS_FORMAT=4


T_START=$(date +%s.%N)
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }
log() { echo "images: $*" >&2; }
die() { echo "images: ERROR: $*" >&2; exit 1; }
SUMMARY=()
record() { SUMMARY+=("$(printf '%-44s %6ss  %s' "$1" "$(elapsed "$2" "$(now)")" "$3")"); }
sha() { sha256sum | cut -c1-64; }

arch_of() { # linux/arm64 -> arm64
  local a=${1#*/}; echo "${a%%/*}"
}

# ------------------------------------------------------------------ engine
if [ "${UVBAKE_ENGINE:-default}" = current ]; then
  # Build with the current engine (bake/engine-current-up.sh); the registry is shared.
  eval "$(bash "$HERE/engine-current-up.sh" --env 2>/dev/null)" \
    || die "bake/engine-current-up.sh failed: run it for its log"
fi
export DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}
if ! docker info >/dev/null 2>&1 || ! curl -fsS "http://127.0.0.1:5000/v2/" >/dev/null 2>&1; then
  log "engine or registry not answering: running engine-up.sh"
  bash "$HERE/engine-up.sh"
fi
[ -r "$CA_BUNDLE" ] || die "CA bundle $CA_BUNDLE not readable"
mkdir -p "$CACHE"

# Recipe label of an image in the registry ("" when absent).
remote_recipe() {
  docker buildx imagetools inspect "$1" --format '{{json .Image}}' 2>/dev/null | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except Exception:
    sys.exit(0)
imgs = d.values() if "config" not in d else [d]
vals = {((i.get("config") or {}).get("Labels") or {}).get("org.uvbake.recipe", "") for i in imgs}
print(vals.pop() if len(vals) == 1 else "")
' || true
}

# Platforms of an image in the registry, sorted, comma separated.
remote_platforms() {
  docker buildx imagetools inspect --raw "$1" 2>/dev/null | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except Exception:
    sys.exit(0)
ps = sorted(m["platform"]["os"] + "/" + m["platform"]["architecture"]
            for m in d.get("manifests", []) if m.get("platform", {}).get("os") != "unknown")
print(",".join(ps))
' || true
}

sorted_platforms() { tr ',' '\n' <<<"$1" | sort | paste -sd, -; }

up_to_date() { # up_to_date IMAGE RECIPE PLATFORMS
  [ "$FORCE" = 1 ] && return 1
  [ "$(remote_recipe "$1")" = "$2" ] || return 1
  [ "$(remote_platforms "$1")" = "$(sorted_platforms "$3")" ] || return 1
}

# ------------------------------------------------------------------ Python root filesystem
# Private apt state for one architecture: resolves and downloads trixie .debs without
# touching the host's apt configuration or package database.
apt_env() { # apt_env ARCH SUITE -> prints APT_CONFIG path
  local arch=$1 suite=$2 w="$CACHE/apt/$2-$1"
  mkdir -p "$w/state/lists/partial" "$w/cache/archives/partial" "$w/etc/apt.conf.d" \
           "$w/etc/preferences.d" "$w/etc/sources.list.d"
  : >"$w/status"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DEBIAN_MIRROR $suite main" >"$w/etc/sources.list"
  cat >"$w/apt.conf" <<EOF
Dir::State "$w/state";
Dir::State::status "$w/status";
Dir::Cache "$w/cache";
Dir::Etc "$w/etc";
Dir::Etc::SourceList "$w/etc/sources.list";
Dir::Etc::SourceParts "$w/etc/sources.list.d";
Dir::Etc::Parts "$w/etc/apt.conf.d";
Dir::Etc::PreferencesParts "$w/etc/preferences.d";
Dir::Etc::TrustedParts "/etc/apt/trusted.gpg.d";
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
APT::Install-Recommends "false";
APT::Sandbox::User "root";
Acquire::Languages "none";
Acquire::Check-Valid-Until "false";
EOF
  echo "$w/apt.conf"
}

download_debs() { # download_debs ARCH PY -> prints the directory holding the .debs
  local arch=$1 py=$2 cfg
  cfg=$(apt_env "$arch" "$(suite_of "$py")")
  local archives
  archives="$(dirname "$cfg")/cache/archives"
  rm -f "$archives"/*.deb
  APT_CONFIG=$cfg apt-get update -qq >&2 || die "apt-get update of $(suite_of "$py") failed"
  # shellcheck disable=SC2046 # one word per package
  APT_CONFIG=$cfg apt-get install -qq -y --download-only $(rootfs_pkgs "$py") >&2 \
    || die "cannot download the packages of Python $py from $(suite_of "$py")"
  echo "$archives"
}

unpack_debs() { # unpack_debs DEBDIR ROOT
  local debdir=$1 root=$2 f
  mkdir -p "$root"
  # base-files first: it carries the /bin -> usr/bin style symlinks of merged /usr.
  for f in "$debdir"/base-files_*.deb "$debdir"/*.deb; do
    dpkg-deb --fsys-tarfile "$f" | tar -x -C "$root" --keep-directory-symlink
  done
}

finalize_rootfs() { # finalize_rootfs ROOT PY PYVERSION
  local root=$1 py=$2 pyver=$3
  ( cd "$root"
    rm -rf usr/share/doc usr/share/man usr/share/info usr/share/locale usr/share/lintian \
           usr/share/bug usr/share/bash-completion "usr/lib/python$py/EXTERNALLY-MANAGED"
    [ -e usr/bin/awk ] || ln -s mawk usr/bin/awk
    mkdir -p etc/ssl/certs var/task var/runtime opt/bin opt/lib tmp root usr/local/bin
    chmod 1777 tmp
    chmod 700 root
    # Accounts (base-passwd's postinst would copy these on a real install).
    cp usr/share/base-passwd/passwd.master etc/passwd
    cp usr/share/base-passwd/group.master etc/group
    awk -F: '{print $1":*:19000:0:99999:7:::"}' etc/passwd >etc/shadow
    chmod 640 etc/shadow
    ln -sf /usr/share/zoneinfo/Etc/UTC etc/localtime
    echo Etc/UTC >etc/timezone
    # /var/lang: the interpreter prefix of the Lambda image. Debian's python3.X lives in
    # /usr; a venv-style prefix gives sys.prefix=/var/lang and
    # site-packages=/var/lang/lib/python3.X/site-packages.
    mkdir -p var/lang/bin var/lang/include "var/lang/lib/python$py/site-packages"
    ln -sfn lib var/lang/lib64
    ln -sfn "/usr/bin/python$py" "var/lang/bin/python$py"
    ln -sfn "python$py" var/lang/bin/python3
    ln -sfn "python$py" var/lang/bin/python
    printf 'home = /usr/bin\ninclude-system-site-packages = false\nversion = %s\nexecutable = /usr/bin/python%s\n' \
      "$pyver" "$py" >var/lang/pyvenv.cfg
  )
}

# Byte-compile the standard library. Bytecode does not depend on the CPU, so it is
# compiled once with the amd64 interpreter (native speed) and shared with other
# architectures for every source file that is byte-identical.
compile_stdlib() { # compile_stdlib AMD64_ROOT PY
  chroot "$1" "/usr/bin/python$2" -m compileall -q --invalidation-mode unchecked-hash \
    -x '/(test|idlelib|tkinter|turtledemo|lib2to3)/' "/usr/lib/python$2" >/dev/null
}

share_bytecode() { # share_bytecode FROM_ROOT TO_ROOT PY
  share_bytecode_dir "$1/usr/lib/python$3" "$2/usr/lib/python$3"
}

share_bytecode_dir() { # share_bytecode_dir FROM_DIR TO_DIR: .pyc of byte-identical sources
  python3 - "$1" "$2" <<'EOF'
import filecmp, os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
n = 0
for d, _, files in os.walk(src):
    if os.path.basename(d) != "__pycache__":
        continue
    rel = os.path.relpath(os.path.dirname(d), src)
    for f in files:
        mod = f.split(".")[0] + ".py"
        s_py, d_py = os.path.join(src, rel, mod), os.path.join(dst, rel, mod)
        if os.path.exists(d_py) and filecmp.cmp(s_py, d_py, shallow=False):
            os.makedirs(os.path.join(dst, rel, "__pycache__"), exist_ok=True)
            shutil.copy2(os.path.join(d, f), os.path.join(dst, rel, "__pycache__", f))
            n += 1
print(n)
EOF
}

# Stand-in rootfs recipe of Python $PY: everything that determines its content.
rootfs_recipe() { # rootfs_recipe PY
  { echo "$ROOTFS_FORMAT $(suite_of "$1") $(rootfs_pkgs "$1")";
    declare -f suite_of rootfs_pkgs unpack_debs finalize_rootfs compile_stdlib; } | sha | cut -c1-16
}
rootfs_tar() { # rootfs_tar ARCH (of Python $PY)
  echo "$CACHE/rootfs/python$PY-$(suite_of "$PY")-$1-$ROOTFS_RECIPE.tar"
}

build_rootfs_all() { # build_rootfs_all ARCH... : builds missing rootfs tarballs of Python $PY
  local missing=() a
  for a in "$@"; do [ -s "$(rootfs_tar "$a")" ] || missing+=("$a"); done
  [ ${#missing[@]} -gt 0 ] || return 0
  local work="$CACHE/work" pyver=""
  rm -rf "$work"; mkdir -p "$work" "$CACHE/rootfs"
  # amd64 is always unpacked: its interpreter compiles the bytecode natively.
  local arches=(amd64) ; for a in "${missing[@]}"; do [ "$a" = amd64 ] || arches+=("$a"); done
  for a in "${arches[@]}"; do
    local t; t=$(now)
    local debdir; debdir=$(download_debs "$a" "$PY")
    unpack_debs "$debdir" "$work/$a"
    pyver=$(dpkg-deb -f "$(ls "$debdir"/python"$PY"-minimal_*.deb)" Version | sed 's/-.*//')
    finalize_rootfs "$work/$a" "$PY" "$pyver"
    log "rootfs $a: $(ls "$debdir"/*.deb | wc -l) packages, python $pyver ($(elapsed "$t" "$(now)")s)"
  done
  compile_stdlib "$work/amd64" "$PY"
  for a in "${arches[@]}"; do
    [ "$a" = amd64 ] && continue
    log "rootfs $a: $(share_bytecode "$work/amd64" "$work/$a" "$PY") bytecode files shared from amd64"
  done
  for a in "${missing[@]}"; do
    local out; out=$(rootfs_tar "$a")
    tar -C "$work/$a" --sort=name --numeric-owner --owner=0 --group=0 -cf "$out.tmp" .
    mv "$out.tmp" "$out"
    log "rootfs $a: $out ($(du -h "$out" | cut -f1))"
  done
  # The apt state (package lists, .debs) is only needed to build a missing rootfs.
  rm -rf "$work" "$CACHE/apt"
  # Drop tarballs of older recipes.
  find "$CACHE/rootfs" -name "python$PY-*.tar" ! -name "*-$ROOTFS_RECIPE.tar" -delete
}

# ------------------------------------------------------------------ uv wheels
uv_wheel() { # uv_wheel ARCH -> path of the uv $UV_VERSION wheel for ARCH (downloaded once)
  local a=$1 tag
  case "$a" in
    arm64) tag=musllinux_1_1_aarch64 ;;
    amd64) tag=musllinux_1_1_x86_64 ;;
    *) die "no uv wheel mapping for $a" ;;
  esac
  local wdir="$CACHE/uv/$UV_VERSION/$a"
  if ! ls "$wdir"/uv-"$UV_VERSION"-*.whl >/dev/null 2>&1; then
    mkdir -p "$wdir"
    log "downloading uv $UV_VERSION wheel for $tag"
    # --isolated: ignore local pip configuration (extra indexes, constraints);
    # --cert: pip uses its own CA bundle otherwise.
    python3 -m pip --version >/dev/null 2>&1 || die "python3 -m pip is needed to download the uv wheels"
    python3 -m pip download --isolated --quiet --disable-pip-version-check \
      --cert "$CA_BUNDLE" --index-url "${UVBAKE_PYPI_INDEX:-https://pypi.org/simple}" \
      --no-deps --only-binary=:all: --platform "$tag" -d "$wdir.tmp" "uv==$UV_VERSION" >&2
    mv "$wdir.tmp"/uv-*.whl "$wdir/"; rm -rf "$wdir.tmp"
  fi
  ls "$wdir"/uv-"$UV_VERSION"-*.whl | head -1
}

extract_uv() { # extract_uv WHEEL OUTDIR: uv and uvx from a uv wheel
  python3 - "$1" "$2" "$UV_VERSION" <<'EOF'
import os, sys, zipfile
whl, out, ver = sys.argv[1:]
os.makedirs(out, exist_ok=True)
with zipfile.ZipFile(whl) as z:
    for name in ("uv", "uvx"):
        data = z.read(f"uv-{ver}.data/scripts/{name}")
        path = os.path.join(out, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o755)
EOF
}

host_uv() { # prints a uv binary that runs on this (x86_64) machine
  local bin="$CACHE/uv/$UV_VERSION/host"
  [ -x "$bin/uv" ] || extract_uv "$(uv_wheel amd64)" "$bin"
  echo "$bin/uv"
}

# ------------------------------------------------------------------ runtime layer
# awslambdaric (runtime.txt) in /var/runtime and boto3 (site-packages.txt) in site-packages,
# installed for each platform from its own wheels by uv on this machine (no emulation),
# byte-compiled once by the amd64 interpreter (checked-hash .pyc, valid for any copy of the
# same source) and shared with the other platforms.
RUNTIME_FORMAT=1
RUNTIME_FILES=(site-packages.txt runtime.txt)
PYPLATFORM_amd64=x86_64-manylinux_2_28
PYPLATFORM_arm64=aarch64-manylinux_2_28
install_runtime() { # install_runtime ARCH ROOT (for Python $PY)
  local a=$1 root=$2 plat="PYPLATFORM_$1" uv
  uv=$(host_uv)
  [ -n "${!plat:-}" ] || die "no Python platform for $a"
  local common=(pip install --quiet --no-deps --only-binary :all: --python-version "$PY"
                --python-platform "${!plat}")
  [ -z "${UVBAKE_PYPI_INDEX:-}" ] || common+=(--index-url "$UVBAKE_PYPI_INDEX")
  SSL_CERT_FILE=$CA_BUNDLE UV_CACHE_DIR="$CACHE/uv-cache" UV_NO_CONFIG=1 "$uv" "${common[@]}" \
    --target "$root/var/lang/lib/python$PY/site-packages" -r "$HERE/images/lambda-python/site-packages.txt" >&2
  SSL_CERT_FILE=$CA_BUNDLE UV_CACHE_DIR="$CACHE/uv-cache" UV_NO_CONFIG=1 "$uv" "${common[@]}" \
    --target "$root/var/runtime" -r "$HERE/images/lambda-python/runtime.txt" >&2
  rm -rf "$root/var/lang/lib/python$PY/site-packages/bin" "$root/var/runtime/bin"
}

build_runtime_all() { # build_runtime_all ARCH... : builds missing runtime tarballs of Python $PY
  local missing=() a
  for a in "$@"; do [ -s "$(runtime_tar "$a")" ] || missing+=("$a"); done
  [ ${#missing[@]} -gt 0 ] || return 0
  build_rootfs_all amd64
  local work="$CACHE/work-runtime" t
  rm -rf "$work"; mkdir -p "$work/amd64"
  t=$(now)
  tar -xf "$(rootfs_tar amd64)" -C "$work/amd64"
  install_runtime amd64 "$work/amd64"
  chroot "$work/amd64" "/usr/bin/python$PY" -m compileall -q --invalidation-mode checked-hash \
    "/var/lang/lib/python$PY/site-packages" /var/runtime >/dev/null
  log "runtime amd64: installed and compiled ($(elapsed "$t" "$(now)")s)"
  for a in "${missing[@]}"; do
    local tree="$work/amd64"
    if [ "$a" != amd64 ]; then
      tree="$work/$a"; mkdir -p "$tree"
      install_runtime "$a" "$tree"
      local n=0 d
      for d in "var/lang/lib/python$PY/site-packages" var/runtime; do
        n=$(( n + $(share_bytecode_dir "$work/amd64/$d" "$tree/$d") ))
      done
      log "runtime $a: installed, $n bytecode files shared from amd64"
    fi
    local out; out=$(runtime_tar "$a")
    tar -C "$tree" --sort=name --numeric-owner --owner=0 --group=0 \
      -cf "$out.tmp" "var/lang/lib/python$PY/site-packages" var/runtime
    mv "$out.tmp" "$out"
    log "runtime $a: $out ($(du -h "$out" | cut -f1))"
  done
  rm -rf "$work"
  find "$CACHE/rootfs" -name "runtime-$PY-*.tar" ! -name "*-$RUNTIME_RECIPE.tar" -delete
  # and those named before there were several Pythons (runtime-<arch>-<recipe>.tar)
  find "$CACHE/rootfs" -name 'runtime-[a-z]*.tar' -delete
}

runtime_recipe() { # runtime_recipe (of Python $PY, after ROOTFS_RECIPE)
  { echo "$RUNTIME_FORMAT $PY $ROOTFS_RECIPE";
    for f in "${RUNTIME_FILES[@]}"; do sha <"$HERE/images/lambda-python/$f"; done;
    declare -f install_runtime build_runtime_all; } | sha | cut -c1-16
}
runtime_tar() { echo "$CACHE/rootfs/runtime-$PY-$1-$RUNTIME_RECIPE.tar"; }

# ------------------------------------------------------------------ lambda/python:$PY
PY_CTX_FILES=(Dockerfile lambda-entrypoint.sh aws-lambda-rie bootstrap bootstrap.py)
build_python_image() { # build_python_image: lambda/python:$PY, unless the registry has it
  local t; t=$(now)
  PY_IMAGE=$REGISTRY/lambda/python:$PY
  ROOTFS_RECIPE=$(rootfs_recipe "$PY")
  RUNTIME_RECIPE=$(runtime_recipe)
  PY_RECIPE=$( { echo "$PY $ROOTFS_RECIPE $RUNTIME_RECIPE $(sorted_platforms "$LAMBDA_PLATFORMS")";
                 for f in "${PY_CTX_FILES[@]}"; do sha <"$HERE/images/lambda-python/$f"; done;
                 sha <"$CA_BUNDLE"; } | sha | cut -c1-16)
  if up_to_date "$PY_IMAGE" "$PY_RECIPE" "$LAMBDA_PLATFORMS"; then
    record "$PY_IMAGE" "$t" "up to date (recipe $PY_RECIPE)"
    return 0
  fi
  local archs=() plats p a f
  IFS=, read -ra plats <<<"$LAMBDA_PLATFORMS"
  for p in "${plats[@]}"; do archs+=("$(arch_of "$p")"); done
  build_rootfs_all "${archs[@]}"
  build_runtime_all "${archs[@]}"
  local ctx="$CACHE/ctx/lambda-python-$PY" buildlog="$CACHE/build-lambda-python-$PY.log"
  rm -rf "$ctx"; mkdir -p "$ctx"
  for f in "${PY_CTX_FILES[@]}"; do cp "$HERE/images/lambda-python/$f" "$ctx/"; done
  cp "$CA_BUNDLE" "$ctx/ca-certificates.crt"
  for a in "${archs[@]}"; do
    ln "$(rootfs_tar "$a")" "$ctx/rootfs-$a.tar"
    ln "$(runtime_tar "$a")" "$ctx/runtime-$a.tar"
  done
  log "building $PY_IMAGE for $LAMBDA_PLATFORMS"
  docker buildx build --progress=plain --platform "$LAMBDA_PLATFORMS" \
    --provenance=false --sbom=false --build-arg RECIPE="$PY_RECIPE" --build-arg PYTHON="$PY" \
    --output "type=image,name=$PY_IMAGE,push=true" "$ctx" >"$buildlog" 2>&1 \
    || { tail -40 "$buildlog" >&2; die "build of $PY_IMAGE failed"; }
  rm -rf "$ctx"
  [ "$(remote_recipe "$PY_IMAGE")" = "$PY_RECIPE" ] || die "pushed $PY_IMAGE does not carry recipe $PY_RECIPE"
  record "$PY_IMAGE" "$t" "built and pushed (recipe $PY_RECIPE)"
}

check_python_image() { # check_python_image: lambda/python:$PY answers as a Lambda image does
  local t py_check rt_check m prefix sp pyv site="/var/lang/lib/python$PY/site-packages"
  t=$(now)
  py_check=$(docker run --rm --platform linux/arm64 --entrypoint /var/lang/bin/python3 "$PY_IMAGE" -c \
    'import platform,sys,site;print(platform.machine(), sys.prefix, site.getsitepackages()[0], sys.version.split()[0])')
  read -r m prefix sp pyv <<<"$py_check"
  [ "$m" = aarch64 ] && [ "$prefix" = /var/lang ] && [ "$sp" = "$site" ] && [[ "$pyv" == "$PY".* ]] \
    || die "unexpected $PY_IMAGE interpreter: $py_check"
  rt_check=$(docker run --rm --platform linux/arm64 --entrypoint /var/lang/bin/python3 "$PY_IMAGE" -c \
    'import sys; sys.path.insert(0, "/var/runtime"); import boto3, awslambdaric, runtime_client; print(boto3.__version__, boto3.__file__)')
  [[ "$rt_check" == *" $site/boto3/"* ]] || die "unexpected boto3/awslambdaric in $PY_IMAGE: $rt_check"
  record "checks $PY_IMAGE (linux/arm64)" "$t" "python $pyv at $prefix; boto3 $rt_check; awslambdaric imports"
}

# The host's libc6 before: nothing below may change it (the root filesystems come from
# private apt states; checked again at the end).
libc_before=$(dpkg-query -W -f='${Version}' libc6 2>/dev/null || echo none)
PY_IMAGES=()
for PY in $LAMBDA_VERSIONS; do
  build_python_image
  PY_IMAGES+=("$PY_IMAGE")
done

# ------------------------------------------------------------------ astral-sh/uv
t=$(now)
UV_RECIPE=$( { echo "$UV_VERSION $(sorted_platforms "$UV_PLATFORMS")"; sha <"$HERE/images/uv/Dockerfile"; } | sha | cut -c1-16)
if up_to_date "$UV_IMAGE" "$UV_RECIPE" "$UV_PLATFORMS"; then
  record "$UV_IMAGE" "$t" "up to date (recipe $UV_RECIPE)"
else
  ctx="$CACHE/ctx/uv-$UV_VERSION"
  rm -rf "$ctx"; mkdir -p "$ctx"
  IFS=, read -ra plats <<<"$UV_PLATFORMS"
  for p in "${plats[@]}"; do
    a=$(arch_of "$p")
    extract_uv "$(uv_wheel "$a")" "$ctx/uv-$a"
  done
  cp "$HERE/images/uv/Dockerfile" "$ctx/"
  log "building $UV_IMAGE for $UV_PLATFORMS"
  docker buildx build --progress=plain --platform "$UV_PLATFORMS" \
    --provenance=false --sbom=false --build-arg RECIPE="$UV_RECIPE" --build-arg UV_VERSION="$UV_VERSION" \
    --output "type=image,name=$UV_IMAGE,push=true" "$ctx" >"$CACHE/build-uv.log" 2>&1 \
    || { tail -40 "$CACHE/build-uv.log" >&2; die "build of $UV_IMAGE failed"; }
  rm -rf "$ctx"
  [ "$(remote_recipe "$UV_IMAGE")" = "$UV_RECIPE" ] || die "pushed $UV_IMAGE does not carry recipe $UV_RECIPE"
  record "$UV_IMAGE" "$t" "built and pushed (recipe $UV_RECIPE)"
fi

# ------------------------------------------------------------------ checks (arm64, under qemu)
for PY in $LAMBDA_VERSIONS; do
  PY_IMAGE=$REGISTRY/lambda/python:$PY
  check_python_image
done
t=$(now)
uv_check=$(docker run --rm --platform linux/arm64 "$UV_IMAGE" --version)
[[ "$uv_check" == "uv $UV_VERSION"* ]] || die "unexpected $UV_IMAGE output: $uv_check"
record "checks $UV_IMAGE (linux/arm64)" "$t" "$uv_check"
libc_after=$(dpkg-query -W -f='${Version}' libc6 2>/dev/null || echo none)
[ "$libc_before" = "$libc_after" ] || die "the host's libc6 changed from $libc_before to $libc_after"

# ------------------------------------------------------------------ the other engine
# An engine resolves FROM from its own image store before the registry: when the current
# engine is up beside this one, its copies of the stand-in tags are replaced by the ones just
# checked, for both platforms, so its builds never start from an older stand-in.
if [ "${UVBAKE_ENGINE:-default}" != current ] && [ -S /run/uvbake-current/docker.sock ]; then
  t=$(now)
  (
    eval "$(bash "$HERE/engine-current-up.sh" --env 2>/dev/null)" || exit 1
    for image in "${PY_IMAGES[@]}" "$UV_IMAGE"; do
      docker image rm -f "$image" >/dev/null 2>&1 || true
      for platform in linux/arm64 linux/amd64; do
        docker pull -q --platform "$platform" "$image" >/dev/null || exit 1
      done
    done
  ) || die "the current engine could not pull ${PY_IMAGES[*]} and $UV_IMAGE from $REGISTRY"
  record "current engine" "$t" "stand-in images pulled from $REGISTRY"
fi

echo "== images summary =="
printf '  %s\n' "${SUMMARY[@]}"
echo "  cache  $CACHE"
echo "  total  $(elapsed "$T_START" "$(now)")s"
