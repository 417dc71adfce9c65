#!/usr/bin/env python3
"""Turns amazon-eks-pod-identity-webhook's handler fixtures into conformance fixtures.

Usage: hack/import-upstream-fixtures.py UPSTREAM_TESTDATA_DIR COMMIT

Each upstream fixture is a Pod whose `testing.eks.amazonaws.com/...` annotations describe
the ServiceAccount, the Pod Identity settings and the flags, and whose `expectedPatch`
annotation is upstream's own expected JSON patch. The conformance fixture written to
test/mutate/fixtures/upstream-<name>.json has those facts in this project's format and, as
`expected`, the Pod that upstream's patch produces (list order included). Upstream's patch
replaces whole containers, and Go's encoder writes an empty `resources: {}` into each and a
`null` for pointer fields without omitempty (`grpc.service`); those values, which the API
server reads as absent, are dropped where the Pod did not have them, and env and volumeMount
entries the Pod already had are kept as the Pod wrote them (the targeted-patch difference in
docs/migration.md). Run once per
upstream commit; the results are checked in and reviewed like hand-written fixtures.
"""
import copy
import json
import os
import sys

import yaml

T = "testing.eks.amazonaws.com/"


def unescape(token):
    return token.replace("~1", "/").replace("~0", "~")


def apply_add(doc, path, value):
    tokens = [unescape(t) for t in path.split("/")[1:]]
    parent = doc
    for token in tokens[:-1]:
        parent = parent[int(token)] if isinstance(parent, list) else parent[token]
    last = tokens[-1]
    if isinstance(parent, list):
        parent.insert(len(parent) if last == "-" else int(last), value)
    else:
        parent[last] = value


def drop_added_nulls(original, result):
    for key in list(result):
        if isinstance(result[key], dict) and isinstance(original.get(key), dict):
            drop_added_nulls(original[key], result[key])
        elif result[key] is None and key not in original:
            del result[key]


def drop_encoder_artifacts(original, result):
    for key in ("containers", "initContainers"):
        before = original["spec"].get(key, [])
        for i, container in enumerate(result["spec"].get(key, [])):
            had = before[i] if i < len(before) else {}
            if container.get("resources") == {} and "resources" not in had:
                del container["resources"]
            drop_added_nulls(had, container)
            # Entries the Pod already had: upstream re-encodes them through its client
            # library, which drops fields it does not know (rawPodHasVolumeMount's `path`);
            # this webhook's targeted patch leaves them byte for byte (docs/migration.md).
            for field in ("env", "volumeMounts"):
                for j, entry in enumerate(had.get(field, [])):
                    container[field][j] = entry


def facts_and_options(annotations):
    service_account = {}
    for source, target in (("serviceAccount/roleArn", "role-arn"),
                           ("serviceAccount/audience", "audience")):
        if T + source in annotations:
            service_account["eks.amazonaws.com/" + target] = annotations[T + source]
    for sources, target in ((("serviceAccount/sts-regional-endpoints", "handler/injectSTS"),
                             "sts-regional-endpoints"),
                            (("serviceAccount/token-expiration", "handler/expiration"),
                             "token-expiration")):
        for source in sources:
            if T + source in annotations:
                service_account["eks.amazonaws.com/" + target] = annotations[T + source]
                break
    options = {}
    if T + "handler/mountPath" in annotations:
        options["tokenMountPath"] = annotations[T + "handler/mountPath"]
    if T + "handler/region" in annotations:
        options["awsDefaultRegion"] = annotations[T + "handler/region"]
    pod_identity = bool(annotations.get(T + "containercredentials/uri"))
    if pod_identity:
        for source, target in (("uri", "FullUri"), ("audience", "Audience"),
                               ("mountPath", "TokenMountPath"), ("volumeName", "TokenVolumeName"),
                               ("tokenPath", "TokenPath")):
            options["containerCredentials" + target] = annotations.get(
                T + "containercredentials/" + source, "")
    facts = {"serviceAccount": {"annotations": service_account}, "podIdentity": pod_identity}
    return facts, options


def convert(path, commit):
    with open(path) as f:
        pod = yaml.safe_load(f)
    annotations = pod["metadata"]["annotations"]
    expected_patch = json.loads(annotations.pop(T + "expectedPatch"))
    # Upstream's test runs every fixture as default/default.
    pod["metadata"]["namespace"] = "default"
    pod["spec"]["serviceAccountName"] = "default"
    facts, options = facts_and_options(annotations)
    expected = copy.deepcopy(pod)
    for operation in expected_patch:
        assert operation["op"] == "add", operation
        apply_add(expected, operation["path"], operation["value"])
    drop_encoder_artifacts(pod, expected)
    name = os.path.splitext(os.path.splitext(os.path.basename(path))[0])[0]
    if "containercredentials" in path:
        name = "containercredentials-" + name
    mode = "pod-identity" if facts["podIdentity"] else "web-identity"
    audit = {"mode": mode}
    if mode == "web-identity":
        audit["role-arn"] = facts["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"]
    return name, {
        "description": "upstream pkg/handler/testdata fixture " + os.path.basename(path) +
                       " at " + commit + "; expected is upstream's expectedPatch applied "
                       "(docs/migration.md)",
        "facts": facts,
        "options": options,
        "random": 79200,  # upstream's test draws 0 from Int63n: the low end of the jitter
        "pod": pod,
        "expected": expected,
        "warnings": [],
        "auditAnnotations": audit,
    }


def main():
    testdata, commit = sys.argv[1], sys.argv[2]
    out_dir = os.path.join(os.path.dirname(__file__), "..", "test", "mutate", "fixtures")
    for root, _, files in os.walk(testdata):
        for file in sorted(files):
            if not file.endswith(".yaml"):
                continue
            name, fixture = convert(os.path.join(root, file), commit)
            with open(os.path.join(out_dir, "upstream-" + name + ".json"), "w") as f:
                json.dump(fixture, f, indent=2)
                f.write("\n")


if __name__ == "__main__":
    main()
