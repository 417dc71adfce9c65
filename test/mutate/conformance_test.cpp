// Runs every fixture in test/mutate/fixtures (format: fixtures/README.md): Pod + identity +
// options -> expected resulting Pod, each case one hand-written file. The returned patch is
// applied with nlohmann's RFC 6902 implementation, so a patch that is well-formed but lands in
// the wrong place fails here.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "irsa/mutate/build_patch.h"
#include "irsa/mutate/decision.h"

namespace irsa::mutate {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct Fixture {
  std::string name;
  json data;
};

std::vector<Fixture> loadFixtures() {
  std::vector<Fixture> fixtures;
  for (const auto& entry :
       fs::directory_iterator(fs::path(IRSA_TEST_DATA_DIR) / "mutate" / "fixtures")) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    fixtures.push_back({entry.path().stem().string(), json::parse(in)});
  }
  std::sort(fixtures.begin(), fixtures.end(),
            [](const Fixture& a, const Fixture& b) { return a.name < b.name; });
  return fixtures;
}

Identity identityFrom(const json& j) {
  Identity identity;
  identity.mode = j.value("mode", "web-identity") == "pod-identity" ? IdentityMode::kPodIdentity
                                                                    : IdentityMode::kWebIdentity;
  identity.role_arn = j.value("roleArn", "");
  identity.audience = j.value("audience", "sts.amazonaws.com");
  identity.regional_sts = j.value("regionalSts", false);
  if (j.contains("tokenExpiration"))
    identity.token_expiration = j["tokenExpiration"].get<std::int64_t>();
  return identity;
}

// A fixture gives either the resolved `identity` or the `facts` it is resolved from with
// resolveIdentity (format: fixtures/README.md); empty: the ServiceAccount gives none.
std::optional<Identity> identityOf(const json& data) {
  if (data.contains("identity")) return identityFrom(data["identity"]);
  const json& facts_json = data["facts"];
  const json& options_json = data["options"];
  IdentityOptions options;
  options.annotation_prefix = options_json.value("annotationPrefix", options.annotation_prefix);
  options.default_audience = options_json.value("tokenAudience", options.default_audience);
  options.default_regional_sts =
      options_json.value("stsRegionalEndpoint", options.default_regional_sts);
  Annotations annotations;
  IdentityFacts facts;
  if (facts_json.contains("serviceAccount") && facts_json["serviceAccount"].is_object()) {
    annotations = facts_json["serviceAccount"]["annotations"].get<Annotations>();
    facts.service_account_annotations = &annotations;
  }
  std::string role;
  std::string audience;
  if (facts_json.contains("configMap")) {
    const json& entry = facts_json["configMap"];
    role = entry.value("RoleARN", "");
    audience = entry.value("Audience", "");
    facts.config_map = ConfigMapRole{role, audience, entry.value("UseRegionalSTS", false),
                                     entry.value("TokenExpiration", std::int64_t{0}),
                                     entry.value("anyNamespace", false)};
  }
  facts.in_pod_identity_file = facts_json.value("podIdentity", false);
  return resolveIdentity(facts, options).identity;
}

MutationOptions optionsFrom(const json& j) {
  MutationOptions options;
  options.annotation_prefix = j.value("annotationPrefix", options.annotation_prefix);
  options.token_mount_path = j.value("tokenMountPath", options.token_mount_path);
  options.default_token_expiration =
      j.value("defaultTokenExpiration", options.default_token_expiration);
  options.aws_default_region = j.value("awsDefaultRegion", options.aws_default_region);
  options.container_credentials_audience =
      j.value("containerCredentialsAudience", options.container_credentials_audience);
  options.container_credentials_token_mount_path =
      j.value("containerCredentialsTokenMountPath", options.container_credentials_token_mount_path);
  options.container_credentials_token_volume_name = j.value(
      "containerCredentialsTokenVolumeName", options.container_credentials_token_volume_name);
  options.container_credentials_token_path =
      j.value("containerCredentialsTokenPath", options.container_credentials_token_path);
  options.container_credentials_full_uri =
      j.value("containerCredentialsFullUri", options.container_credentials_full_uri);
  return options;
}

