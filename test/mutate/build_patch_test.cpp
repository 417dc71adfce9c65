// Rule-by-rule tests for src/mutate/build_patch.cpp and its parsing helpers. The
// end-to-end cases (Pod in, resulting Pod out) are the fixtures in conformance_test.cpp.

#include "irsa/mutate/build_patch.h"

#include <gtest/gtest.h>

#include "irsa/mutate/identity.h"
#include "irsa/mutate/json_pointer.h"

namespace irsa::mutate {
namespace {

using nlohmann::json;

Identity webIdentity() {
  Identity identity;
  identity.role_arn = "arn:aws:iam::111122223333:role/app";
  identity.audience = "sts.amazonaws.com";
  return identity;
}

const RandomInt kMaxRandom = [](std::int64_t, std::int64_t high) { return high; };

json simplePod() {
  return json::parse(R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"app"}]}})");
}

// --- Parsing helpers ------------------------------------------------------------------------

TEST(ClampTokenExpiration, RaisesToTenMinutes) {
  EXPECT_EQ(clampTokenExpiration(-1), 600);
  EXPECT_EQ(clampTokenExpiration(599), 600);
  EXPECT_EQ(clampTokenExpiration(601), 601);
}

TEST(EscapeJsonPointerToken, EscapesTildeBeforeSlash) {
  EXPECT_EQ(escapeJsonPointerToken("eks.amazonaws.com/pod-identity"),
            "eks.amazonaws.com~1pod-identity");
  EXPECT_EQ(escapeJsonPointerToken("a~/b"), "a~0~1b");
  EXPECT_EQ(escapeJsonPointerToken("~1"), "~01");
}

TEST(IsValidRoleArn, FollowsTheIamPattern) {
  EXPECT_TRUE(isValidRoleArn("arn:aws:iam::111122223333:role/app"));
  EXPECT_TRUE(isValidRoleArn("arn:aws-cn:iam::111122223333:role/path/to/app+=,.@-_"));
  EXPECT_TRUE(isValidRoleArn("arn:aws-us-gov:iam::111122223333:role/a"));
  EXPECT_FALSE(isValidRoleArn("app"));
  EXPECT_FALSE(isValidRoleArn("arn:aws:iam::1111:role/app"));
  EXPECT_FALSE(isValidRoleArn("arn:aws:iam::111122223333:user/app"));
  EXPECT_FALSE(isValidRoleArn("arn:aws:iam::111122223333:role/"));
  EXPECT_FALSE(isValidRoleArn("arn:aws:iam::111122223333:role/a b"));
}

// --- Token file, audience and lifetime limits (docs/behaviour.md §1.2, §2.1, §2.3) --------

json windowsPod() {
  return json::parse(
      R"({"metadata":{"name":"p"},"spec":{"nodeSelector":{"kubernetes.io/os":"windows"},)"
      R"("containers":[{"name":"app"}]}})");
}

std::string envValue(const json& pod, std::string_view name) {
  for (const json& variable : pod["spec"]["containers"][0]["env"]) {
    if (variable["name"] == name) return variable["value"].get<std::string>();
  }
  return "<absent>";
}

const json& tokenProjection(const json& pod) {
  return pod["spec"]["volumes"][0]["projected"]["sources"][0]["serviceAccountToken"];
}

// Bug: Pod Identity kept the Linux path on Windows nodes (test written before the fix).
TEST(TokenFile, WindowsPathInBothModes) {
  Identity pod_identity;
  pod_identity.mode = IdentityMode::kPodIdentity;
  const json pod = windowsPod();
  EXPECT_EQ(
      envValue(pod.patch(buildPatch(pod, pod_identity, {}, kMaxRandom).patch),
               "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"),
      "C:\\var\\run\\secrets\\pods.eks.amazonaws.com\\serviceaccount\\eks-pod-identity-token");
  EXPECT_EQ(envValue(pod.patch(buildPatch(pod, webIdentity(), {}, kMaxRandom).patch),
                     "AWS_WEB_IDENTITY_TOKEN_FILE"),
            "C:\\var\\run\\secrets\\eks.amazonaws.com\\serviceaccount\\token");
}

// Bug: a mount path ending in '/' gave ".../serviceaccount//token" (test written before the
// fix). The mountPath itself stays as given, as in the Go webhook.
TEST(TokenFile, JoinedLikeGoFilepathJoin) {
  MutationOptions options;
  options.token_mount_path = "/var/run/secrets/irsa/";
  const json mutated =
      simplePod().patch(buildPatch(simplePod(), webIdentity(), options, kMaxRandom).patch);
  EXPECT_EQ(envValue(mutated, "AWS_WEB_IDENTITY_TOKEN_FILE"), "/var/run/secrets/irsa/token");
  EXPECT_EQ(mutated["spec"]["containers"][0]["volumeMounts"][0]["mountPath"],
            "/var/run/secrets/irsa/");
}

