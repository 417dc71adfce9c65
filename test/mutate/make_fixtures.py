#!/usr/bin/env python3
"""Writes the conformance fixtures in fixtures/. Each expected Pod is spelled out from the
spec (shared/spec/behaviour.md), never produced by the implementation. Re-run after editing:
python3 test/mutate/make_fixtures.py"""
import copy, json, os

HERE = os.path.dirname(os.path.abspath(__file__))
ROLE = "arn:aws:iam::111122223333:role/app"
MOUNT = "/var/run/secrets/eks.amazonaws.com/serviceaccount"
TOKEN_FILE = MOUNT + "/token"
PI_MOUNT = "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount"
PI_URI = "http://169.254.170.23/v1/credentials"


def env(name, value):
    return {"name": name, "value": value}


def irsa_env(role=ROLE, token_file=TOKEN_FILE):
    return [env("AWS_ROLE_ARN", role), env("AWS_WEB_IDENTITY_TOKEN_FILE", token_file)]


def irsa_mount(path=MOUNT):
    return {"name": "aws-iam-token", "readOnly": True, "mountPath": path}


def irsa_volume(audience="sts.amazonaws.com", expiration=86400):
    return {"name": "aws-iam-token", "projected": {"sources": [{"serviceAccountToken": {
        "audience": audience, "expirationSeconds": expiration, "path": "token"}}]}}


def pi_volume(expiration):
    return {"name": "eks-pod-identity-token", "projected": {"sources": [{"serviceAccountToken": {
        "audience": "pods.eks.amazonaws.com", "expirationSeconds": expiration,
        "path": "eks-pod-identity-token"}}]}}


PI_MOUNT_ENTRY = {"name": "eks-pod-identity-token", "readOnly": True, "mountPath": PI_MOUNT}
PI_ENV = [env("AWS_CONTAINER_CREDENTIALS_FULL_URI", PI_URI),
          env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", PI_MOUNT + "/eks-pod-identity-token")]


def pod(containers, init=None, annotations=None, labels=None, extra_spec=None, volumes=None):
    p = {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": "app", "namespace": "default"},
         "spec": {"serviceAccountName": "app", "containers": containers}}
    if annotations is not None:
        p["metadata"]["annotations"] = annotations
    if labels is not None:
        p["metadata"]["labels"] = labels
    if init is not None:
        p["spec"]["initContainers"] = init
    if volumes is not None:
        p["spec"]["volumes"] = volumes
    if extra_spec:
        p["spec"].update(extra_spec)
    return p


def c(name="app", **fields):
    d = {"name": name, "image": "busybox"}
    d.update(fields)
    return d


WEB = {"mode": "web-identity", "roleArn": ROLE, "audience": "sts.amazonaws.com"}
PI = {"mode": "pod-identity", "audience": "sts.amazonaws.com"}
fixtures = {}


def case(name, description, pod_in, expected, identity=WEB, options=None, random=None,
         warnings=None, audit=None):
    fixtures[name] = {"description": description, "identity": identity, "options": options or {},
                      "random": random, "pod": pod_in, "expected": expected,
                      "warnings": warnings or [],
                      "auditAnnotations": audit if audit is not None else (
                          {"mode": "web-identity", "role-arn": identity.get("roleArn", "")}
                          if identity.get("mode") == "web-identity" else {"mode": "pod-identity"})}


# --- Section 2: web identity --------------------------------------------------------------
case("web-basic", "Role ARN only: volume, env pair and mount added (spec 2.1, 2.2)",
     pod([c()]),
     pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])], volumes=[irsa_volume()]))

case("web-existing-env-and-mounts-appended",
     "Existing env and volumeMounts are kept and appended to (spec 2.2, 2.4)",
     pod([c(env=[env("FOO", "bar")], volumeMounts=[{"name": "data", "mountPath": "/data"}])],
         volumes=[{"name": "data", "emptyDir": {}}]),
     pod([c(env=[env("FOO", "bar")] + irsa_env(),
            volumeMounts=[{"name": "data", "mountPath": "/data"}, irsa_mount()])],
         volumes=[{"name": "data", "emptyDir": {}}, irsa_volume()]))

