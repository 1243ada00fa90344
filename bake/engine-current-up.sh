#!/usr/bin/env bash
# Bring up the *current* engine beside the default one (bake/engine-up.sh):
#   - dockerd 28 and the docker CLI 28 (Debian sid docker.io / docker-cli 28.5.2) and the
#     buildx 0.29 plugin (docker-buildx 0.29.1), unpacked with `apt-get download` +
#     `dpkg -x` into a private prefix: no package of the system is installed or upgraded;
#   - its own data root, exec root, socket, cgroup parent, bridge (`uvbake28`,
#     172.30.28.1/24) and containerd process (the system's containerd binary with a config,
#     root, state and socket of its own: dockerd would otherwise attach to the default
#     engine's /run/containerd/containerd.sock and share its `moby` namespace);
#   - a private DOCKER_CONFIG whose cli-plugins/docker-buildx is buildx 0.29, so that plugin
#     is only used against this engine.
# It shares the kernel's qemu binfmt handler and the loopback registry 127.0.0.1:5000 of
# bake/engine-up.sh (run first when they are missing), and never touches that engine, its
# containerd, docker0 or its iptables rules. Idempotent.
#
# Use it:  eval "$(bash bake/engine-current-up.sh --env)"   (or UVBAKE_ENGINE=current
#          bash bake/engine-up.sh), then docker/buildx commands talk to dockerd 28.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then exec sudo -E bash "$0" "$@"; fi
  echo "engine-current-up: must run as root" >&2
  exit 1
fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PRINT_ENV=0
[ "${1:-}" = "--env" ] && PRINT_ENV=1

DOCKER_VERSION=${UVBAKE_CURRENT_DOCKER_VERSION:-28.5.2+dfsg4-5}
BUILDX_VERSION=${UVBAKE_CURRENT_BUILDX_VERSION:-0.29.1+ds1-4}
# The Debian mirror of this machine's own apt sources, unless UVBAKE_DEBIAN_MIRROR is set.
system_mirror() {
  { awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true
    awk '$1 == "deb" {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}' \
      /etc/apt/sources.list 2>/dev/null || true; } | head -1
}
DEBIAN_MIRROR=${UVBAKE_DEBIAN_MIRROR:-$(system_mirror)}
CACHE=${UVBAKE_CACHE:-$HOME/.cache/uvbake}
PREFIX=${UVBAKE_CURRENT_PREFIX:-/opt/uvbake/engine-current}
RUN_DIR=/run/uvbake-current          # exec root, socket, pid files (short: socket paths)
DATA_ROOT=/var/lib/uvbake-current
LOG_DIR=${UVBAKE_LOG_DIR:-/var/log/uvbake}
SOCK=$RUN_DIR/docker.sock
CONTAINERD_SOCK=$RUN_DIR/containerd.sock
CONTAINERD_TOML=$PREFIX/containerd.toml
BRIDGE=uvbake28
BRIDGE_CIDR=172.30.28.1/24
SUBNET=172.30.28.0/24
CHAIN=UVBAKE-CURRENT
REGISTRY_ADDR=127.0.0.1:5000

ROOT=$PREFIX/root                    # dpkg -x of the packages
DOCKER_CONFIG_DIR=$PREFIX/docker-config
DAEMON_JSON=$PREFIX/daemon.json
ENV_FILE=$PREFIX/env

T_START=$(date +%s.%N)
SUMMARY=()
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }
record() { SUMMARY+=("$(printf '%-12s %6ss  %s' "$1" "$(elapsed "$2" "$(now)")" "$3")"); }
log() { echo "engine-current-up: $*" >&2; }
die() { echo "engine-current-up: ERROR: $*" >&2; exit 1; }

wait_for() { # wait_for SECONDS DESCRIPTION CMD...
  local secs=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then die "timed out after ${secs}s waiting for $what"; fi
    sleep 0.2
  done
}
pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

mkdir -p "$LOG_DIR" "$RUN_DIR" "$PREFIX"
# Everything below talks to this engine only.
export DOCKER_HOST=unix://$SOCK DOCKER_CONFIG=$DOCKER_CONFIG_DIR
export PATH=$ROOT/usr/bin:$ROOT/usr/sbin:$PATH
unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH || true

# ---------------------------------------------------------------- shared pieces
t=$(now)
shared="present"
for c in containerd containerd-shim-runc-v2 runc tini-static qemu-aarch64-static iptables curl; do
  command -v "$c" >/dev/null 2>&1 || { shared=missing; break; }
