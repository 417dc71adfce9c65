#!/usr/bin/env python3
"""Prints the args of the `webhook` container of the one Deployment in a rendered manifest.

Reads a multi-document YAML manifest (helm template output, deploy/irsa-webhook.yaml) on
stdin and writes the container's args NUL-separated, so that a shell can hand them, one
argument each, to `irsa-webhook check-flags` (hack/check-chart.sh). Exits 1 with a message
when there is not exactly one Deployment, no `webhook` container, or an arg is not a string.
"""
import sys

import yaml


def main() -> int:
    documents = [d for d in yaml.safe_load_all(sys.stdin) if isinstance(d, dict)]
    deployments = [d for d in documents if d.get("kind") == "Deployment"]
    if len(deployments) != 1:
        print(f"expected one Deployment, found {len(deployments)}", file=sys.stderr)
        return 1
    containers = deployments[0]["spec"]["template"]["spec"].get("containers") or []
    webhook = [c for c in containers if c.get("name") == "webhook"]
    if len(webhook) != 1:
        print("the Deployment has no container named webhook", file=sys.stderr)
        return 1
    args = webhook[0].get("args") or []
    for arg in args:
        if not isinstance(arg, str):
            print(f"arg {arg!r} is a YAML {type(arg).__name__}, not a string", file=sys.stderr)
            return 1
    sys.stdout.write("".join(arg + "\0" for arg in args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
