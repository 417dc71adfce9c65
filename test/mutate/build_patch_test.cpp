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
  EXPECT_EQ(paths, (std::vector<std::string>{"/spec/volumes/-", "/spec/containers/0/env/-",
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
