// One table per request-level rule of src/mutate/decision.cpp, named after the rule.

#include "irsa/mutate/decision.h"

#include <gtest/gtest.h>

#include "irsa/mutate/annotations.h"

namespace irsa::mutate {
namespace {

using nlohmann::json;

TEST(IsPodCreate, OnlyCorePodCreatesWithoutSubResource) {
  struct Case {
    const char* group;
    const char* kind;
    const char* sub_resource;
    const char* operation;
    bool expected;
  };
  const Case cases[] = {
      {"", "Pod", "", "CREATE", true},
      {"", "Pod", "", "UPDATE", false},
      {"", "Pod", "", "DELETE", false},
      {"", "Pod", "ephemeralcontainers", "CREATE", false},
      {"", "Pod", "status", "CREATE", false},
      {"apps", "Deployment", "", "CREATE", false},
      {"example.com", "Pod", "", "CREATE", false},
      {"", "pod", "", "CREATE", false},
      {"", "Pod", "", "create", false},
      {"", "", "", "CREATE", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(isPodCreate(c.group, c.kind, c.sub_resource, c.operation), c.expected)
        << c.group << "/" << c.kind << " " << c.sub_resource << " " << c.operation;
  }
}

TEST(ServiceAccountOf, NameThenLegacyFieldThenDefaultNamespaceFromTheRequestFirst) {
  struct Case {
    const char* pod;
    const char* request_namespace;
    const char* namespace_name;
    const char* name;
  };
  const Case cases[] = {
      {R"({"spec":{"serviceAccountName":"app"}})", "ns", "ns", "app"},
      {R"({"spec":{"serviceAccount":"legacy"}})", "ns", "ns", "legacy"},
      {R"({"spec":{"serviceAccountName":"app","serviceAccount":"legacy"}})", "ns", "ns", "app"},
      {R"({"spec":{"serviceAccountName":"","serviceAccount":"legacy"}})", "ns", "ns", "legacy"},
      {R"({"spec":{}})", "ns", "ns", "default"},
      {R"({})", "ns", "ns", "default"},
      {R"({"spec":{"serviceAccountName":5,"serviceAccount":["x"]}})", "ns", "ns", "default"},
      {R"({"spec":"nope"})", "ns", "ns", "default"},
      {R"({"metadata":{"namespace":"from-pod"}})", "", "from-pod", "default"},
      {R"({"metadata":{"namespace":"from-pod"}})", "ns", "ns", "default"},
      {R"({"metadata":{"namespace":7}})", "", "", "default"},
      {R"({"metadata":[]})", "", "", "default"},
      {R"([])", "", "", "default"},
  };
  for (const Case& c : cases) {
    const PodServiceAccount account = serviceAccountOf(json::parse(c.pod), c.request_namespace);
    EXPECT_EQ(account.namespace_name, c.namespace_name) << c.pod << " in " << c.request_namespace;
    EXPECT_EQ(account.name, c.name) << c.pod << " in " << c.request_namespace;
  }
}

// Inputs of resolveIdentity written as a table row: annotations (null: no such SA), the
// ConfigMap entry, Pod Identity membership; and the expected identity (no role: none).
struct IdentityCase {
  const char* name;
  std::optional<Annotations> annotations;
  std::optional<ConfigMapRole> config_map;
  bool pod_identity;
  bool found;
  std::optional<Identity> expected;
};

Identity web(std::string role, std::string audience, bool sts = false,
             std::optional<std::int64_t> expiration = std::nullopt) {
  return Identity{IdentityMode::kWebIdentity, std::move(role), std::move(audience), sts,
                  expiration};
}

Identity podIdentity(bool sts = false, std::optional<std::int64_t> expiration = std::nullopt) {
  return Identity{IdentityMode::kPodIdentity, "", "", sts, expiration};
}

const std::string kRole = "arn:aws:iam::111122223333:role/sa";
const std::string kMappedRole = "arn:aws:iam::111122223333:role/cm";

Annotations annotated(std::initializer_list<std::pair<const std::string, std::string>> values) {
  Annotations result;
  for (const auto& [name, value] : values) result[annotationKey("eks.amazonaws.com", name)] = value;
  return result;
}

TEST(ResolveIdentity, PodIdentityThenRoleArnThenConfigMapEachSettingSaOverConfigMapOverFlag) {
  const ConfigMapRole mapped{kMappedRole, "cm-aud", true, 7200};
  const IdentityCase cases[] = {
      {"no SA, nothing else", std::nullopt, std::nullopt, false, false, std::nullopt},
      {"SA without role", annotated({}), std::nullopt, false, true, std::nullopt},
      {"empty role is no role", annotated({{"role-arn", ""}}), std::nullopt, false, true,
       std::nullopt},
      {"role only", annotated({{"role-arn", kRole}}), std::nullopt, false, true,
       web(kRole, "sts.amazonaws.com")},
      {"SA settings",
       annotated({{"role-arn", kRole},
                  {"audience", "aud"},
                  {"sts-regional-endpoints", "T"},
                  {"token-expiration", "60"}}),
       std::nullopt, false, true, web(kRole, "aud", true, 600)},
      {"invalid SA values fall back",
       annotated(
           {{"role-arn", kRole}, {"sts-regional-endpoints", "yes"}, {"token-expiration", "+-5"}}),
       std::nullopt, false, true, web(kRole, "sts.amazonaws.com")},
      // Bug: an empty audience annotation gave the flag's audience; the Go webhook takes it
      // as written and the token then names no audience (test written before the fix).
      {"empty audience annotation stays empty", annotated({{"role-arn", kRole}, {"audience", ""}}),
       std::nullopt, false, true, web(kRole, "")},
      {"SA role: ConfigMap ignored entirely", annotated({{"role-arn", kRole}}), mapped, false, true,
       web(kRole, "sts.amazonaws.com")},
      {"ConfigMap for an SA without role", annotated({}), mapped, false, true,
       web(kMappedRole, "cm-aud", true, 7200)},
      {"ConfigMap without SA", std::nullopt, mapped, false, false,
       web(kMappedRole, "cm-aud", true, 7200)},
      // Bug: fields were mixed per field (SA annotation > ConfigMap > flag); the Go webhook
      // takes a ConfigMap identity whole (test written before the fix).
      {"ConfigMap entry whole: SA settings without a role do not mix in",
       annotated(
           {{"audience", "aud"}, {"token-expiration", "900"}, {"sts-regional-endpoints", "false"}}),
       mapped, false, true, web(kMappedRole, "cm-aud", true, 7200)},
      {"ConfigMap zero expiration: the flag; empty audience stays empty", annotated({}),
       ConfigMapRole{kMappedRole, "", false, 0}, false, true, web(kMappedRole, "")},
      {"ConfigMap without role", annotated({}), ConfigMapRole{"", "x", true, 0}, false, true,
       std::nullopt},
      {"Pod Identity beats role", annotated({{"role-arn", kRole}, {"token-expiration", "3600"}}),
       std::nullopt, true, true, podIdentity(false, 3600)},
      // Bug: Pod Identity ignored --token-expiration; like the Go webhook's
      // GetCommonConfigurations it now reads a known SA (else the flag), else the exact
      // ConfigMap entry, else 24 h (tests written before the fix).
      {"Pod Identity without SA: 24 h", std::nullopt, std::nullopt, true, false,
       podIdentity(false, 86400)},
      {"Pod Identity with a known SA: its annotations, else the flags", annotated({}), mapped, true,
       true, podIdentity(false, std::nullopt)},
      {"Pod Identity, no SA, exact ConfigMap entry", std::nullopt, mapped, true, false,
       podIdentity(true, 7200)},
      {"Pod Identity, no SA, ConfigMap entry of zero expiration: the flag", std::nullopt,
       ConfigMapRole{"", "", false, 0}, true, false, podIdentity(false, std::nullopt)},
      {"Pod Identity, no SA, \"*\" ConfigMap entry does not count", std::nullopt,
       ConfigMapRole{kMappedRole, "cm-aud", true, 7200, true}, true, false,
       podIdentity(false, 86400)},
  };
  for (const IdentityCase& c : cases) {
    SCOPED_TRACE(c.name);
    IdentityFacts facts;
    facts.service_account_annotations = c.annotations ? &*c.annotations : nullptr;
    facts.config_map = c.config_map;
    facts.in_pod_identity_file = c.pod_identity;
    const Resolution resolution = resolveIdentity(facts, IdentityOptions{});
    EXPECT_EQ(resolution.service_account_found, c.found);
    ASSERT_EQ(resolution.identity.has_value(), c.expected.has_value());
    if (!c.expected) continue;
    EXPECT_EQ(resolution.identity->mode, c.expected->mode);
    EXPECT_EQ(resolution.identity->role_arn, c.expected->role_arn);
    EXPECT_EQ(resolution.identity->audience, c.expected->audience);
    EXPECT_EQ(resolution.identity->regional_sts, c.expected->regional_sts);
    EXPECT_EQ(resolution.identity->token_expiration, c.expected->token_expiration);
  }
}

TEST(ResolveIdentity, FlagsAndComposedRoleArns) {
  const Annotations bare = annotated({{"role-arn", "bare"}});
  const Annotations full = annotated({{"role-arn", kRole}});
  IdentityOptions options;
  options.default_audience = "flag-aud";
  options.default_regional_sts = true;
  options.compose_role_arn = AccountInfo{"aws-cn", "123456789012"};
  IdentityFacts facts;
  facts.service_account_annotations = &bare;
  const Resolution composed = resolveIdentity(facts, options);
  ASSERT_TRUE(composed.identity);
  EXPECT_EQ(composed.identity->role_arn, "arn:aws-cn:iam::123456789012:role/bare");
  EXPECT_EQ(composed.identity->audience, "flag-aud");
  EXPECT_TRUE(composed.identity->regional_sts);
  facts.service_account_annotations = &full;
  EXPECT_EQ(resolveIdentity(facts, options).identity->role_arn, kRole) << "full ARNs stay";
  // Deliberate (docs/migration.md): a bare ConfigMap RoleARN is completed too, and a
  // ConfigMap lifetime below 600 s is raised like an annotation's.
  facts.service_account_annotations = nullptr;
  facts.config_map = ConfigMapRole{"bare", "", false, 60};
  const Resolution mapped = resolveIdentity(facts, options);
  ASSERT_TRUE(mapped.identity);
  EXPECT_EQ(mapped.identity->role_arn, "arn:aws-cn:iam::123456789012:role/bare");
  EXPECT_EQ(mapped.identity->token_expiration, 600);
}

// The flags fill in what a ServiceAccount with a role leaves out, never a ConfigMap entry
// (docs/behaviour.md §3), and never Pod Identity without a known ServiceAccount (§4).
TEST(ResolveIdentity, FlagsApplyToServiceAccountsOnly) {
  IdentityOptions options;
  options.default_audience = "flag-aud";
  options.default_regional_sts = true;
  IdentityFacts facts;
  facts.config_map = ConfigMapRole{kMappedRole, "", false, 0};
  const Resolution mapped = resolveIdentity(facts, options);
  ASSERT_TRUE(mapped.identity);
  EXPECT_EQ(mapped.identity->audience, "");
  EXPECT_FALSE(mapped.identity->regional_sts);

  const Annotations role_only = annotated({{"role-arn", kRole}});
  facts.service_account_annotations = &role_only;
  const Resolution annotated_sa = resolveIdentity(facts, options);
  ASSERT_TRUE(annotated_sa.identity);
  EXPECT_EQ(annotated_sa.identity->audience, "flag-aud");
  EXPECT_TRUE(annotated_sa.identity->regional_sts);

  facts.in_pod_identity_file = true;
  EXPECT_TRUE(resolveIdentity(facts, options).identity->regional_sts) << "known SA: the flag";
  facts.service_account_annotations = nullptr;
  facts.config_map.reset();
  EXPECT_FALSE(resolveIdentity(facts, options).identity->regional_sts) << "unknown SA: false";
}

TEST(ConsultsConfigMap, OnlyWhenTheServiceAccountNamesNoRole) {
  const Annotations with_role = annotated({{"role-arn", kRole}});
  const Annotations empty_role = annotated({{"role-arn", ""}});
  const Annotations other_prefix = {{"example.com/role-arn", kRole}};
  EXPECT_FALSE(consultsConfigMap(&with_role, IdentityOptions{}));
  EXPECT_TRUE(consultsConfigMap(&empty_role, IdentityOptions{}));
  EXPECT_TRUE(consultsConfigMap(&other_prefix, IdentityOptions{}));
  EXPECT_TRUE(consultsConfigMap(nullptr, IdentityOptions{}));
}

}  // namespace
}  // namespace irsa::mutate
