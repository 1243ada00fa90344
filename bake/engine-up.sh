#!/usr/bin/env bash
# Bring up a local container engine for building and testing uvbake output:
#   - containerd + dockerd (BuildKit builder, containerd image store)
#   - docker buildx CLI plugin
#   - qemu-user-static registered in binfmt_misc (fix-binary flag) for linux/arm64
#   - a plain registry on 127.0.0.1:5000 (no auth, no TLS)
# Idempotent: every step checks its own state first, so a second run only verifies.
# Packages: docker.io, containerd and docker-buildx come from Debian trixie, pinned
# low so nothing else (libc6 in particular) is upgraded; the rest comes from bookworm.
# UVBAKE_ENGINE=current brings up the current engine (dockerd 28, buildx 0.29) instead:
# bake/engine-current-up.sh.
set -euo pipefail

if [ "${UVBAKE_ENGINE:-default}" = current ]; then
  exec bash "$(dirname "${BASH_SOURCE[0]}")/engine-current-up.sh" "$@"
fi

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then exec sudo -E bash "$0" "$@"; fi
  echo "engine-up: must run as root" >&2
  exit 1
fi

LOG_DIR=${UVBAKE_LOG_DIR:-/var/log/uvbake}
RUN_DIR=${UVBAKE_RUN_DIR:-/run/uvbake}
REGISTRY_ADDR=127.0.0.1:5000
REGISTRY_ROOT=/var/lib/docker-registry
REGISTRY_CONFIG=/etc/docker/registry/uvbake.yml
CONTAINERD_SOCK=/run/containerd/containerd.sock
DOCKER_SOCK=/var/run/docker.sock
TRIXIE_PKGS=(docker.io containerd docker-buildx)
BOOKWORM_PKGS=(runc tini qemu-user-static docker-registry iptables pigz curl ca-certificates)
BUILDX_PLUGIN=/usr/libexec/docker/cli-plugins/docker-buildx

# The CLI must talk to the local daemon, whatever the caller's environment says.
export DOCKER_HOST=unix://$DOCKER_SOCK
unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH || true

mkdir -p "$LOG_DIR" "$RUN_DIR"

T_START=$(date +%s.%N)
SUMMARY=()
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }
record() { # record NAME START STATUS
  SUMMARY+=("$(printf '%-12s %6ss  %s' "$1" "$(elapsed "$2" "$(now)")" "$3")")
}
log() { echo "engine-up: $*" >&2; }
die() { echo "engine-up: ERROR: $*" >&2; exit 1; }

wait_for() { # wait_for SECONDS DESCRIPTION CMD...
  local secs=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then die "timed out after ${secs}s waiting for $what"; fi
    sleep 0.2
  done
}