case("web-region-and-regional-sts", "Regional STS then region pair then credentials, in order (spec 2.2)",
     pod([c()]),
     pod([c(env=[env("AWS_STS_REGIONAL_ENDPOINTS", "regional"), env("AWS_DEFAULT_REGION", "eu-west-1"),
                 env("AWS_REGION", "eu-west-1")] + irsa_env(), volumeMounts=[irsa_mount()])],
         volumes=[irsa_volume()]),
     identity=dict(WEB, regionalSts=True), options={"awsDefaultRegion": "eu-west-1"})

case("web-region-present-not-overridden", "A preset AWS_REGION blocks both region variables (spec 2.2)",
     pod([c(env=[env("AWS_REGION", "us-east-2")])]),
     pod([c(env=[env("AWS_REGION", "us-east-2")] + irsa_env(), volumeMounts=[irsa_mount()])],
         volumes=[irsa_volume()]),
     options={"awsDefaultRegion": "eu-west-1"})

case("web-default-region-present-not-overridden", "A preset AWS_DEFAULT_REGION blocks both (spec 2.2)",
     pod([c(env=[env("AWS_DEFAULT_REGION", "us-east-2")])]),
     pod([c(env=[env("AWS_DEFAULT_REGION", "us-east-2")] + irsa_env(), volumeMounts=[irsa_mount()])],
         volumes=[irsa_volume()]),
     options={"awsDefaultRegion": "eu-west-1"})

case("web-sts-present", "A preset AWS_STS_REGIONAL_ENDPOINTS is not added again (spec 2.2)",
     pod([c(env=[env("AWS_STS_REGIONAL_ENDPOINTS", "legacy")])]),
     pod([c(env=[env("AWS_STS_REGIONAL_ENDPOINTS", "legacy")] + irsa_env(), volumeMounts=[irsa_mount()])],
         volumes=[irsa_volume()]),
     identity=dict(WEB, regionalSts=True))

case("web-role-present-blocks-pair", "A preset AWS_ROLE_ARN blocks the credential pair (spec 2.2)",
     pod([c(env=[env("AWS_ROLE_ARN", "arn:aws:iam::999999999999:role/own")])]),
     pod([c(env=[env("AWS_ROLE_ARN", "arn:aws:iam::999999999999:role/own")], volumeMounts=[irsa_mount()])],
         volumes=[irsa_volume()]))

case("web-token-file-present-blocks-pair", "A preset AWS_WEB_IDENTITY_TOKEN_FILE blocks the pair (spec 2.2)",
     pod([c(env=[env("AWS_WEB_IDENTITY_TOKEN_FILE", "/own/token")])]),
     pod([c(env=[env("AWS_WEB_IDENTITY_TOKEN_FILE", "/own/token")], volumeMounts=[irsa_mount()])],
         volumes=[irsa_volume()]))

ALREADY = [env("AWS_ROLE_ARN", "arn:aws:iam::999999999999:role/own"), env("AWS_REGION", "us-east-2"),
           env("AWS_STS_REGIONAL_ENDPOINTS", "regional")]
case("web-already-configured-container-untouched",
     "Credentials + region + STS preset: that container gets nothing, not even the mount (spec 2.2)",
     pod([c("own", env=ALREADY), c("other")]),
     pod([c("own", env=ALREADY), c("other", env=irsa_env(), volumeMounts=[irsa_mount()])],
         volumes=[irsa_volume()]))

case("web-envfrom-does-not-count", "envFrom is not looked at (spec 2.2)",
     pod([c(envFrom=[{"configMapRef": {"name": "aws"}}])]),
     pod([c(envFrom=[{"configMapRef": {"name": "aws"}}], env=irsa_env(), volumeMounts=[irsa_mount()])],
         volumes=[irsa_volume()]))

case("web-existing-volume-kept", "A volume named aws-iam-token is not replaced (spec 2.1)",
     pod([c()], volumes=[{"name": "aws-iam-token", "emptyDir": {}}]),
     pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])], volumes=[{"name": "aws-iam-token", "emptyDir": {}}]))

