#!/usr/bin/env bash
# Builds the image from the Dockerfile with podman and proves it works:
# it starts with its data on a named volume, answers /healthz (and podman's
# health check), chats through the published port (send, ack, receive),
# stops on SIGTERM with exit code 0, and a new container on the same volume
# still has the history. Prints the image size. Needs root (podman's store,
# debootstrap), podman, runc, debootstrap and Node 20 (scripts/setup.sh --test).
#
# No registry is reachable here, so the base images debian:bookworm and
# debian:bookworm-slim are made once with debootstrap and kept in podman's
# store; later runs reuse them (and podman's layer cache).
#   CHATD_IMAGE            the tag to build (default localhost/chatd:test)
#   CHATD_DEBIAN_MIRROR    the Debian mirror for debootstrap (default: apt's)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  exec sudo --preserve-env=CHATD_IMAGE,CHATD_DEBIAN_MIRROR,PATH -- "$0" "$@"
fi

image="${CHATD_IMAGE:-localhost/chatd:test}"
base=docker.io/library/debian:bookworm
slim=docker.io/library/debian:bookworm-slim
# crun fails on these machines; the open-file limit cannot be raised past 20000.
podman=(podman --runtime runc)
limits=(--ulimit nofile=20000:20000 --ulimit nproc=32768:32768)
stop_timeout=30

# Runs podman without its complaint that there is no systemd to run the
# HEALTHCHECK on a timer (wait_healthy runs it instead).
podman_quiet() {
  "${podman[@]}" "$@" 2> >(grep -v 'unable to get systemd connection' >&2)
}

run_id="chatd-test-$$"
volume="$run_id-data"
containers=()
workdir=""
port=""

fail() {
  echo "test-container: FAILED: $*" >&2
  exit 1
}

cleanup() {
  local rc=$?
  for c in "${containers[@]}"; do
    if [ "$rc" -ne 0 ] && podman container exists "$c"; then
      echo "--- last log lines of $c" >&2
      podman logs --tail 30 "$c" >&2 || true
    fi
    podman rm --force --time 0 "$c" >/dev/null 2>&1 || true
  done
  podman volume rm --force "$volume" >/dev/null 2>&1 || true
  [ -n "$workdir" ] && rm -rf "$workdir"
  exit "$rc"
}
trap cleanup EXIT

for tool in podman runc debootstrap node; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/setup.sh --test installs it)"
done

