# Sourced by build.sh and test.sh: one Go environment for this module.
# Static binaries (no cgo) run in any Pod image; the build cache is shared
# with the rest of the node/e2e tooling.
export PATH="/usr/local/go/bin:$PATH"
export GOFLAGS="${GOFLAGS:--mod=mod}"
export CGO_ENABLED=0
export GOCACHE="${GOCACHE:-$HOME/.cache/irsa-webhook/go-build}"