case("web-existing-mount-kept", "A container already mounting aws-iam-token keeps its own mount (spec 2.2)",
     pod([c(volumeMounts=[{"name": "aws-iam-token", "mountPath": "/custom"}])]),
     pod([c(volumeMounts=[{"name": "aws-iam-token", "mountPath": "/custom"}], env=irsa_env())],
         volumes=[irsa_volume()]))

case("web-init-and-native-sidecar",
     "Init containers and native sidecars get env and mount; restartPolicy kept; ephemeral untouched (spec 2.2)",
     pod([c()], init=[c("init"), c("sidecar", restartPolicy="Always")],
         extra_spec={"ephemeralContainers": [c("debug")]}),
     pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])],
         init=[c("init", env=irsa_env(), volumeMounts=[irsa_mount()]),
               c("sidecar", restartPolicy="Always", env=irsa_env(), volumeMounts=[irsa_mount()])],
         extra_spec={"ephemeralContainers": [c("debug")]}, volumes=[irsa_volume()]))

case("web-skip-containers", "skip-containers leaves named containers and init containers alone (spec 1)",
     pod([c("app"), c("proxy")], init=[c("setup")],
         annotations={"eks.amazonaws.com/skip-containers": "proxy,setup"}),
     pod([c("app", env=irsa_env(), volumeMounts=[irsa_mount()]), c("proxy")], init=[c("setup")],
         annotations={"eks.amazonaws.com/skip-containers": "proxy,setup"}, volumes=[irsa_volume()]))

case("web-skip-containers-quoted-and-spaces",
     "CSV quotes are honoured and spaces are not trimmed: ' proxy' does not skip 'proxy' (spec 1)",
     pod([c("a,b"), c("proxy")], annotations={"eks.amazonaws.com/skip-containers": '"a,b", proxy'}),
     pod([c("a,b"), c("proxy", env=irsa_env(), volumeMounts=[irsa_mount()])],
         annotations={"eks.amazonaws.com/skip-containers": '"a,b", proxy'}, volumes=[irsa_volume()]))

case("web-skip-containers-unparseable", "An unparseable skip list skips nothing (spec 1)",
     pod([c("app")], annotations={"eks.amazonaws.com/skip-containers": 'app,"broken'}),
     pod([c("app", env=irsa_env(), volumeMounts=[irsa_mount()])],
         annotations={"eks.amazonaws.com/skip-containers": 'app,"broken'}, volumes=[irsa_volume()]))

case("web-all-containers-skipped-volume-still-added",
     "Like the Go webhook, the volume is added even when every container is skipped (spec 2.1)",
     pod([c("app")], annotations={"eks.amazonaws.com/skip-containers": "app"}),
     pod([c("app")], annotations={"eks.amazonaws.com/skip-containers": "app"}, volumes=[irsa_volume()]))

WIN_FILE = "C:\\var\\run\\secrets\\eks.amazonaws.com\\serviceaccount\\token"
for key in ["kubernetes.io/os", "beta.kubernetes.io/os"]:
    case("web-windows-" + key.split("/")[0].replace(".", "-"),
         "Windows node selector %s: token path C:\\... and unchanged mountPath (spec 2.3)" % key,
         pod([c()], extra_spec={"nodeSelector": {key: "windows"}}),
         pod([c(env=irsa_env(token_file=WIN_FILE), volumeMounts=[irsa_mount()])],
             extra_spec={"nodeSelector": {key: "windows"}}, volumes=[irsa_volume()]))

case("web-linux-node-selector", "kubernetes.io/os: linux keeps the Linux path (spec 2.3)",
     pod([c()], extra_spec={"nodeSelector": {"kubernetes.io/os": "linux"}}),
     pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])],
         extra_spec={"nodeSelector": {"kubernetes.io/os": "linux"}}, volumes=[irsa_volume()]))

case("web-expiration-pod-beats-sa", "Pod annotation > SA expiration (spec 1 precedence)",
     pod([c()], annotations={"eks.amazonaws.com/token-expiration": "7200"}),
     pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])],
         annotations={"eks.amazonaws.com/token-expiration": "7200"}, volumes=[irsa_volume(expiration=7200)]),
     identity=dict(WEB, tokenExpiration=3600))

