// Robustness of buildPatch against Pods of odd shape (spec: "bad input gets a clear error and
// nothing crashes"). Every field the mutation rules read is replaced, one at a time, by values
// of every wrong JSON type; the result must not throw, must contain only "add" operations that
// apply cleanly to that very Pod, and a second run over the result must not throw either.

#include <gtest/gtest.h>

#include "irsa/mutate/build_patch.h"

namespace irsa::mutate {
namespace {

using nlohmann::json;

// A Pod in which every field buildPatch reads is present, so each can be broken in turn.
json fullPod() {
  return json::parse(R"({
    "metadata": {
      "name": "p",
      "annotations": {"eks.amazonaws.com/token-expiration": "3600",
                      "eks.amazonaws.com/skip-containers": "skipped"},
      "labels": {"eks.amazonaws.com/pod-identity": "disabled", "app": "x"}
    },
    "spec": {
      "nodeSelector": {"kubernetes.io/os": "linux", "beta.kubernetes.io/os": "linux"},
      "volumes": [{"name": "data", "emptyDir": {}}],
      "initContainers": [{"name": "init", "env": [{"name": "A", "value": "1"}],
                          "volumeMounts": [{"name": "data", "mountPath": "/d"}]}],
      "containers": [{"name": "app", "env": [{"name": "A", "value": "1"}],
                      "volumeMounts": [{"name": "data", "mountPath": "/d"}]},
                     {"name": "skipped"}],
      "ephemeralContainers": [{"name": "debug"}]
    }
  })");
}

// JSON pointers of everything the rules look at.
const char* const kReadFields[] = {
    "",
    "/metadata",
    "/metadata/annotations",
    "/metadata/annotations/eks.amazonaws.com~1token-expiration",
    "/metadata/annotations/eks.amazonaws.com~1skip-containers",
    "/metadata/labels",
    "/metadata/labels/eks.amazonaws.com~1pod-identity",
    "/spec",
    "/spec/nodeSelector",
    "/spec/nodeSelector/kubernetes.io~1os",
    "/spec/nodeSelector/beta.kubernetes.io~1os",
    "/spec/volumes",
    "/spec/volumes/0",
    "/spec/volumes/0/name",
    "/spec/initContainers",
    "/spec/initContainers/0",
    "/spec/initContainers/0/name",
    "/spec/initContainers/0/env",
    "/spec/initContainers/0/env/0",
    "/spec/initContainers/0/env/0/name",
    "/spec/initContainers/0/volumeMounts",
    "/spec/initContainers/0/volumeMounts/0",
    "/spec/initContainers/0/volumeMounts/0/name",
    "/spec/containers",
    "/spec/containers/0",
    "/spec/containers/0/name",
    "/spec/containers/0/env",
    "/spec/containers/0/env/0",
    "/spec/containers/0/env/0/name",
    "/spec/containers/0/volumeMounts",
    "/spec/containers/0/volumeMounts/0",
    "/spec/containers/0/volumeMounts/0/name",
    "/spec/ephemeralContainers",
};

std::vector<json> wrongValues() {
  return {json(nullptr),
          json(5),
          json(-1.5),
          json(true),
          json("windows"),
          json(""),
          json::array(),
          json::array({1, "x", nullptr}),
          json::object(),
          json{{"name", 7}, {"env", "x"}},
          json::array({json::array()})};
}

Identity identityFor(IdentityMode mode) {
  Identity identity;
  identity.mode = mode;
  identity.role_arn = "arn:aws:iam::111122223333:role/app";
  identity.audience = "sts.amazonaws.com";
  identity.regional_sts = true;
  return identity;
}

MutationOptions optionsWithRegion() {
  MutationOptions options;
  options.aws_default_region = "eu-west-1";
  return options;
}

const RandomInt kLow = [](std::int64_t low, std::int64_t) { return low; };

TEST(BadShape, EveryReadFieldWithEveryWrongTypeNeverThrows) {
  const MutationOptions options = optionsWithRegion();
  for (const char* field : kReadFields) {
    for (const json& wrong : wrongValues()) {
      json pod = fullPod();
      pod[json::json_pointer(field)] = wrong;
      for (const IdentityMode mode : {IdentityMode::kWebIdentity, IdentityMode::kPodIdentity}) {
        const Identity identity = identityFor(mode);
        SCOPED_TRACE(std::string(field) + " = " + wrong.dump() +
                     (mode == IdentityMode::kPodIdentity ? " (pod identity)" : " (web identity)"));
        MutationResult result;
        ASSERT_NO_THROW(result = buildPatch(pod, identity, options, kLow));
        ASSERT_TRUE(result.patch.is_array());
        for (const json& op : result.patch) EXPECT_EQ(op.value("op", ""), "add") << op.dump();
        const irsa::json::FilteredJson filtered =
            irsa::json::parseFiltered(pod.dump(), podFieldsRead(options));
        ASSERT_FALSE(filtered.error.has_value());
        EXPECT_EQ(buildPatch(filtered.value, identity, options, kLow).patch, result.patch)
            << "the Pod as the admission layer parses it gets the same patch";
        json mutated;
        ASSERT_NO_THROW(mutated = pod.patch(result.patch)) << result.patch.dump();
        ASSERT_NO_THROW((void)buildPatch(mutated, identity, options, kLow));
      }
    }
  }
}

TEST(BadShape, ContainerWithWrongEnvTypeIsSkippedOthersStillPatched) {
  json pod = fullPod();
  pod["spec"]["containers"][0]["env"] = "not-a-list";
  const MutationResult result =
      buildPatch(pod, identityFor(IdentityMode::kWebIdentity), optionsWithRegion(), kLow);
  for (const json& op : result.patch) {
    EXPECT_EQ(op["path"].get<std::string>().rfind("/spec/containers/0/", 0), std::string::npos)
        << op.dump();
  }
  const json mutated = pod.patch(result.patch);
  EXPECT_EQ(mutated["spec"]["containers"][0], pod["spec"]["containers"][0]);
  EXPECT_EQ(mutated["spec"]["initContainers"][0]["volumeMounts"].size(), 2u);
}

TEST(BadShape, ContainerWithWrongVolumeMountsTypeIsLeftEntirelyAlone) {
  json pod = fullPod();
  pod["spec"]["initContainers"][0]["volumeMounts"] = {{"name", "aws-iam-token"}};
  const MutationResult result =
      buildPatch(pod, identityFor(IdentityMode::kWebIdentity), optionsWithRegion(), kLow);
  const json mutated = pod.patch(result.patch);
  EXPECT_EQ(mutated["spec"]["initContainers"][0], pod["spec"]["initContainers"][0]);
  EXPECT_EQ(mutated["spec"]["containers"][0]["env"].size(), 6u);
}

TEST(BadShape, EnvEntriesWithoutStringNamesDoNotCountAsPresent) {
  json pod = fullPod();
  pod["spec"]["containers"][0]["env"] =
      json::parse(R"([{"name":["AWS_ROLE_ARN"]},{"value":"AWS_ROLE_ARN"},"AWS_ROLE_ARN",null])");
  const MutationResult result =
      buildPatch(pod, identityFor(IdentityMode::kWebIdentity), MutationOptions{}, kLow);
  const json mutated = pod.patch(result.patch);
  const json& env = mutated["spec"]["containers"][0]["env"];
  ASSERT_EQ(env.size(), 7u);
  EXPECT_EQ(env[4]["name"], "AWS_STS_REGIONAL_ENDPOINTS");
  EXPECT_EQ(env[5]["name"], "AWS_ROLE_ARN");
  EXPECT_EQ(env[6]["name"], "AWS_WEB_IDENTITY_TOKEN_FILE");
}

TEST(BadShape, NonStringAnnotationsAreIgnored) {
  json pod = fullPod();
  pod["metadata"]["annotations"]["eks.amazonaws.com/token-expiration"] = 1200;
  pod["metadata"]["annotations"]["eks.amazonaws.com/skip-containers"] = json::array({"app"});
  Identity identity = identityFor(IdentityMode::kWebIdentity);
  identity.token_expiration = 5000;
  const json mutated = pod.patch(buildPatch(pod, identity, MutationOptions{}, kLow).patch);
  EXPECT_EQ(mutated["spec"]["volumes"][0]["projected"]["sources"][0]["serviceAccountToken"]
                   ["expirationSeconds"],
            5000);
  EXPECT_TRUE(mutated["spec"]["containers"][0]["volumeMounts"].size() == 2u);
  EXPECT_TRUE(mutated["spec"]["containers"][1].contains("env"));
}

TEST(BadShape, NonStringNodeSelectorValueIsNotWindows) {
  json pod = fullPod();
  pod["spec"]["nodeSelector"]["kubernetes.io/os"] = json::array({"windows"});
  const json mutated = pod.patch(
      buildPatch(pod, identityFor(IdentityMode::kWebIdentity), MutationOptions{}, kLow).patch);
  EXPECT_EQ(mutated["spec"]["containers"][0]["env"][3]["value"],
            "/var/run/secrets/eks.amazonaws.com/serviceaccount/token");
}

TEST(BadShape, HugeAndExtremeExpirationsDoNotOverflow) {
  for (const char* text : {"9223372036854775807", "-9223372036854775808", "99999999999999999999"}) {
    json pod = fullPod();
    pod["metadata"]["annotations"]["eks.amazonaws.com/token-expiration"] = text;
    for (const IdentityMode mode : {IdentityMode::kWebIdentity, IdentityMode::kPodIdentity}) {
      MutationResult result;
      ASSERT_NO_THROW(result = buildPatch(pod, identityFor(mode), MutationOptions{}, kLow)) << text;
      const json mutated = pod.patch(result.patch);
      // The token volume is inserted first (docs/behaviour.md §2.1).
      const json& seconds =
          mutated["spec"]["volumes"]
              .front()["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"];
      EXPECT_GE(seconds.get<std::int64_t>(), 600) << text;
      EXPECT_LE(seconds.get<std::int64_t>(), kMaxTokenExpirationSeconds) << text;
    }
  }
}

}  // namespace
}  // namespace irsa::mutate