// Keeps gtest from printing the fixture as raw bytes.
void PrintTo(const Fixture& fixture, std::ostream* out) {
  *out << fixture.name;
}

class Conformance : public ::testing::TestWithParam<Fixture> {};

TEST_P(Conformance, ResultingPodMatchesAndSecondRunAddsNothing) {
  const json& data = GetParam().data;
  SCOPED_TRACE(data.value("description", ""));
  const std::optional<Identity> resolved = identityOf(data);
  if (!resolved) {
    EXPECT_EQ(data["pod"], data["expected"]) << "no identity: the Pod stays as it is";
    return;
  }
  const Identity& identity = *resolved;
  const MutationOptions options = optionsFrom(data["options"]);
  // Expirations that come from the random source can only match the fixture's value.
  const RandomInt random = [&](std::int64_t low, std::int64_t high) {
    EXPECT_EQ(low, 79200);
    EXPECT_EQ(high, 86400);
    return data["random"].is_number() ? data["random"].get<std::int64_t>() : high;
  };

  const MutationResult result = buildPatch(data["pod"], identity, options, random);
  for (const json& operation : result.patch) {
    EXPECT_EQ(operation["op"], "add") << operation.dump();
  }
  const json mutated = data["pod"].patch(result.patch);
  EXPECT_EQ(mutated, data["expected"])
      << "patch: " << result.patch.dump()
      << "\ndiff: " << json::diff(data["expected"], mutated).dump();

  // Warnings: each expected text must start one actual warning, and there are no extras.
  const auto& expected_warnings = data["warnings"];
  ASSERT_EQ(result.warnings.size(), expected_warnings.size());
  for (std::size_t i = 0; i < expected_warnings.size(); ++i) {
    EXPECT_EQ(result.warnings[i].rfind(expected_warnings[i].get<std::string>(), 0), 0u)
        << result.warnings[i];
  }
  const json audit = result.audit_annotations;
  EXPECT_EQ(audit, data["auditAnnotations"]);

  // The admission layer parses Pods through podFieldsRead: the filtered Pod must get the
  // same result, or a rule reads a field the filter drops.
  const irsa::json::FilteredJson filtered =
      irsa::json::parseFiltered(data["pod"].dump(), podFieldsRead(options));
  ASSERT_FALSE(filtered.error.has_value());
  const MutationResult from_filtered = buildPatch(filtered.value, identity, options, random);
  EXPECT_EQ(from_filtered.patch, result.patch) << "filtered Pod: " << filtered.value.dump();
  EXPECT_EQ(from_filtered.warnings, result.warnings);
  EXPECT_EQ(from_filtered.audit_annotations, result.audit_annotations);

  // Reinvocation safety: the webhook applied to its own output changes nothing.
  const MutationResult again = buildPatch(mutated, identity, options, random);
  EXPECT_TRUE(again.patch.empty()) << again.patch.dump();
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Conformance, ::testing::ValuesIn(loadFixtures()),
                         [](const ::testing::TestParamInfo<Fixture>& param_info) {
                           std::string name = param_info.param.name;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

TEST(ConformanceFixtures, AreThere) {
  EXPECT_GE(loadFixtures().size(), 30u);
}

// Upstream's own handler fixtures (pkg/handler/testdata, 24 Pods) are all here, converted by
// hack/import-upstream-fixtures.py: "same resulting Pods" is checked on them, not claimed.
TEST(ConformanceFixtures, IncludeAllOfUpstreamsHandlerFixtures) {
  std::size_t upstream = 0;
  for (const Fixture& fixture : loadFixtures()) {
    if (fixture.name.rfind("upstream-", 0) == 0) ++upstream;
  }
  EXPECT_EQ(upstream, 24u);
}

}  // namespace
}  // namespace irsa::mutate