case("web-expiration-sa-beats-flag", "SA expiration > flag (spec 1 precedence)",
     pod([c()]), pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])], volumes=[irsa_volume(expiration=3600)]),
     identity=dict(WEB, tokenExpiration=3600), options={"defaultTokenExpiration": 43200})

case("web-expiration-flag", "Flag default when nothing else is set (spec 1)",
     pod([c()]), pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])], volumes=[irsa_volume(expiration=43200)]),
     options={"defaultTokenExpiration": 43200})

case("web-expiration-minimum", "A Pod annotation below 600 becomes 600 (spec 1)",
     pod([c()], annotations={"eks.amazonaws.com/token-expiration": "60"}),
     pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])],
         annotations={"eks.amazonaws.com/token-expiration": "60"}, volumes=[irsa_volume(expiration=600)]))

case("web-expiration-invalid-pod-annotation", "An invalid Pod annotation falls back to the SA value (spec 1)",
     pod([c()], annotations={"eks.amazonaws.com/token-expiration": "1h"}),
     pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])],
         annotations={"eks.amazonaws.com/token-expiration": "1h"}, volumes=[irsa_volume(expiration=3600)]),
     identity=dict(WEB, tokenExpiration=3600))

case("web-audience", "The resolved audience lands in the token volume (spec 1)",
     pod([c()]), pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])], volumes=[irsa_volume(audience="custom")]),
     identity=dict(WEB, audience="custom"))

case("web-custom-prefix-and-mount-path", "--annotation-prefix and --token-mount-path are honoured (spec 1)",
     pod([c()], annotations={"example.com/token-expiration": "1200", "eks.amazonaws.com/token-expiration": "5000"}),
     pod([c(env=irsa_env(token_file="/aws/token"), volumeMounts=[irsa_mount("/aws")])],
         annotations={"example.com/token-expiration": "1200", "eks.amazonaws.com/token-expiration": "5000"},
         volumes=[irsa_volume(expiration=1200)]),
     options={"annotationPrefix": "example.com", "tokenMountPath": "/aws"})

case("web-invalid-role-arn-warns", "An invalid ARN is injected anyway, with a warning (spec 1 Better)",
     pod([c()]), pod([c(env=irsa_env(role="my-role"), volumeMounts=[irsa_mount()])], volumes=[irsa_volume()]),
     identity=dict(WEB, roleArn="my-role"),
     warnings=['role ARN "my-role" is not a valid IAM role ARN'])

case("web-unknown-fields-preserved", "Fields unknown to the webhook survive (spec 2.4)",
     pod([c(resizePolicy=[{"resourceName": "cpu", "restartPolicy": "NotRequired"}],
            livenessProbe={"grpc": {"port": 8080}}, futureField={"x": [1, 2]})],
         extra_spec={"hostUsers": False, "someFutureSpec": True}),
     pod([c(resizePolicy=[{"resourceName": "cpu", "restartPolicy": "NotRequired"}],
            livenessProbe={"grpc": {"port": 8080}}, futureField={"x": [1, 2]}, env=irsa_env(),
            volumeMounts=[irsa_mount()])],
         extra_spec={"hostUsers": False, "someFutureSpec": True}, volumes=[irsa_volume()]))

done_pod = pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])], volumes=[irsa_volume()])
case("web-already-mutated-no-patch", "A Pod that has everything gets no patch (spec 2.4)",
     done_pod, done_pod, audit={})

# --- Section 4: Pod Identity -------------------------------------------------------------
case("pod-identity-basic", "Label, volume, env pair, mount; 86400 jittered to the random value (spec 4)",
     pod([c()]),
     pod([c(env=PI_ENV, volumeMounts=[PI_MOUNT_ENTRY])], labels={"eks.amazonaws.com/pod-identity": "enabled"},
         volumes=[pi_volume(80000)]),
     identity=PI, random=80000)

case("pod-identity-existing-labels", "The label key is added with ~1 escaping next to existing labels (spec 4)",
     pod([c()], labels={"app": "x"}),
     pod([c(env=PI_ENV, volumeMounts=[PI_MOUNT_ENTRY])],
         labels={"app": "x", "eks.amazonaws.com/pod-identity": "enabled"}, volumes=[pi_volume(79200)]),
     identity=PI, random=79200)

