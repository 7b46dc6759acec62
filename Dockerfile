# chatd in a container: the server, its web client and its migrations, run as
# a non-root user with the database on the volume /data.
#
#   docker build -t chatd .
#   docker run -p 8080:8080 -v chatd-data:/data chatd
#
# Podman (no registry needed once a local debian:bookworm exists; see the
# README's "Container" section and scripts/test-container.sh):
#   podman build --format docker --pull=never -t chatd .
#
# Configuration is chatd's own CHATD_* variables (`docker run --rm chatd --help`
# lists them); flags after the image name win over them.

# ---- build: compile, then run the unit tests, so a failing test fails the image
FROM debian:bookworm AS build

# The build dependencies of scripts/setup.sh, without the benchmark peers
# (libbenchmark-dev, libcaf-dev): benchmarks are off here.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake ninja-build \
      libboost-dev libboost-system-dev libsimdjson-dev libspdlog-dev libsqlite3-dev \
      libssl-dev libgtest-dev libhiredis-dev pkg-config libpq-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# .dockerignore keeps the context to the sources CMake builds and tests.
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCHATD_BENCHMARKS=OFF \
 && cmake --build build \
 && ctest --test-dir build --output-on-failure --timeout 300

# ---- runtime: the binary and the shared libraries `ldd chatd` names, nothing else
FROM debian:bookworm-slim

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libsimdjson14 libsqlite3-0 libspdlog1.10 libfmt9 libssl3 libhiredis0.14 libpq5 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && groupadd --gid 10001 chatd \
 && useradd --uid 10001 --gid chatd --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin --no-log-init chatd \
 && install -d -o chatd -g chatd -m 0750 /data

COPY --from=build /src/build/server/chatd /usr/local/bin/chatd
COPY --from=build /src/web /usr/local/share/chatd/web
COPY --from=build /src/schema /usr/local/share/chatd/schema
# Fail the build here, not at start-up, if a runtime library is missing.
RUN ! ldd /usr/local/bin/chatd | grep 'not found'

# chatd would find web/ and schema/ in ../share/chatd by itself; saying so
# keeps `docker run -e` overrides obvious.
ENV CHATD_BIND=0.0.0.0 \
    CHATD_PORT=8080 \
    CHATD_DB=/data/chat.db \
    CHATD_WEB_ROOT=/usr/local/share/chatd/web \
    CHATD_SCHEMA_DIR=/usr/local/share/chatd/schema

# Named volumes start as a copy of this folder, owner included.
VOLUME /data
WORKDIR /data
EXPOSE 8080
USER 10001:10001

# GET /healthz over bash's /dev/tcp: no curl in the image. (Podman keeps a
# HEALTHCHECK only with `podman build --format docker`.)
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/\"${CHATD_PORT:-8080}\" && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && IFS= read -r -t 4 status <&3 && [[ $status == 'HTTP/1.1 200 '* ]]"]

# chatd is PID 1 (exec form, no shell): it handles SIGTERM itself with an
# ordered stop (connections closed with 1001, last batch committed) and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/chatd"]
