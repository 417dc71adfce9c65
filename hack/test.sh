#!/usr/bin/env bash
# The one command that sets up a fresh Debian machine and runs every test:
# unit and integration tests (ctest), formatting check, and the suites listed below.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
IRSA_SETUP_NODE=1 bash hack/setup.sh
bash hack/build.sh -DIRSA_BUILD_TESTS=ON -DIRSA_BUILD_BENCH=OFF
echo "== unit and integration tests (ctest)"
(cd build && ctest --output-on-failure -j 2 --timeout 300)
echo "== formatting (clang-format)"
bash hack/check-format.sh
echo "== static analysis (clang-tidy, with clang's thread-safety analysis)"
bash hack/check-tidy.sh
echo "== size limits (files <= 500 lines, functions <= 60 lines) and the module graph of docs/architecture.md"
bash hack/check-size.sh
bash hack/check-architecture.sh
echo "== Helm chart (lint, every mode, schema rejections) and deploy/ freshness"
bash hack/check-chart.sh
bash hack/gen-deploy.sh --check
echo "== benchmark smoke (runs every benchmark briefly; asserts they run, not how fast)"
bash hack/bench.sh --smoke
echo "== end-to-end against a real kube-apiserver + etcd"
bash test/e2e/run.sh "$PWD/build/irsa-webhook"
echo "== test tools of the real-node suite (STS and Pod Identity emulators, AWS SDK workload)"
bash test/node/tools/test.sh
echo "== real-node suite: the image, the chart and the manifests on kubelet + containerd"
bash test/node/run.sh
echo "== all tests passed in $(( $(date +%s) - start ))s"