case("pod-identity-label-ignores-prefix", "The label keeps eks.amazonaws.com whatever the prefix (spec 4)",
     pod([c()]),
     pod([c(env=PI_ENV, volumeMounts=[PI_MOUNT_ENTRY])], labels={"eks.amazonaws.com/pod-identity": "enabled"},
         volumes=[pi_volume(86400)]),
     identity=PI, random=86400, options={"annotationPrefix": "example.com"})

case("pod-identity-sa-expiration-not-jittered", "An SA expiration other than 86400 is used as is (spec 4)",
     pod([c()]),
     pod([c(env=PI_ENV, volumeMounts=[PI_MOUNT_ENTRY])], labels={"eks.amazonaws.com/pod-identity": "enabled"},
         volumes=[pi_volume(3600)]),
     identity=dict(PI, tokenExpiration=3600), random=80000)

case("pod-identity-pod-expiration", "Pod annotation wins in Pod Identity mode too (spec 4)",
     pod([c()], annotations={"eks.amazonaws.com/token-expiration": "1800"}),
     pod([c(env=PI_ENV, volumeMounts=[PI_MOUNT_ENTRY])], labels={"eks.amazonaws.com/pod-identity": "enabled"},
         annotations={"eks.amazonaws.com/token-expiration": "1800"}, volumes=[pi_volume(1800)]),
     identity=dict(PI, tokenExpiration=3600), random=80000)

case("pod-identity-flag-expiration-ignored", "Pod Identity default is 86400, not --token-expiration (spec 4)",
     pod([c()]),
     pod([c(env=PI_ENV, volumeMounts=[PI_MOUNT_ENTRY])], labels={"eks.amazonaws.com/pod-identity": "enabled"},
         volumes=[pi_volume(81000)]),
     identity=PI, random=81000, options={"defaultTokenExpiration": 3600})

case("pod-identity-region-and-sts", "Regional STS and region variables come first in Pod Identity mode (spec 4)",
     pod([c()]),
     pod([c(env=[env("AWS_STS_REGIONAL_ENDPOINTS", "regional"), env("AWS_DEFAULT_REGION", "us-west-2"),
                 env("AWS_REGION", "us-west-2")] + PI_ENV, volumeMounts=[PI_MOUNT_ENTRY])],
         labels={"eks.amazonaws.com/pod-identity": "enabled"}, volumes=[pi_volume(80000)]),
     identity=dict(PI, regionalSts=True), random=80000, options={"awsDefaultRegion": "us-west-2"})

case("pod-identity-preset-full-uri", "A preset AWS_CONTAINER_CREDENTIALS_FULL_URI blocks the pair (spec 4)",
     pod([c(env=[env("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://own")])]),
     pod([c(env=[env("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://own")], volumeMounts=[PI_MOUNT_ENTRY])],
         labels={"eks.amazonaws.com/pod-identity": "enabled"}, volumes=[pi_volume(80000)]),
     identity=PI, random=80000)

case("pod-identity-custom-options", "All container-credentials flags are honoured (spec 1, 4)",
     pod([c()]),
     pod([c(env=[env("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://[fd00:ec2::23]/v1/credentials"),
                 env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/pi/tok")],
            volumeMounts=[{"name": "pi-vol", "readOnly": True, "mountPath": "/pi"}])],
         labels={"eks.amazonaws.com/pod-identity": "enabled"},
         volumes=[{"name": "pi-vol", "projected": {"sources": [{"serviceAccountToken": {
             "audience": "custom-aud", "expirationSeconds": 80000, "path": "tok"}}]}}]),
     identity=PI, random=80000,
     options={"containerCredentialsAudience": "custom-aud", "containerCredentialsTokenMountPath": "/pi",
              "containerCredentialsTokenVolumeName": "pi-vol", "containerCredentialsTokenPath": "tok",
              "containerCredentialsFullUri": "http://[fd00:ec2::23]/v1/credentials"})

os.makedirs(os.path.join(HERE, "fixtures"), exist_ok=True)
for name, data in fixtures.items():
    with open(os.path.join(HERE, "fixtures", name + ".json"), "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
print("wrote %d fixtures" % len(fixtures))