pid_alive() { # pid_alive PIDFILE
  [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

start_bg() { # start_bg NAME LOGFILE CMD... ; detached from this shell, pid in $RUN_DIR/NAME.pid
  local name=$1 logfile=$2; shift 2
  log "starting $name (log: $logfile)"
  setsid nohup "$@" >>"$logfile" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$name.pid"
}

# ---------------------------------------------------------------- packages
t=$(now)
need_install=0
for c in containerd dockerd runc tini qemu-aarch64-static docker-registry iptables curl; do
  command -v "$c" >/dev/null 2>&1 || { need_install=1; break; }
done
[ -x "$BUILDX_PLUGIN" ] || need_install=1
if [ "$need_install" -eq 1 ]; then
  libc_before=$(dpkg-query -W -f='${Version}' libc6)
  cat >/etc/apt/sources.list.d/uvbake-trixie.sources <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  cat >/etc/apt/preferences.d/uvbake-trixie <<'EOF'
# trixie is only used for packages asked for explicitly as pkg/trixie
Package: *
Pin: release n=trixie
Pin-Priority: 100
EOF
  log "apt-get update"
  apt-get update -qq
  # Keep package maintainer scripts from starting services (no init system here).
  policy_tmp=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    policy_tmp=1
  fi
  pkgs=()
  for p in "${TRIXIE_PKGS[@]}"; do pkgs+=("$p/trixie"); done
  pkgs+=("${BOOKWORM_PKGS[@]}")
  # Refuse if apt would upgrade an installed package (libc6, ...) from outside bookworm.
  sim=$(apt-get install -s --no-install-recommends "${pkgs[@]}" 2>&1) || { echo "$sim" | tail -20 >&2; die "apt-get cannot resolve ${pkgs[*]}"; }
  bad=$(echo "$sim" | grep -E '^Inst [^ ]+ \[' | grep -vE 'Debian(-Security)?:12' || true)
  [ -z "$bad" ] || die "installing would upgrade packages beyond bookworm:"$'\n'"$bad"
  log "apt-get install ${pkgs[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >"$LOG_DIR/apt-install.log" 2>&1 \
    || { tail -30 "$LOG_DIR/apt-install.log" >&2; die "apt-get install failed"; }
  [ "$policy_tmp" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
  libc_after=$(dpkg-query -W -f='${Version}' libc6)
  [ "$libc_before" = "$libc_after" ] || die "libc6 changed from $libc_before to $libc_after"
  record packages "$t" "installed (libc6 $libc_after unchanged)"
else
  record packages "$t" "already installed"
fi
[ -x "$BUILDX_PLUGIN" ] || die "buildx plugin missing at $BUILDX_PLUGIN"

# ---------------------------------------------------------------- binfmt / qemu
t=$(now)
BINFMT=/proc/sys/fs/binfmt_misc
if [ ! -e "$BINFMT/register" ]; then
  mount -t binfmt_misc binfmt_misc "$BINFMT"
fi
binfmt_status="already registered"
if [ -e "$BINFMT/qemu-aarch64" ] && ! grep -q '^flags: .*F' "$BINFMT/qemu-aarch64"; then
  echo -1 >"$BINFMT/qemu-aarch64"   # registered without fix-binary: replace it
fi
if [ ! -e "$BINFMT/qemu-aarch64" ]; then
  conf=/usr/lib/binfmt.d/qemu-aarch64.conf
  if [ -s "$conf" ]; then
    line=$(grep -v '^#' "$conf" | head -1)
  else
    line=':qemu-aarch64:M::\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:'
  fi
  # Flags: O (open binary), P (preserve argv0), F (fix binary: interpreter opened now,
  # so it also works inside containers that do not have it).
  line="${line%:*}:OPF"
  printf '%s' "$line" >"$BINFMT/register"
  binfmt_status="registered"
fi
grep -q '^enabled' "$BINFMT/qemu-aarch64" || die "qemu-aarch64 binfmt handler not enabled"
grep -q '^flags: .*F' "$BINFMT/qemu-aarch64" || die "qemu-aarch64 binfmt handler lacks the F flag"
record binfmt "$t" "$binfmt_status ($(grep '^flags' "$BINFMT/qemu-aarch64"))"

# ---------------------------------------------------------------- containerd
t=$(now)
containerd_ok() { [ -S "$CONTAINERD_SOCK" ] && ctr --address "$CONTAINERD_SOCK" --connect-timeout 2s version; }
if containerd_ok >/dev/null 2>&1; then
  record containerd "$t" "already running"
else
  rm -f "$CONTAINERD_SOCK"
  start_bg containerd "$LOG_DIR/containerd.log" containerd
  wait_for 60 "containerd socket" containerd_ok
  record containerd "$t" "started (pid $(cat "$RUN_DIR/containerd.pid"))"
fi

# ---------------------------------------------------------------- dockerd
t=$(now)
mkdir -p /etc/docker
# Match the bridge MTU to the uplink (smaller than 1500 in some sandboxes).
uplink=$(ip -o route show default 2>/dev/null | awk '{for(i=1;i<=NF;i++) if($i=="dev"){print $(i+1); exit}}')
mtu=1500
if [ -n "$uplink" ] && [ -r "/sys/class/net/$uplink/mtu" ]; then
  mtu=$(cat "/sys/class/net/$uplink/mtu")
  [ "$mtu" -le 1500 ] || mtu=1500
fi
desired_cfg=$(cat <<EOF
{
  "features": {"containerd-snapshotter": true},
  "containerd": "$CONTAINERD_SOCK",
  "insecure-registries": ["localhost:5000", "127.0.0.1:5000"],
  "mtu": $mtu
}
EOF
)
cfg_changed=0
if [ "$(cat /etc/docker/daemon.json 2>/dev/null || true)" != "$desired_cfg" ]; then
  printf '%s\n' "$desired_cfg" >/etc/docker/daemon.json
  cfg_changed=1
fi
if [ "$cfg_changed" -eq 1 ] && docker info >/dev/null 2>&1; then
  # A daemon started by this script with an older config: restart it.
  if pid_alive "$RUN_DIR/dockerd.pid"; then
    log "daemon.json changed: restarting dockerd"
    kill "$(cat "$RUN_DIR/dockerd.pid")"
    for _ in $(seq 100); do pid_alive "$RUN_DIR/dockerd.pid" || break; sleep 0.2; done
  else
    log "WARNING: daemon.json changed but dockerd was not started by this script; not restarting it"
  fi
fi
if docker info >/dev/null 2>&1; then
  record dockerd "$t" "already running"
else
  start_bg dockerd "$LOG_DIR/dockerd.log" dockerd --config-file /etc/docker/daemon.json
  wait_for 90 "docker info" docker info
  record dockerd "$t" "started (pid $(cat "$RUN_DIR/dockerd.pid"))"
fi
driver_status=$(docker info --format '{{json .DriverStatus}}')
case "$driver_status" in
  *io.containerd.snapshotter*) ;;
  *) log "WARNING: dockerd is not using the containerd image store ($driver_status)" ;;
esac

# ---------------------------------------------------------------- registry
t=$(now)
mkdir -p "$REGISTRY_ROOT" "$(dirname "$REGISTRY_CONFIG")"
desired_reg=$(cat <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $REGISTRY_ROOT
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
EOF
)
if [ "$(cat "$REGISTRY_CONFIG" 2>/dev/null || true)" != "$desired_reg" ]; then
  printf '%s\n' "$desired_reg" >"$REGISTRY_CONFIG"
  if pid_alive "$RUN_DIR/registry.pid"; then
    kill "$(cat "$RUN_DIR/registry.pid")"
    for _ in $(seq 50); do pid_alive "$RUN_DIR/registry.pid" || break; sleep 0.2; done
  fi
fi
if curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; then
  record registry "$t" "already running on $REGISTRY_ADDR"
else
  start_bg registry "$LOG_DIR/registry.log" docker-registry serve "$REGISTRY_CONFIG"
  wait_for 30 "registry on $REGISTRY_ADDR" curl -fsS "http://$REGISTRY_ADDR/v2/"
  record registry "$t" "started on $REGISTRY_ADDR (pid $(cat "$RUN_DIR/registry.pid"))"
fi

# ---------------------------------------------------------------- checks
t=$(now)
docker_bin=$(command -v docker)
client_ver=$(docker version --format '{{.Client.Version}}')
server_ver=$(docker version --format '{{.Server.Version}}')
dockerd_ver=$(dockerd --version | sed -n 's/^Docker version \([^,]*\),.*/\1/p')
[ "$server_ver" = "$dockerd_ver" ] || die "docker CLI talks to daemon $server_ver, expected $dockerd_ver"
buildx_ver=$(docker buildx version | awk '{print $2}')
driver=$(docker buildx inspect 2>/dev/null | awk -F': *' '/^Driver:/ && !d {d=$2} END {print d}')
arm_check="skipped (no localhost:5000/lambda/python:3.13 yet; run bake/images.sh)"
if curl -fsS -o /dev/null -H 'Accept: application/vnd.oci.image.index.v1+json' \
     -H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json' \
     "http://$REGISTRY_ADDR/v2/lambda/python/manifests/3.13" 2>/dev/null; then
  m=$(docker run --rm --platform linux/arm64 --entrypoint uname localhost:5000/lambda/python:3.13 -m \
      2>"$LOG_DIR/arm64-check.err" || true)
  [ "$m" = "aarch64" ] || die "arm64 container check printed '$m', expected aarch64 ($(tail -3 "$LOG_DIR/arm64-check.err"))"
  arm_check="docker run --platform linux/arm64 ... uname -m -> $m"
fi
record checks "$t" "ok"

echo "== engine-up summary =="
printf '  %s\n' "${SUMMARY[@]}"
echo "  docker CLI   $docker_bin ($client_ver) -> dockerd $server_ver at $DOCKER_SOCK"
echo "  buildx       $buildx_ver (builder driver: ${driver:-?})"
echo "  registry     http://$REGISTRY_ADDR ($REGISTRY_ROOT)"
echo "  arm64        $arm_check"
echo "  libc6        $(dpkg-query -W -f='${Version}' libc6)"
echo "  logs         $LOG_DIR ; pid files $RUN_DIR"
echo "  total        $(elapsed "$T_START" "$(now)")s"