done
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || shared=missing
curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 || shared=missing
if [ "$shared" = missing ]; then
  log "containerd/runc/qemu/registry missing: running engine-up.sh first"
  env -u DOCKER_HOST -u DOCKER_CONFIG UVBAKE_ENGINE=default bash "$HERE/engine-up.sh" >&2
  shared="brought up by engine-up.sh"
fi
record shared "$t" "$shared (containerd, runc, tini, qemu binfmt, registry $REGISTRY_ADDR)"

# ---------------------------------------------------------------- packages (private prefix)
t=$(now)
stamp="$PREFIX/.installed"
want="docker.io=$DOCKER_VERSION docker-cli=$DOCKER_VERSION docker-buildx=$BUILDX_VERSION"
if [ "$(cat "$stamp" 2>/dev/null || true)" = "$want" ] && [ -x "$ROOT/usr/sbin/dockerd" ]; then
  record packages "$t" "already unpacked in $ROOT"
else
  # Private apt state for Debian sid: resolves and downloads .debs without touching the
  # host's apt configuration or package database.
  w="$CACHE/apt/sid-amd64"
  mkdir -p "$w/state/lists/partial" "$w/cache/archives/partial" "$w/etc/apt.conf.d" \
           "$w/etc/preferences.d" "$w/etc/sources.list.d" "$CACHE/engine-current"
  : >"$w/status"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DEBIAN_MIRROR sid main" >"$w/etc/sources.list"
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
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
APT::Sandbox::User "root";
Acquire::Languages "none";
Acquire::Check-Valid-Until "false";
EOF
  [ -n "$DEBIAN_MIRROR" ] || die "no Debian mirror in /etc/apt/sources.list{,.d/debian.sources}: set UVBAKE_DEBIAN_MIRROR"
  debs="$CACHE/engine-current/debs"
  rm -rf "$debs"; mkdir -p "$debs"
  log "apt-get download $want (Debian sid, private apt state)"
  APT_CONFIG=$w/apt.conf apt-get update -qq
  ( cd "$debs" && APT_CONFIG=$w/apt.conf apt-get download -qq \
      "docker.io=$DOCKER_VERSION" "docker-cli=$DOCKER_VERSION" "docker-buildx=$BUILDX_VERSION" ) \
    || die "cannot download $want from $DEBIAN_MIRROR sid (set UVBAKE_CURRENT_DOCKER_VERSION / UVBAKE_CURRENT_BUILDX_VERSION to versions sid has)"
  rm -rf "$ROOT.tmp"; mkdir -p "$ROOT.tmp"
  for f in "$debs"/*.deb; do dpkg -x "$f" "$ROOT.tmp"; done
  rm -rf "$ROOT"; mv "$ROOT.tmp" "$ROOT"
  rm -rf "$debs" "$w"
  echo "$want" >"$stamp"
  record packages "$t" "unpacked into $ROOT ($want)"
fi
dockerd_ver=$("$ROOT/usr/sbin/dockerd" --version | sed -n 's/^Docker version \([^,]*\),.*/\1/p')
mkdir -p "$DOCKER_CONFIG_DIR/cli-plugins"
ln -sfn "$ROOT/usr/libexec/docker/cli-plugins/docker-buildx" "$DOCKER_CONFIG_DIR/cli-plugins/docker-buildx"
[ -s "$DOCKER_CONFIG_DIR/config.json" ] || echo '{}' >"$DOCKER_CONFIG_DIR/config.json"

# ---------------------------------------------------------------- network (own bridge)
t=$(now)
docker0_before=$(ip -o link show docker0 2>/dev/null | wc -l)
if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
  ip link add "$BRIDGE" type bridge
fi
uplink=$(ip -o route show default 2>/dev/null | awk '{for(i=1;i<=NF;i++) if($i=="dev"){print $(i+1); exit}}')
mtu=1500
if [ -n "$uplink" ] && [ -r "/sys/class/net/$uplink/mtu" ]; then
  mtu=$(cat "/sys/class/net/$uplink/mtu")
  [ "$mtu" -le 1500 ] || mtu=1500
fi
ip link set "$BRIDGE" mtu "$mtu"
ip -o addr show dev "$BRIDGE" | grep -q " ${BRIDGE_CIDR} " || ip addr add "$BRIDGE_CIDR" dev "$BRIDGE"
ip link set "$BRIDGE" up
# dockerd runs with --iptables=false (it would otherwise rewrite the filter and nat chains
# the default engine's rules live in); these rules, in a chain of their own, give RUN steps
# and containers on the bridge their way out.
iptables -N "$CHAIN" 2>/dev/null || true
iptables -C "$CHAIN" -i "$BRIDGE" -j ACCEPT 2>/dev/null || iptables -A "$CHAIN" -i "$BRIDGE" -j ACCEPT
iptables -C "$CHAIN" -o "$BRIDGE" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT 2>/dev/null \
  || iptables -A "$CHAIN" -o "$BRIDGE" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
