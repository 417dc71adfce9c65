#!/usr/bin/env bash
# A/B comparison of two commits on the numbers a change on the request path must keep
# (docs/performance.md): the core time of the small Pod and wrk throughput at 16 connections.
#   hack/bench-compare.sh BEFORE_REV [AFTER_REV] [ROUNDS]
# Each revision is built Release in its own clone under ${BENCH_COMPARE_DIR:-/tmp/irsa-bench-compare};
# the rounds alternate before/after so that a noisy neighbour hits both alike. Prints every
# round and the medians. Traffic goes to 127.0.0.1 only; every run is bounded (ROUNDS x 10 s).
set -euo pipefail
cd "$(dirname "$0")/.."
before="${1:?usage: hack/bench-compare.sh BEFORE_REV [AFTER_REV] [ROUNDS]}"
after="${2:-HEAD}"
rounds="${3:-3}"
seconds="${BENCH_SECONDS:-10}"
root="${BENCH_COMPARE_DIR:-/tmp/irsa-bench-compare}"
IRSA_SETUP_BENCH=1 bash hack/setup.sh >/dev/null
mkdir -p "$root"
repo="$(pwd)"

build_rev() {  # build_rev REV -> prints the build dir
  local rev sha dir
  rev="$1"; sha="$(git rev-parse "$rev")"; dir="$root/$sha"
  if [[ ! -x "$dir/build/irsa-webhook" || ! -x "$dir/build/bench/irsa_core_bench" ]]; then
    rm -rf "$dir"
    git clone -q "$repo" "$dir"
    git -C "$dir" checkout -q "$sha"
    (cd "$dir" && BUILD_DIR=build BUILD_TYPE=Release bash hack/build.sh -DIRSA_BUILD_BENCH=ON \
      >/dev/null)
  fi
  echo "$dir/build"
}

A="$(build_rev "$before")"
B="$(build_rev "$after")"
WORK="$(mktemp -d /tmp/irsa-bench-compare-run.XXXXXX)"
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
python3 bench/make_reviews.py "$WORK/reviews" >/dev/null
bash hack/dev-certs.sh "$WORK/certs" >/dev/null
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

core_us() {  # core_us BUILD_DIR: the small Pod's decode + mutate + encode, microseconds
  "$1/bench/irsa_core_bench" --benchmark_filter='Review_SmallPod' --benchmark_min_time=0.5 \
    --benchmark_format=json 2>/dev/null |
    jq -r '[.benchmarks[] | select(.name | test("Review_SmallPod"))][0].real_time / 1000 | . * 100 | floor / 100'
}

rps16() {  # rps16 BUILD_DIR: wrk at 16 connections on the small review
  local port
  port="$(free_port)"
  "$1/irsa-webhook" --bind-address=127.0.0.1 --port="$port" --metrics-port="$(free_port)" \
    --tls-cert="$WORK/certs/tls.crt" --tls-key="$WORK/certs/tls.key" \
    --service-accounts-file=bench/service-accounts.yaml --aws-default-region=eu-west-1 \
    --shutdown-drain-delay=0s --worker-threads=128 >"$WORK/webhook.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -skf "https://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.05; done
  BODY_FILE="$WORK/reviews/small.json" wrk -t 2 -c 16 -d "${seconds}s" -s bench/post.lua \
    "https://127.0.0.1:$port/mutate" 2>/dev/null | awk '/Requests\/sec/ {printf "%.0f", $2}'
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "before: $(git rev-parse --short "$before")  after: $(git rev-parse --short "$after")  rounds: $rounds"
: >"$WORK/a.core"; : >"$WORK/b.core"; : >"$WORK/a.rps"; : >"$WORK/b.rps"
for round in $(seq 1 "$rounds"); do
  ac="$(core_us "$A")"; bc="$(core_us "$B")"
  ar="$(rps16 "$A")"; br="$(rps16 "$B")"
  echo "round $round: core small µs before $ac after $bc | req/s at 16 conns before $ar after $br"
  echo "$ac" >>"$WORK/a.core"; echo "$bc" >>"$WORK/b.core"
  echo "$ar" >>"$WORK/a.rps"; echo "$br" >>"$WORK/b.rps"
done
mac="$(median <"$WORK/a.core")"; mbc="$(median <"$WORK/b.core")"
mar="$(median <"$WORK/a.rps")"; mbr="$(median <"$WORK/b.rps")"
awk -v a="$mac" -v b="$mbc" -v c="$mar" -v d="$mbr" 'BEGIN {
  printf "median core small: before %.2f µs, after %.2f µs (%+.1f%%)\n", a, b, 100*(b-a)/a
  printf "median req/s at 16 connections: before %d, after %d (%+.1f%%)\n", c, d, 100*(d-c)/c }'