// Bug: an empty audience was replaced by the flag's; the Go webhook leaves the field out
// (the API server's own audience then applies). Test written before the fix.
TEST(TokenVolume, EmptyAudienceIsLeftOut) {
  Identity identity = webIdentity();
  identity.audience.clear();
  const json mutated = simplePod().patch(buildPatch(simplePod(), identity, {}, kMaxRandom).patch);
  EXPECT_FALSE(tokenProjection(mutated).contains("audience")) << mutated.dump();
}

// Issue: a lifetime above kube-apiserver's maximum (2^32 s) made it refuse every Pod of the
// ServiceAccount. It is lowered to the maximum, with a warning (test written before the fix).
TEST(TokenExpiration, LoweredToTheApiServerMaximumWithAWarning) {
  const auto run = [](std::optional<std::int64_t> service_account, const char* pod_annotation,
                      std::int64_t flag) {
    Identity identity = webIdentity();
    identity.token_expiration = service_account;
    json pod = simplePod();
    if (pod_annotation != nullptr)
      pod["metadata"]["annotations"]["eks.amazonaws.com/token-expiration"] = pod_annotation;
    MutationOptions options;
    options.default_token_expiration = flag;
    return std::make_pair(pod, buildPatch(pod, identity, options, kMaxRandom));
  };
  const std::int64_t kMax = std::int64_t{1} << 32;
  for (const auto& [pod, result] :
       {run(INT64_MAX, nullptr, 86400), run(std::nullopt, "9223372036854775807", 86400),
        run(std::nullopt, nullptr, kMax + 1)}) {
    const json mutated = pod.patch(result.patch);
    EXPECT_EQ(tokenProjection(mutated)["expirationSeconds"], kMax);
    ASSERT_EQ(result.warnings.size(), 1u);
    EXPECT_NE(result.warnings[0].find("above the API server's maximum"), std::string::npos);
    EXPECT_TRUE(buildPatch(mutated, webIdentity(), {}, kMaxRandom).warnings.empty())
        << "a Pod that already has its volume gets no warning";
  }
  const auto [pod, at_max] = run(kMax, nullptr, 86400);
  EXPECT_EQ(tokenProjection(pod.patch(at_max.patch))["expirationSeconds"], kMax);
  EXPECT_TRUE(at_max.warnings.empty());
  const auto [low_pod, low] = run(5, nullptr, 86400);
  EXPECT_EQ(tokenProjection(low_pod.patch(low.patch))["expirationSeconds"], 600)
      << "the 600 s minimum stays, silently";
  EXPECT_TRUE(low.warnings.empty());
}

// --- Patch shape (docs/behaviour.md §2.4)
// -------------------------------------------------------------------

TEST(PatchShape, MissingArraysAreAddedWhole) {
  const MutationResult result = buildPatch(simplePod(), webIdentity(), {}, kMaxRandom);
  ASSERT_EQ(result.patch.size(), 3u);
  EXPECT_EQ(result.patch[0]["path"], "/spec/volumes");
  EXPECT_TRUE(result.patch[0]["value"].is_array());
  EXPECT_EQ(result.patch[1]["path"], "/spec/containers/0/env");
  EXPECT_EQ(result.patch[1]["value"].size(), 2u);
  EXPECT_EQ(result.patch[2]["path"], "/spec/containers/0/volumeMounts");
}

TEST(PatchShape, ExistingArraysGetOneAddPerItem) {
  json pod = simplePod();
  pod["spec"]["volumes"] = json::array({{{"name", "x"}, {"emptyDir", json::object()}}});
  pod["spec"]["containers"][0]["env"] = json::array({{{"name", "A"}, {"value", "1"}}});
  pod["spec"]["containers"][0]["volumeMounts"] = json::array();
  const MutationResult result = buildPatch(pod, webIdentity(), {}, kMaxRandom);
  std::vector<std::string> paths;
  for (const json& op : result.patch) paths.push_back(op["path"]);
  EXPECT_EQ(paths, (std::vector<std::string>{"/spec/volumes/0", "/spec/containers/0/env/-",
                                             "/spec/containers/0/env/-",
                                             "/spec/containers/0/volumeMounts/-"}));
}

TEST(PatchShape, PodIdentityLabelUsesEscapedPointer) {
  json pod = simplePod();
  pod["metadata"]["labels"] = {{"app", "x"}};
  Identity identity;
  identity.mode = IdentityMode::kPodIdentity;
  const MutationResult result = buildPatch(pod, identity, {}, kMaxRandom);
  ASSERT_FALSE(result.patch.empty());
  EXPECT_EQ(result.patch[0]["path"], "/metadata/labels/eks.amazonaws.com~1pod-identity");
}

