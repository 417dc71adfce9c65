# syntax=docker/dockerfile:1
# Build stage: the same commands as the README (hack/setup.sh, then a Release build).
# The real-node suite (test/node/images/build.sh) builds this file with buildah in CI.
FROM debian:bookworm AS build
WORKDIR /src
COPY . .
RUN bash hack/setup.sh
RUN BUILD_DIR=/build BUILD_TYPE=Release bash hack/build.sh -DIRSA_BUILD_TESTS=OFF
RUN bash hack/runtime-libs.sh /build/irsa-webhook /runtime
# Upstream's manifests run `command: [/webhook, ...]`: the same path works here
# (docs/migration.md). Made here because the runtime stage has no shell; COPY of the
# directory keeps the link.
RUN ln -s /usr/local/bin/irsa-webhook /runtime/webhook

# Runtime stage: the binary and the shared libraries it links, nothing else (no shell, no
# package manager). distroless/cc provides glibc and libgcc_s; hack/runtime-libs.sh checks
# the copied library list against ldd, and test/node/images/check-image.sh runs the binary
# in the built image.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /runtime/ /
COPY --from=build /build/irsa-webhook /usr/local/bin/irsa-webhook
USER 65532:65532
EXPOSE 8443 9999
ENTRYPOINT ["/usr/local/bin/irsa-webhook"]
