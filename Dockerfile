# Aviary's container images, multi-stage on Debian 12 (docs/kubernetes-deploy.md):
#   docker build -t REGISTRY/aviary:TAG .                                   # the controller (default)
#   docker build --target loadtester -t REGISTRY/aviary-loadtester:TAG .    # `aviary loadtester`
# Both run as the non-root user 10001 and write nothing outside /tmp, so they run with
# readOnlyRootFilesystem (mount an emptyDir on /tmp for the load tester's commands).
# Not built or run in Aviary's CI: no container engine runs there (README).

# --- build: the same packages and CMake build as `make build`, only the binary -----------------
FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN ./scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DAVIARY_TESTS=OFF -DAVIARY_BENCH=OFF \
 && cmake --build /build --target aviary \
 && install -D -m 0755 /build/src/cli/aviary /out/usr/local/bin/aviary \
 && strip /out/usr/local/bin/aviary \
 && ./scripts/runtime-packages.sh /out/usr/local/bin/aviary > /out/runtime-packages.txt

# --- runtime: only the shared libraries the binary loads (found by ldd + dpkg in the build) ----
FROM debian:12 AS runtime
COPY --from=build /out/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      ca-certificates $(cat /tmp/runtime-packages.txt) \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
 && groupadd --gid 10001 aviary \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin aviary
COPY --from=build /out/usr/local/bin/aviary /usr/local/bin/aviary

# --- loadtester: the runtime plus what the seed's webhooks run (bash tasks with curl) ---------
FROM runtime AS loadtester
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
USER 10001:10001
WORKDIR /tmp
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/aviary"]
CMD ["loadtester", "-listen=0.0.0.0", "-port=8080"]

# --- controller (the default target) ------------------------------------------------------------
FROM runtime AS controller
USER 10001:10001
WORKDIR /tmp
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/aviary"]
CMD ["controller"]