TEST(PodIdentityJitter, DrawsOnlyForTheDefault) {
  int draws = 0;
  const RandomInt counting = [&](std::int64_t, std::int64_t) {
    ++draws;
    return 80001;
  };
  Identity identity;
  identity.mode = IdentityMode::kPodIdentity;
  buildPatch(simplePod(), identity, {}, counting);
  EXPECT_EQ(draws, 1);
  identity.token_expiration = 7200;
  buildPatch(simplePod(), identity, {}, counting);
  EXPECT_EQ(draws, 1);
}

// --- Result metadata: audit annotations and warnings (docs/behaviour.md §1 and 5, "Better")
// -------------

TEST(AuditAndWarnings, NothingReportedWhenThereIsNoPatch) {
  Identity identity = webIdentity();
  identity.role_arn = "not-an-arn";
  const json pod = simplePod().patch(buildPatch(simplePod(), identity, {}, kMaxRandom).patch);
  const MutationResult again = buildPatch(pod, identity, {}, kMaxRandom);
  EXPECT_TRUE(again.patch.empty());
  EXPECT_TRUE(again.warnings.empty());
  EXPECT_TRUE(again.audit_annotations.empty());
}

TEST(AuditAndWarnings, InvalidRoleArnWarnsOnceOnOneLineNamingTheArn) {
  Identity identity = webIdentity();
  identity.role_arn = "my-role";
  const MutationResult result = buildPatch(simplePod(), identity, {}, kMaxRandom);
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].find("\"my-role\""), std::string::npos);
  EXPECT_EQ(result.warnings[0].find('\n'), std::string::npos);
  EXPECT_EQ(result.audit_annotations.at("mode"), "web-identity");
  EXPECT_EQ(result.audit_annotations.at("role-arn"), "my-role");
}

TEST(AuditAndWarnings, PodIdentityReportsModeOnlyAndNeverWarnsAboutRoles) {
  Identity identity;
  identity.mode = IdentityMode::kPodIdentity;
  identity.role_arn = "leftover-not-an-arn";
  const MutationResult result = buildPatch(simplePod(), identity, {}, kMaxRandom);
  EXPECT_TRUE(result.warnings.empty());
  EXPECT_EQ(result.audit_annotations,
            (std::map<std::string, std::string>{{"mode", "pod-identity"}}));
}

// --- Robustness: odd shapes never throw, never produce an invalid patch ---------------------

TEST(Robustness, WrongTypesAreTreatedAsAbsent) {
  const char* pods[] = {
      R"(null)",
      R"([])",
      R"({})",
      R"({"spec":null})",
      R"({"spec":[]})",
      R"({"spec":{"containers":{}}})",
      R"({"spec":{"containers":[1,"x",null,[]]}})",
      R"({"spec":{"containers":[{"name":5,"env":"x"}]}})",
      R"({"spec":{"containers":[{"name":"a","env":[1,{"name":3},{"value":"x"}]}]}})",
      R"({"spec":{"containers":[{"name":"a","volumeMounts":{"a":1}}]}})",
      R"({"spec":{"containers":[{"name":"a"}],"volumes":"x"}})",
      R"({"spec":{"containers":[{"name":"a"}],"nodeSelector":"windows"}})",
      R"({"metadata":"x","spec":{"containers":[{"name":"a"}]}})",
      R"({"metadata":{"annotations":[]},"spec":{"containers":[{"name":"a"}]}})",
      R"({"metadata":{"annotations":{"eks.amazonaws.com/token-expiration":5,
          "eks.amazonaws.com/skip-containers":["a"]}},"spec":{"containers":[{"name":"a"}]}})",
      R"({"metadata":{"labels":"x"},"spec":{"containers":[{"name":"a"}]}})",
  };
  for (const char* text : pods) {
    const json pod = json::parse(text);
    for (const IdentityMode mode : {IdentityMode::kWebIdentity, IdentityMode::kPodIdentity}) {
      Identity identity = webIdentity();
      identity.mode = mode;
      MutationResult result;
      ASSERT_NO_THROW(result = buildPatch(pod, identity, {}, kMaxRandom)) << text;
      // Whatever was produced must apply cleanly to the Pod it was made for.
      EXPECT_NO_THROW((void)pod.patch(result.patch)) << text << "\n" << result.patch.dump();
    }
  }
}

TEST(Robustness, NullRandomSourceKeepsTheDefault) {
  Identity identity;
  identity.mode = IdentityMode::kPodIdentity;
  const MutationResult result = buildPatch(simplePod(), identity, {}, RandomInt{});
  const json mutated = simplePod().patch(result.patch);
  EXPECT_EQ(mutated["spec"]["volumes"][0]["projected"]["sources"][0]["serviceAccountToken"]
                   ["expirationSeconds"],
            86400);
}

}  // namespace
}  // namespace irsa::mutate
