#!/usr/bin/env python3
"""Writes the conformance fixtures in fixtures/. Each expected Pod is spelled out from the
spec (docs/behaviour.md), never produced by the implementation. Re-run after editing:
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
case("web-basic", "Role ARN only: volume, env pair and mount added (docs/behaviour.md §2.1, 2.2)",
     pod([c()]),
     pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])], volumes=[irsa_volume()]))

case("web-existing-env-and-mounts-appended",
     "Existing env and volumeMounts are kept and appended to (docs/behaviour.md §2.2, 2.4)",
     pod([c(env=[env("FOO", "bar")], volumeMounts=[{"name": "data", "mountPath": "/data"}])],
         volumes=[{"name": "data", "emptyDir": {}}]),
     pod([c(env=[env("FOO", "bar")] + irsa_env(),
            volumeMounts=[{"name": "data", "mountPath": "/data"}, irsa_mount()])],
         volumes=[{"name": "data", "emptyDir": {}}, irsa_volume()]))

case("web-region-and-regional-sts", "Regional STS then region pair then credentials, in order (docs/behaviour.md §2.2)",
     pod([c()]),
     pod([c(env=[env("AWS_STS_REGIONAL_ENDPOINTS", "regional"), env("AWS_DEFAULT_REGION", "eu-west-1"),
                 env("AWS_REGION", "eu-west-1")] + irsa_env(), volumeMounts=[irsa_mount()])],
         volumes=[irsa_volume()]),
     identity=dict(WEB, regionalSts=True), options={"awsDefaultRegion": "eu-west-1"})

case("web-region-present-not-overridden", "A preset AWS_REGION blocks both region variables (docs/behaviour.md §2.2)",
     pod([c(env=[env("AWS_REGION", "us-east-2")])]),
     pod([c(env=[env("AWS_REGION", "us-east-2")] + irsa_env(), volumeMounts=[irsa_mount()])],
         volumes=[irsa_volume()]),
     options={"awsDefaultRegion": "eu-west-1"})

case("web-default-region-present-not-overridden", "A preset AWS_DEFAULT_REGION blocks both (docs/behaviour.md §2.2)",
     pod([c(env=[env("AWS_DEFAULT_REGION", "us-east-2")])]),
     pod([c(env=[env("AWS_DEFAULT_REGION", "us-east-2")] + irsa_env(), volumeMounts=[irsa_mount()])],
         volumes=[irsa_volume()]),
     options={"awsDefaultRegion": "eu-west-1"})

case("web-sts-present", "A preset AWS_STS_REGIONAL_ENDPOINTS is not added again (docs/behaviour.md §2.2)",
     pod([c(env=[env("AWS_STS_REGIONAL_ENDPOINTS", "legacy")])]),
     pod([c(env=[env("AWS_STS_REGIONAL_ENDPOINTS", "legacy")] + irsa_env(), volumeMounts=[irsa_mount()])],
         volumes=[irsa_volume()]),
     identity=dict(WEB, regionalSts=True))

case("web-role-present-blocks-pair", "A preset AWS_ROLE_ARN blocks the credential pair (docs/behaviour.md §2.2)",
     pod([c(env=[env("AWS_ROLE_ARN", "arn:aws:iam::999999999999:role/own")])]),
     pod([c(env=[env("AWS_ROLE_ARN", "arn:aws:iam::999999999999:role/own")], volumeMounts=[irsa_mount()])],
         volumes=[irsa_volume()]))

case("web-token-file-present-blocks-pair", "A preset AWS_WEB_IDENTITY_TOKEN_FILE blocks the pair (docs/behaviour.md §2.2)",
     pod([c(env=[env("AWS_WEB_IDENTITY_TOKEN_FILE", "/own/token")])]),
     pod([c(env=[env("AWS_WEB_IDENTITY_TOKEN_FILE", "/own/token")], volumeMounts=[irsa_mount()])],
         volumes=[irsa_volume()]))

ALREADY = [env("AWS_ROLE_ARN", "arn:aws:iam::999999999999:role/own"), env("AWS_REGION", "us-east-2"),
           env("AWS_STS_REGIONAL_ENDPOINTS", "regional")]
case("web-already-configured-container-untouched",
     "Credentials + region + STS preset: that container gets nothing, not even the mount (docs/behaviour.md §2.2)",
     pod([c("own", env=ALREADY), c("other")]),
     pod([c("own", env=ALREADY), c("other", env=irsa_env(), volumeMounts=[irsa_mount()])],
         volumes=[irsa_volume()]))

case("web-envfrom-does-not-count", "envFrom is not looked at (docs/behaviour.md §2.2)",
     pod([c(envFrom=[{"configMapRef": {"name": "aws"}}])]),
     pod([c(envFrom=[{"configMapRef": {"name": "aws"}}], env=irsa_env(), volumeMounts=[irsa_mount()])],
         volumes=[irsa_volume()]))

case("web-existing-volume-kept", "A volume named aws-iam-token is not replaced (docs/behaviour.md §2.1)",
     pod([c()], volumes=[{"name": "aws-iam-token", "emptyDir": {}}]),
     pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])], volumes=[{"name": "aws-iam-token", "emptyDir": {}}]))

case("web-existing-mount-kept", "A container already mounting aws-iam-token keeps its own mount (docs/behaviour.md §2.2)",
     pod([c(volumeMounts=[{"name": "aws-iam-token", "mountPath": "/custom"}])]),
     pod([c(volumeMounts=[{"name": "aws-iam-token", "mountPath": "/custom"}], env=irsa_env())],
         volumes=[irsa_volume()]))

case("web-init-and-native-sidecar",
     "Init containers and native sidecars get env and mount; restartPolicy kept; ephemeral untouched (docs/behaviour.md §2.2)",
     pod([c()], init=[c("init"), c("sidecar", restartPolicy="Always")],
         extra_spec={"ephemeralContainers": [c("debug")]}),
     pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])],
         init=[c("init", env=irsa_env(), volumeMounts=[irsa_mount()]),
               c("sidecar", restartPolicy="Always", env=irsa_env(), volumeMounts=[irsa_mount()])],
         extra_spec={"ephemeralContainers": [c("debug")]}, volumes=[irsa_volume()]))

case("web-skip-containers", "skip-containers leaves named containers and init containers alone (docs/behaviour.md §1)",
     pod([c("app"), c("proxy")], init=[c("setup")],
         annotations={"eks.amazonaws.com/skip-containers": "proxy,setup"}),
     pod([c("app", env=irsa_env(), volumeMounts=[irsa_mount()]), c("proxy")], init=[c("setup")],
         annotations={"eks.amazonaws.com/skip-containers": "proxy,setup"}, volumes=[irsa_volume()]))

case("web-skip-containers-quoted-and-spaces",
     "CSV quotes are honoured and spaces are not trimmed: ' proxy' does not skip 'proxy' (docs/behaviour.md §1)",
     pod([c("a,b"), c("proxy")], annotations={"eks.amazonaws.com/skip-containers": '"a,b", proxy'}),
     pod([c("a,b"), c("proxy", env=irsa_env(), volumeMounts=[irsa_mount()])],
         annotations={"eks.amazonaws.com/skip-containers": '"a,b", proxy'}, volumes=[irsa_volume()]))

case("web-skip-containers-unparseable", "An unparseable skip list skips nothing (docs/behaviour.md §1)",
     pod([c("app")], annotations={"eks.amazonaws.com/skip-containers": 'app,"broken'}),
     pod([c("app", env=irsa_env(), volumeMounts=[irsa_mount()])],
         annotations={"eks.amazonaws.com/skip-containers": 'app,"broken'}, volumes=[irsa_volume()]))

case("web-all-containers-skipped-volume-still-added",
     "Like the Go webhook, the volume is added even when every container is skipped (docs/behaviour.md §2.1)",
     pod([c("app")], annotations={"eks.amazonaws.com/skip-containers": "app"}),
     pod([c("app")], annotations={"eks.amazonaws.com/skip-containers": "app"}, volumes=[irsa_volume()]))

WIN_FILE = "C:\\var\\run\\secrets\\eks.amazonaws.com\\serviceaccount\\token"
for key in ["kubernetes.io/os", "beta.kubernetes.io/os"]:
    case("web-windows-" + key.split("/")[0].replace(".", "-"),
         "Windows node selector %s: token path C:\\... and unchanged mountPath (docs/behaviour.md §2.3)" % key,
         pod([c()], extra_spec={"nodeSelector": {key: "windows"}}),
         pod([c(env=irsa_env(token_file=WIN_FILE), volumeMounts=[irsa_mount()])],
             extra_spec={"nodeSelector": {key: "windows"}}, volumes=[irsa_volume()]))

case("web-linux-node-selector", "kubernetes.io/os: linux keeps the Linux path (docs/behaviour.md §2.3)",
     pod([c()], extra_spec={"nodeSelector": {"kubernetes.io/os": "linux"}}),
     pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])],
         extra_spec={"nodeSelector": {"kubernetes.io/os": "linux"}}, volumes=[irsa_volume()]))

case("web-expiration-pod-beats-sa", "Pod annotation > SA expiration (docs/behaviour.md §1 precedence)",
     pod([c()], annotations={"eks.amazonaws.com/token-expiration": "7200"}),
     pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])],
         annotations={"eks.amazonaws.com/token-expiration": "7200"}, volumes=[irsa_volume(expiration=7200)]),
     identity=dict(WEB, tokenExpiration=3600))

case("web-expiration-sa-beats-flag", "SA expiration > flag (docs/behaviour.md §1 precedence)",
     pod([c()]), pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])], volumes=[irsa_volume(expiration=3600)]),
     identity=dict(WEB, tokenExpiration=3600), options={"defaultTokenExpiration": 43200})

case("web-expiration-flag", "Flag default when nothing else is set (docs/behaviour.md §1)",
     pod([c()]), pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])], volumes=[irsa_volume(expiration=43200)]),
     options={"defaultTokenExpiration": 43200})

case("web-expiration-minimum", "A Pod annotation below 600 becomes 600 (docs/behaviour.md §1)",
     pod([c()], annotations={"eks.amazonaws.com/token-expiration": "60"}),
     pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])],
         annotations={"eks.amazonaws.com/token-expiration": "60"}, volumes=[irsa_volume(expiration=600)]))

case("web-expiration-invalid-pod-annotation", "An invalid Pod annotation falls back to the SA value (docs/behaviour.md §1)",
     pod([c()], annotations={"eks.amazonaws.com/token-expiration": "1h"}),
     pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])],
         annotations={"eks.amazonaws.com/token-expiration": "1h"}, volumes=[irsa_volume(expiration=3600)]),
     identity=dict(WEB, tokenExpiration=3600))

case("web-audience", "The resolved audience lands in the token volume (docs/behaviour.md §1)",
     pod([c()]), pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])], volumes=[irsa_volume(audience="custom")]),
     identity=dict(WEB, audience="custom"))

case("web-custom-prefix-and-mount-path", "--annotation-prefix and --token-mount-path are honoured (docs/behaviour.md §1)",
     pod([c()], annotations={"example.com/token-expiration": "1200", "eks.amazonaws.com/token-expiration": "5000"}),
     pod([c(env=irsa_env(token_file="/aws/token"), volumeMounts=[irsa_mount("/aws")])],
         annotations={"example.com/token-expiration": "1200", "eks.amazonaws.com/token-expiration": "5000"},
         volumes=[irsa_volume(expiration=1200)]),
     options={"annotationPrefix": "example.com", "tokenMountPath": "/aws"})

case("web-invalid-role-arn-warns", "An invalid ARN is injected anyway, with a warning (docs/behaviour.md §1 Better)",
     pod([c()]), pod([c(env=irsa_env(role="my-role"), volumeMounts=[irsa_mount()])], volumes=[irsa_volume()]),
     identity=dict(WEB, roleArn="my-role"),
     warnings=['role ARN "my-role" is not a valid IAM role ARN'])

case("web-unknown-fields-preserved", "Fields unknown to the webhook survive (docs/behaviour.md §2.4)",
     pod([c(resizePolicy=[{"resourceName": "cpu", "restartPolicy": "NotRequired"}],
            livenessProbe={"grpc": {"port": 8080}}, futureField={"x": [1, 2]})],
         extra_spec={"hostUsers": False, "someFutureSpec": True}),
     pod([c(resizePolicy=[{"resourceName": "cpu", "restartPolicy": "NotRequired"}],
            livenessProbe={"grpc": {"port": 8080}}, futureField={"x": [1, 2]}, env=irsa_env(),
            volumeMounts=[irsa_mount()])],
         extra_spec={"hostUsers": False, "someFutureSpec": True}, volumes=[irsa_volume()]))

done_pod = pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])], volumes=[irsa_volume()])
case("web-already-mutated-no-patch", "A Pod that has everything gets no patch (docs/behaviour.md §2.4)",
     done_pod, done_pod, audit={})

# --- Section 4: Pod Identity -------------------------------------------------------------
case("pod-identity-basic", "Label, volume, env pair, mount; 86400 jittered to the random value (docs/behaviour.md §4)",
     pod([c()]),
     pod([c(env=PI_ENV, volumeMounts=[PI_MOUNT_ENTRY])], labels={"eks.amazonaws.com/pod-identity": "enabled"},
         volumes=[pi_volume(80000)]),
     identity=PI, random=80000)

case("pod-identity-existing-labels", "The label key is added with ~1 escaping next to existing labels (docs/behaviour.md §4)",
     pod([c()], labels={"app": "x"}),
     pod([c(env=PI_ENV, volumeMounts=[PI_MOUNT_ENTRY])],
         labels={"app": "x", "eks.amazonaws.com/pod-identity": "enabled"}, volumes=[pi_volume(79200)]),
     identity=PI, random=79200)

case("pod-identity-label-ignores-prefix", "The label keeps eks.amazonaws.com whatever the prefix (docs/behaviour.md §4)",
     pod([c()]),
     pod([c(env=PI_ENV, volumeMounts=[PI_MOUNT_ENTRY])], labels={"eks.amazonaws.com/pod-identity": "enabled"},
         volumes=[pi_volume(86400)]),
     identity=PI, random=86400, options={"annotationPrefix": "example.com"})

case("pod-identity-sa-expiration-not-jittered", "An SA expiration other than 86400 is used as is (docs/behaviour.md §4)",
     pod([c()]),
     pod([c(env=PI_ENV, volumeMounts=[PI_MOUNT_ENTRY])], labels={"eks.amazonaws.com/pod-identity": "enabled"},
         volumes=[pi_volume(3600)]),
     identity=dict(PI, tokenExpiration=3600), random=80000)

case("pod-identity-pod-expiration", "Pod annotation wins in Pod Identity mode too (docs/behaviour.md §4)",
     pod([c()], annotations={"eks.amazonaws.com/token-expiration": "1800"}),
     pod([c(env=PI_ENV, volumeMounts=[PI_MOUNT_ENTRY])], labels={"eks.amazonaws.com/pod-identity": "enabled"},
         annotations={"eks.amazonaws.com/token-expiration": "1800"}, volumes=[pi_volume(1800)]),
     identity=dict(PI, tokenExpiration=3600), random=80000)

case("pod-identity-flag-expiration-ignored", "Pod Identity default is 86400, not --token-expiration (docs/behaviour.md §4)",
     pod([c()]),
     pod([c(env=PI_ENV, volumeMounts=[PI_MOUNT_ENTRY])], labels={"eks.amazonaws.com/pod-identity": "enabled"},
         volumes=[pi_volume(81000)]),
     identity=PI, random=81000, options={"defaultTokenExpiration": 3600})

case("pod-identity-region-and-sts", "Regional STS and region variables come first in Pod Identity mode (docs/behaviour.md §4)",
     pod([c()]),
     pod([c(env=[env("AWS_STS_REGIONAL_ENDPOINTS", "regional"), env("AWS_DEFAULT_REGION", "us-west-2"),
                 env("AWS_REGION", "us-west-2")] + PI_ENV, volumeMounts=[PI_MOUNT_ENTRY])],
         labels={"eks.amazonaws.com/pod-identity": "enabled"}, volumes=[pi_volume(80000)]),
     identity=dict(PI, regionalSts=True), random=80000, options={"awsDefaultRegion": "us-west-2"})

case("pod-identity-preset-full-uri", "A preset AWS_CONTAINER_CREDENTIALS_FULL_URI blocks the pair (docs/behaviour.md §4)",
     pod([c(env=[env("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://own")])]),
     pod([c(env=[env("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://own")], volumeMounts=[PI_MOUNT_ENTRY])],
         labels={"eks.amazonaws.com/pod-identity": "enabled"}, volumes=[pi_volume(80000)]),
     identity=PI, random=80000)

case("pod-identity-custom-options", "All container-credentials flags are honoured (docs/behaviour.md §1, 4)",
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

# --- More partial-presence, precedence and shape cases ------------------------------------
REGIONAL = dict(WEB, regionalSts=True)
OPTS_REGION = {"awsDefaultRegion": "eu-west-1"}
STS = env("AWS_STS_REGIONAL_ENDPOINTS", "regional")
REGION_PAIR = [env("AWS_DEFAULT_REGION", "eu-west-1"), env("AWS_REGION", "eu-west-1")]

ALREADY_2 = [env("AWS_WEB_IDENTITY_TOKEN_FILE", "/own/token"), env("AWS_DEFAULT_REGION", "us-east-2"),
             env("AWS_STS_REGIONAL_ENDPOINTS", "legacy")]
case("web-already-configured-token-file-and-default-region",
     "TOKEN_FILE + AWS_DEFAULT_REGION + STS also counts as configured: untouched (docs/behaviour.md §2.2)",
     pod([c("own", env=ALREADY_2)]),
     pod([c("own", env=ALREADY_2)], volumes=[irsa_volume()]),
     identity=REGIONAL, options=OPTS_REGION)

ROLE_AND_REGION = [env("AWS_ROLE_ARN", "arn:aws:iam::999999999999:role/own"), env("AWS_REGION", "us-east-2")]
case("web-credentials-and-region-without-sts",
     "Credentials + region but no STS variable: not configured, only STS and the mount are added (docs/behaviour.md §2.2)",
     pod([c(env=ROLE_AND_REGION)]),
     pod([c(env=ROLE_AND_REGION + [STS], volumeMounts=[irsa_mount()])], volumes=[irsa_volume()]),
     identity=REGIONAL, options=OPTS_REGION)

REGION_AND_STS = [env("AWS_REGION", "us-east-2"), env("AWS_STS_REGIONAL_ENDPOINTS", "regional")]
case("web-region-and-sts-without-credentials",
     "Region + STS preset but no credentials: the pair and the mount are added (docs/behaviour.md §2.2)",
     pod([c(env=REGION_AND_STS)]),
     pod([c(env=REGION_AND_STS + irsa_env(), volumeMounts=[irsa_mount()])], volumes=[irsa_volume()]),
     identity=REGIONAL, options=OPTS_REGION)

case("web-credentials-and-sts-without-region",
     "Credentials + STS but no region: only the region pair and the mount are added (docs/behaviour.md §2.2)",
     pod([c(env=[env("AWS_ROLE_ARN", "arn:aws:iam::999999999999:role/own"), STS])]),
     pod([c(env=[env("AWS_ROLE_ARN", "arn:aws:iam::999999999999:role/own"), STS] + REGION_PAIR,
            volumeMounts=[irsa_mount()])], volumes=[irsa_volume()]),
     identity=REGIONAL, options=OPTS_REGION)

case("web-region-option-unset-no-region-vars",
     "Without --aws-default-region no region variables are added, even with regional STS (docs/behaviour.md §2.2)",
     pod([c()]),
     pod([c(env=[STS] + irsa_env(), volumeMounts=[irsa_mount()])], volumes=[irsa_volume()]),
     identity=REGIONAL)

case("web-mixed-containers-indices",
     "Each container is patched at its own index; empty arrays get per-item adds, null ones a whole array (docs/behaviour.md §2.4)",
     pod([c("a", env=[], volumeMounts=[]), c("b", env=None, volumeMounts=None), c("c", env=ALREADY)],
         init=[c("i", env=[env("X", "1")])]),
     pod([c("a", env=irsa_env(), volumeMounts=[irsa_mount()]),
          c("b", env=irsa_env(), volumeMounts=[irsa_mount()]), c("c", env=ALREADY)],
         init=[c("i", env=[env("X", "1")] + irsa_env(), volumeMounts=[irsa_mount()])],
         volumes=[irsa_volume()]))

case("web-empty-volumes-array", "An empty volumes array is appended to (docs/behaviour.md §2.1, 2.4)",
     pod([c()], volumes=[]),
     pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])], volumes=[irsa_volume()]))

case("web-existing-volume-and-mount-env-only",
     "Volume and mount already there: only the env pair is added (docs/behaviour.md §2.1, 2.2)",
     pod([c(volumeMounts=[irsa_mount()])], volumes=[irsa_volume(expiration=1000)]),
     pod([c(volumeMounts=[irsa_mount()], env=irsa_env())], volumes=[irsa_volume(expiration=1000)]))

case("web-expiration-flag-below-minimum",
     "A --token-expiration below 600 is raised to 600 too (docs/behaviour.md §1)",
     pod([c()]), pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])], volumes=[irsa_volume(expiration=600)]),
     options={"defaultTokenExpiration": 300})

case("web-expiration-negative-pod-annotation", "A negative Pod annotation parses and becomes 600 (docs/behaviour.md §1)",
     pod([c()], annotations={"eks.amazonaws.com/token-expiration": "-5"}),
     pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])],
         annotations={"eks.amazonaws.com/token-expiration": "-5"}, volumes=[irsa_volume(expiration=600)]),
     identity=dict(WEB, tokenExpiration=3600))

case("web-expiration-signed-pod-annotation", "strconv.ParseInt accepts a leading '+' (docs/behaviour.md §1)",
     pod([c()], annotations={"eks.amazonaws.com/token-expiration": "+4000"}),
     pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])],
         annotations={"eks.amazonaws.com/token-expiration": "+4000"}, volumes=[irsa_volume(expiration=4000)]))

case("web-expiration-invalid-pod-annotation-falls-to-flag",
     "An invalid Pod annotation without an SA value falls back to the flag (docs/behaviour.md §1)",
     pod([c()], annotations={"eks.amazonaws.com/token-expiration": " 3600"}),
     pod([c(env=irsa_env(), volumeMounts=[irsa_mount()])],
         annotations={"eks.amazonaws.com/token-expiration": " 3600"}, volumes=[irsa_volume(expiration=7200)]),
     options={"defaultTokenExpiration": 7200})

PREFIX = "corp~x.io/team"
case("web-prefix-with-tilde-and-slash",
     "An annotation prefix containing '~' and '/' is matched literally (docs/behaviour.md §1)",
     pod([c("app"), c("skip")], annotations={PREFIX + "/skip-containers": "skip",
                                              PREFIX + "/token-expiration": "900"}),
     pod([c("app", env=irsa_env(), volumeMounts=[irsa_mount()]), c("skip")],
         annotations={PREFIX + "/skip-containers": "skip", PREFIX + "/token-expiration": "900"},
         volumes=[irsa_volume(expiration=900)]),
     options={"annotationPrefix": PREFIX})

case("web-skip-containers-escaped-quote-and-special-names",
     "A doubled quote inside quotes is one quote; names with '~' and '/' are compared as is (docs/behaviour.md §1)",
     pod([c('we"ird'), c("a~b/c"), c("app")],
         annotations={"eks.amazonaws.com/skip-containers": '"we""ird",a~b/c'}),
     pod([c('we"ird'), c("a~b/c"), c("app", env=irsa_env(), volumeMounts=[irsa_mount()])],
         annotations={"eks.amazonaws.com/skip-containers": '"we""ird",a~b/c'}, volumes=[irsa_volume()]))

case("web-skip-containers-trailing-space-not-trimmed",
     "'app ' (trailing space) does not skip 'app' (docs/behaviour.md §1)",
     pod([c("app")], annotations={"eks.amazonaws.com/skip-containers": "app "}),
     pod([c("app", env=irsa_env(), volumeMounts=[irsa_mount()])],
         annotations={"eks.amazonaws.com/skip-containers": "app "}, volumes=[irsa_volume()]))

case("web-skip-containers-bare-quote-unparseable",
     "A quote inside an unquoted field is a CSV error: nothing is skipped (docs/behaviour.md §1)",
     pod([c("app"), c("side")], annotations={"eks.amazonaws.com/skip-containers": 'side,ap"p'}),
     pod([c("app", env=irsa_env(), volumeMounts=[irsa_mount()]),
          c("side", env=irsa_env(), volumeMounts=[irsa_mount()])],
         annotations={"eks.amazonaws.com/skip-containers": 'side,ap"p'}, volumes=[irsa_volume()]))

case("web-ephemeral-only-pod-gets-volume",
     "A Pod whose only non-ephemeral list is empty still gets the volume; ephemeral containers never change (docs/behaviour.md §2.1, 2.2)",
     pod([], extra_spec={"ephemeralContainers": [c("debug", env=[env("A", "1")])]}),
     pod([], extra_spec={"ephemeralContainers": [c("debug", env=[env("A", "1")])]}, volumes=[irsa_volume()]))

case("web-windows-with-custom-mount-path",
     "Windows path conversion applies to --token-mount-path too; mountPath stays POSIX (docs/behaviour.md §2.3)",
     pod([c()], extra_spec={"nodeSelector": {"kubernetes.io/os": "windows", "disk": "ssd"}}),
     pod([c(env=irsa_env(token_file="C:\\aws\\creds\\token"), volumeMounts=[irsa_mount("/aws/creds")])],
         extra_spec={"nodeSelector": {"kubernetes.io/os": "windows", "disk": "ssd"}}, volumes=[irsa_volume()]),
     options={"tokenMountPath": "/aws/creds"})

case("pod-identity-already-configured-container-untouched",
     "FULL_URI + region + STS preset: that container is left alone; others get everything (docs/behaviour.md §4)",
     pod([c("own", env=[env("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://own"), env("AWS_REGION", "x"),
                        STS]), c("other")]),
     pod([c("own", env=[env("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://own"), env("AWS_REGION", "x"), STS]),
          c("other", env=PI_ENV, volumeMounts=[PI_MOUNT_ENTRY])],
         labels={"eks.amazonaws.com/pod-identity": "enabled"}, volumes=[pi_volume(80000)]),
     identity=PI, random=80000)

PI_TOKEN_PRESET = [env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/own/tok"),
                   env("AWS_DEFAULT_REGION", "x"), STS]
case("pod-identity-already-configured-token-file",
     "AUTHORIZATION_TOKEN_FILE + AWS_DEFAULT_REGION + STS also counts as configured (docs/behaviour.md §4)",
     pod([c(env=PI_TOKEN_PRESET)]),
     pod([c(env=PI_TOKEN_PRESET)], labels={"eks.amazonaws.com/pod-identity": "enabled"},
         volumes=[pi_volume(80000)]),
     identity=dict(PI, regionalSts=True), random=80000, options=OPTS_REGION)

case("pod-identity-preset-token-file-blocks-pair",
     "A preset AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE blocks the pair (docs/behaviour.md §4)",
     pod([c(env=[env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/own/tok")])]),
     pod([c(env=[env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/own/tok")], volumeMounts=[PI_MOUNT_ENTRY])],
         labels={"eks.amazonaws.com/pod-identity": "enabled"}, volumes=[pi_volume(80000)]),
     identity=PI, random=80000)

case("pod-identity-pod-annotation-86400-jittered",
     "Exactly 86400, even from the Pod annotation, is replaced by the random value (docs/behaviour.md §4)",
     pod([c()], annotations={"eks.amazonaws.com/token-expiration": "86400"}),
     pod([c(env=PI_ENV, volumeMounts=[PI_MOUNT_ENTRY])], labels={"eks.amazonaws.com/pod-identity": "enabled"},
         annotations={"eks.amazonaws.com/token-expiration": "86400"}, volumes=[pi_volume(83000)]),
     identity=dict(PI, tokenExpiration=3600), random=83000)

case("pod-identity-label-present-special-label-keys",
     "The label already 'enabled' next to keys with '~' and '/': no label operation (docs/behaviour.md §4, 2.4)",
     pod([c()], labels={"a~b/c": "x", "eks.amazonaws.com/pod-identity": "enabled"}),
     pod([c(env=PI_ENV, volumeMounts=[PI_MOUNT_ENTRY])],
         labels={"a~b/c": "x", "eks.amazonaws.com/pod-identity": "enabled"}, volumes=[pi_volume(80000)]),
     identity=PI, random=80000)

case("pod-identity-label-wrong-value-set-to-enabled",
     "A pod-identity label with another value is set to 'enabled' (docs/behaviour.md §4)",
     pod([c()], labels={"eks.amazonaws.com/pod-identity": "disabled"}),
     pod([c(env=PI_ENV, volumeMounts=[PI_MOUNT_ENTRY])],
         labels={"eks.amazonaws.com/pod-identity": "enabled"}, volumes=[pi_volume(80000)]),
     identity=PI, random=80000)

case("pod-identity-init-sidecar-and-skip",
     "Init containers and native sidecars are mutated and skip-containers applies in Pod Identity mode (docs/behaviour.md §1, 4)",
     pod([c("app"), c("skipme")], init=[c("sidecar", restartPolicy="Always")],
         annotations={"eks.amazonaws.com/skip-containers": "skipme"}),
     pod([c("app", env=PI_ENV, volumeMounts=[PI_MOUNT_ENTRY]), c("skipme")],
         init=[c("sidecar", restartPolicy="Always", env=PI_ENV, volumeMounts=[PI_MOUNT_ENTRY])],
         annotations={"eks.amazonaws.com/skip-containers": "skipme"},
         labels={"eks.amazonaws.com/pod-identity": "enabled"}, volumes=[pi_volume(80000)]),
     identity=PI, random=80000)

pi_done = pod([c(env=PI_ENV, volumeMounts=[PI_MOUNT_ENTRY])], labels={"eks.amazonaws.com/pod-identity": "enabled"},
              volumes=[pi_volume(80000)])
case("pod-identity-already-mutated-no-patch", "A Pod Identity Pod that has everything gets no patch (docs/behaviour.md §2.4, 4)",
     pi_done, pi_done, identity=PI, random=80000, audit={})

os.makedirs(os.path.join(HERE, "fixtures"), exist_ok=True)
for name, data in fixtures.items():
    with open(os.path.join(HERE, "fixtures", name + ".json"), "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
print("wrote %d fixtures" % len(fixtures))