# The first Debian mirror apt uses whose path ends in $1 (debian or debian-security).
apt_mirror() {
  local files=() f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && files+=("$f")
  done
  [ ${#files[@]} -gt 0 ] || return 0
  grep -hE '^[[:space:]]*(deb[[:space:]]|URIs:)' "${files[@]}" \
    | grep -oE 'https?://[^[:space:]]+' | sed 's:/*$::' | grep -E "/$1\$" | head -n 1 || true
}

# debian:bookworm from debootstrap (apt sources as in Docker Hub's image:
# bookworm, bookworm-updates, bookworm-security), then debian:bookworm-slim:
# the same without documentation, manuals and locales, as Docker Hub's slim.
make_base_images() {
  local mirror security rootfs
  mirror="${CHATD_DEBIAN_MIRROR:-$(apt_mirror debian)}"
  mirror="${mirror:-http://deb.debian.org/debian}"
  security="$(apt_mirror debian-security)"
  security="${security:-http://deb.debian.org/debian-security}"
  workdir="$(mktemp -d /var/tmp/chatd-rootfs.XXXXXX)"
  rootfs="$workdir/rootfs"
  echo "== making $base with debootstrap from $mirror"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$workdir/debootstrap.log" 2>&1 \
    || { tail -n 20 "$workdir/debootstrap.log" >&2; fail "debootstrap failed (log above)"; }

  rm -f "$rootfs/etc/apt/sources.list" "$rootfs/etc/resolv.conf" "$rootfs/etc/hostname"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/*
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  local changes=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
                 --change 'CMD ["bash"]')
  tar -C "$rootfs" --numeric-owner -c . | podman import --quiet "${changes[@]}" - "$base" >/dev/null

  echo "== making $slim"
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# As in Docker Hub's slim images: no documentation, manuals or locales.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
EOF
  find "$rootfs/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$rootfs"/usr/share/{groff,info,linda,locale,man}/* "$rootfs"/usr/share/lintian/overrides/*
  tar -C "$rootfs" --numeric-owner -c . | podman import --quiet "${changes[@]}" - "$slim" >/dev/null
  rm -rf "$workdir"
  workdir=""
}

# Prints the HTTP response to GET $2 on 127.0.0.1:$1; fails when there is none.
http_get() {
  # shellcheck disable=SC2016 # the inner bash expands $1 and $2
  timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" &&
    printf "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" "$2" >&3 &&
    cat <&3' http_get "$1" "$2" 2>/dev/null
}

# Starts container $run_id-$1 on the volume (more podman run flags after it);
# sets $port to its published port.
start() {
  local name="$run_id-$1"
  shift
  containers+=("$name")
  podman_quiet run --detach --name "$name" "${limits[@]}" \
    --publish 127.0.0.1::8080 --volume "$volume:/data" "$@" "$image" >/dev/null \
    || fail "podman run $name failed"
  port="$(podman port "$name" 8080/tcp | sed -n '1s/.*://p')"
  [ -n "$port" ] || fail "$name has no published port"
}

# Waits (at most 30 s, polling) until $1 answers /healthz on port $2.
wait_healthy() {
  local name="$1" port="$2" t0=$SECONDS
  until [[ "$(http_get "$port" /healthz)" == 'HTTP/1.1 200 '* ]]; do
    [ "$(podman inspect --format '{{.State.Running}}' "$name")" = true ] || fail "$name exited before it was healthy"
    [ $((SECONDS - t0)) -lt 30 ] || fail "$name did not answer /healthz within 30 s"
    sleep 0.2
  done
  echo "$name answers /healthz on 127.0.0.1:$port after $((SECONDS - t0)) s"
  # The image's own HEALTHCHECK, run once now (podman runs it on a timer only under systemd).
  local health
  podman healthcheck run "$name" >/dev/null || fail "podman healthcheck run $name: unhealthy"
  health="$(podman inspect --format '{{.State.Health.Status}}' "$name")"
  [ "$health" = healthy ] || fail "podman reports $name as '$health', not healthy"
  echo "$name: podman health status is $health"
}

# Stops $1 with SIGTERM and checks chatd exited 0 by itself, before the timeout.
stop_cleanly() {
  local name="$1" t0 t1 code
  t0=$(date +%s%N)
  podman_quiet stop --time "$stop_timeout" "$name" >/dev/null || fail "podman stop $name failed"
  t1=$(date +%s%N)
  code="$(podman inspect --format '{{.State.ExitCode}}' "$name")"
  [ "$code" = 0 ] || fail "$name exited with $code on SIGTERM (137: killed after the ${stop_timeout} s timeout)"
  [[ "$(podman logs "$name" 2>&1)" == *'chatd stopped'* ]] || fail "$name did not log its ordered stop"
  echo "$name stopped on SIGTERM with exit code 0 in $(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.2f", ns / 1e9 }') s"
}

chat() {
  node --experimental-websocket scripts/container-chat.mjs "$@" || fail "chat through the published port: $1"
}

t_start=$SECONDS
if podman image exists "$base" && podman image exists "$slim"; then
  echo "== base images $base and $slim are in podman's store"
else
  make_base_images
fi

echo "== building $image from the Dockerfile (build stage runs the unit tests)"
"${podman[@]}" build --format docker --pull=never "${limits[@]}" --tag "$image" . \
  || fail "podman build failed"
user="$(podman image inspect --format '{{.Config.User}}' "$image")"
case "$user" in "" | 0 | 0:* | root | root:*) fail "the image runs as root (USER '$user')" ;; esac
size=$(podman image inspect --format '{{.Size}}' "$image")
echo "image $image: $size bytes ($(awk -v b="$size" 'BEGIN { printf "%.1f MB", b / 1e6 }'))"

podman volume create "$volume" >/dev/null
room="container-$$"
text="hello from the container test $$ at $(date +%s)"

echo "== first container: fresh volume, chat, SIGTERM"
start first
wait_healthy "$run_id-first" "$port"
uid=$(podman exec "$run_id-first" id -u)
[ "$uid" != 0 ] || fail "chatd runs as root in the container"
echo "chatd runs as uid $uid"
[[ "$(http_get "$port" /)" == *'<title>chatd</title>'* ]] || fail "/ does not serve the web client"
echo "/ serves the web client"
chat send "ws://127.0.0.1:$port/ws" "$room" "$text"
stop_cleanly "$run_id-first"

echo "== second container: same volume, read-only root, no capabilities"
start second --read-only --cap-drop=ALL --security-opt=no-new-privileges
wait_healthy "$run_id-second" "$port"
chat history "ws://127.0.0.1:$port/ws" "$room" "$text"
stop_cleanly "$run_id-second"

echo "container test passed in $((SECONDS - t_start)) s; image $image is $(awk -v b="$size" 'BEGIN { printf "%.1f MB", b / 1e6 }')"