iptables -C FORWARD -j "$CHAIN" 2>/dev/null || iptables -I FORWARD 1 -j "$CHAIN"
iptables -t nat -C POSTROUTING -s "$SUBNET" ! -o "$BRIDGE" -j MASQUERADE 2>/dev/null \
  || iptables -t nat -A POSTROUTING -s "$SUBNET" ! -o "$BRIDGE" -j MASQUERADE
[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || echo 1 >/proc/sys/net/ipv4/ip_forward
record network "$t" "bridge $BRIDGE $BRIDGE_CIDR (mtu $mtu), chain $CHAIN"

# ---------------------------------------------------------------- DNS cache on the bridge
# The machine's resolver drops some of the parallel lookups a build makes; containers and
# RUN steps on this engine ask a caching forwarder on the bridge address instead.
t=$(now)
DNS_ADDR=${BRIDGE_CIDR%/*}
dns_ok() { pid_alive "$RUN_DIR/dns-cache.pid" && python3 - "$DNS_ADDR" <<'EOF'
import socket, struct, sys
q = struct.pack(">HHHHHH", 0x5eed, 0x0100, 1, 0, 0, 0) + b"\x09localhost\x00\x00\x01\x00\x01"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(q, (sys.argv[1], 53))
sys.exit(0 if s.recvfrom(512)[0][:2] == b"\x5e\xed" else 1)
EOF
}
# The index hosts are asked for at start, so no build waits on their first lookup.
DNS_WARM=(pypi.org files.pythonhosted.org)
dns_sum=$(sha256sum "$HERE/dns-cache.py" | cut -d' ' -f1)
if dns_ok >/dev/null 2>&1 && [ "$(cat "$RUN_DIR/dns-cache.sum" 2>/dev/null)" = "$dns_sum" ]; then
  record dns "$t" "cache already running on $DNS_ADDR:53"
else
  if pid_alive "$RUN_DIR/dns-cache.pid"; then kill "$(cat "$RUN_DIR/dns-cache.pid")"; sleep 0.3; fi
  setsid nohup python3 "$HERE/dns-cache.py" "$DNS_ADDR" --warm "${DNS_WARM[@]}" \
    >>"$LOG_DIR/dns-cache-current.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/dns-cache.pid"
  echo "$dns_sum" >"$RUN_DIR/dns-cache.sum"
  wait_for 20 "DNS cache on $DNS_ADDR:53" dns_ok
  record dns "$t" "cache started on $DNS_ADDR:53 (pid $(cat "$RUN_DIR/dns-cache.pid"))"
fi

# ---------------------------------------------------------------- containerd (own process)
t=$(now)
desired_ctd=$(cat <<EOF
version = 2
root = "$DATA_ROOT/containerd"
state = "$RUN_DIR/containerd"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$CONTAINERD_SOCK"

[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$DATA_ROOT/containerd-opt"
EOF
)
containerd_ok() { [ -S "$CONTAINERD_SOCK" ] && ctr --address "$CONTAINERD_SOCK" --connect-timeout 2s version; }
if [ "$(cat "$CONTAINERD_TOML" 2>/dev/null || true)" != "$desired_ctd" ]; then
  printf '%s\n' "$desired_ctd" >"$CONTAINERD_TOML"
  if pid_alive "$RUN_DIR/dockerd.pid"; then
    kill "$(cat "$RUN_DIR/dockerd.pid")"
    for _ in $(seq 150); do pid_alive "$RUN_DIR/dockerd.pid" || break; sleep 0.2; done
  fi
  if pid_alive "$RUN_DIR/containerd.pid"; then
    kill "$(cat "$RUN_DIR/containerd.pid")"
    for _ in $(seq 100); do pid_alive "$RUN_DIR/containerd.pid" || break; sleep 0.2; done
  fi
fi
if containerd_ok >/dev/null 2>&1; then
  record containerd "$t" "already running at $CONTAINERD_SOCK"
else
  rm -f "$CONTAINERD_SOCK"
  log "starting containerd (log: $LOG_DIR/containerd-current.log)"
  setsid nohup containerd --config "$CONTAINERD_TOML" >>"$LOG_DIR/containerd-current.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/containerd.pid"
  wait_for 60 "containerd at $CONTAINERD_SOCK" containerd_ok
  record containerd "$t" "started (pid $(cat "$RUN_DIR/containerd.pid")) at $CONTAINERD_SOCK"
fi

# ---------------------------------------------------------------- dockerd
t=$(now)
desired_cfg=$(cat <<EOF
{
  "hosts": ["unix://$SOCK"],
  "data-root": "$DATA_ROOT",
  "exec-root": "$RUN_DIR/exec",
  "pidfile": "$RUN_DIR/dockerd.pid",
  "containerd": "$CONTAINERD_SOCK",
  "features": {"containerd-snapshotter": true},
  "insecure-registries": ["localhost:5000", "127.0.0.1:5000"],
  "bridge": "$BRIDGE",
  "dns": ["$DNS_ADDR"],
  "mtu": $mtu,
  "iptables": false,
  "ip6tables": false,
  "cgroup-parent": "uvbake-current",
  "init-path": "$(command -v tini-static)",
  "userland-proxy-path": "$ROOT/usr/sbin/docker-proxy"
}
EOF
)
if [ "$(cat "$DAEMON_JSON" 2>/dev/null || true)" != "$desired_cfg" ]; then
  printf '%s\n' "$desired_cfg" >"$DAEMON_JSON"
  if pid_alive "$RUN_DIR/dockerd.pid"; then
    log "daemon.json changed: restarting the current dockerd"
    kill "$(cat "$RUN_DIR/dockerd.pid")"
    for _ in $(seq 150); do pid_alive "$RUN_DIR/dockerd.pid" || break; sleep 0.2; done
  fi
fi
if docker info >/dev/null 2>&1; then
  record dockerd "$t" "already running"
else
  log "starting dockerd $dockerd_ver (log: $LOG_DIR/dockerd-current.log)"
  setsid nohup "$ROOT/usr/sbin/dockerd" --config-file "$DAEMON_JSON" \
    >>"$LOG_DIR/dockerd-current.log" 2>&1 </dev/null &
  wait_for 90 "docker info on $SOCK" docker info
  record dockerd "$t" "started (pid $(cat "$RUN_DIR/dockerd.pid"))"
fi
docker0_after=$(ip -o link show docker0 2>/dev/null | wc -l)
[ "$docker0_after" -ge "$docker0_before" ] || die "docker0 disappeared while starting dockerd $dockerd_ver"

# ---------------------------------------------------------------- checks
t=$(now)
server_ver=$(docker version --format '{{.Server.Version}}')
[ "$server_ver" = "$dockerd_ver" ] || die "docker CLI talks to daemon $server_ver, expected $dockerd_ver"
buildx_ver=$(docker buildx version | awk '{print $2}')
case "$buildx_ver" in v0.29.*|0.29.*) ;; *) die "docker buildx is $buildx_ver, expected 0.29 (plugin $DOCKER_CONFIG_DIR/cli-plugins)";; esac
arm_check="skipped (no localhost:5000/lambda/python:3.13 yet; run bake/images.sh)"
if curl -fsS -o /dev/null -H 'Accept: application/vnd.oci.image.index.v1+json' \
     "http://$REGISTRY_ADDR/v2/lambda/python/manifests/3.13" 2>/dev/null; then
  m=$(docker run --rm --platform linux/arm64 --entrypoint uname localhost:5000/lambda/python:3.13 -m \
      2>"$LOG_DIR/arm64-check-current.err" || true)
  [ "$m" = "aarch64" ] || die "arm64 container check printed '$m', expected aarch64 ($(tail -3 "$LOG_DIR/arm64-check-current.err"))"
  arm_check="docker run --platform linux/arm64 ... uname -m -> $m"
fi
record checks "$t" "ok"

cat >"$ENV_FILE" <<EOF
export DOCKER_HOST=unix://$SOCK
export DOCKER_CONFIG=$DOCKER_CONFIG_DIR
export PATH=$ROOT/usr/bin:\$PATH
EOF

{
  echo "== engine-current-up summary =="
  printf '  %s\n' "${SUMMARY[@]}"
  echo "  docker CLI   $ROOT/usr/bin/docker ($(docker version --format '{{.Client.Version}}')) -> dockerd $server_ver at $SOCK"
  echo "  buildx       $buildx_ver ($DOCKER_CONFIG_DIR/cli-plugins/docker-buildx)"
  echo "  arm64        $arm_check"
  echo "  libc6        $(dpkg-query -W -f='${Version}' libc6) (system, unchanged)"
  echo "  logs         $LOG_DIR/dockerd-current.log ; run dir $RUN_DIR ; data $DATA_ROOT"
  echo "  use it       . $ENV_FILE   (DOCKER_HOST=unix://$SOCK)"
  echo "  total        $(elapsed "$T_START" "$(now)")s"
} >&2
if [ "$PRINT_ENV" -eq 1 ]; then cat "$ENV_FILE"; fi
