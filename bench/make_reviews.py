#!/usr/bin/env python3
"""Writes the AdmissionReviews the load benchmarks send: small.json (one container),
ten.json (10 containers with 40 env variables each) and large.json (~200 KB Pod)."""
import json, os, sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

def container(i, env):
    return {"name": "container-%d" % i, "image": "registry.example.com/team/service:v1.2.%d" % i,
            "env": [{"name": "VARIABLE_NUMBER_%d" % k, "value": "some-configuration-value-%d" % (k * 7919)} for k in range(env)],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
            "volumeMounts": [{"name": "data", "mountPath": "/data"}]}

def review(containers, env, pad):
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"generateName": "web-", "namespace": "demo", "labels": {"app": "web"}},
           "spec": {"serviceAccountName": "s3-reader", "containers": [container(i, env) for i in range(containers)],
                    "volumes": [{"name": "data", "emptyDir": {}}]}}
    if pad:
        pod["metadata"]["annotations"] = {"example.com/blob": "x" * pad}
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "0f6b5ab4-1111-2222-3333-444455556666",
                        "kind": {"group": "", "version": "v1", "kind": "Pod"},
                        "resource": {"group": "", "version": "v1", "resource": "pods"},
                        "namespace": "demo", "operation": "CREATE", "object": pod}}

for name, args in {"small": (1, 2, 0), "ten": (10, 40, 0), "large": (2, 5, 200 * 1024)}.items():
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(review(*args), f, separators=(",", ":"))
