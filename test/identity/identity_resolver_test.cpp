#include "irsa/identity/identity_resolver.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "irsa/identity/static_service_accounts.h"

namespace irsa::identity {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<StaticServiceAccounts> accounts(const std::string& yaml) {
  auto created = StaticServiceAccounts::createFromText(yaml, "eks.amazonaws.com");
  if (!created.ok()) {
    ADD_FAILURE() << created.status().message();
    return nullptr;
  }
  return std::move(created).value();
}

const char* kAccounts = R"(
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ServiceAccount
  metadata:
    name: annotated
    namespace: team
    annotations:
      eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/annotated
      eks.amazonaws.com/audience: custom
      eks.amazonaws.com/sts-regional-endpoints: "true"
      eks.amazonaws.com/token-expiration: "100"
      other.io/ignored: x
- kind: ServiceAccount
  metadata: {name: plain, namespace: team}
- kind: ServiceAccount
  metadata:
    name: bad-values
    namespace: team
    annotations:
      eks.amazonaws.com/role-arn: bare-role
      eks.amazonaws.com/sts-regional-endpoints: "yes"
      eks.amazonaws.com/token-expiration: "1h"
- kind: ConfigMap
  metadata: {name: not-an-sa}
)";

TEST(StaticServiceAccounts, ParsesListsAndKeepsOnlyPrefixedAnnotations) {
  auto source = accounts(kAccounts);
  ASSERT_TRUE(source);
  EXPECT_EQ(source->size(), 3u);
  const auto account = source->find("team", "annotated");
  ASSERT_TRUE(account);
  EXPECT_EQ(account->annotations.size(), 4u);
  EXPECT_FALSE(source->find("team", "not-an-sa"));
  EXPECT_TRUE(source->ready().ok());
}

TEST(StaticServiceAccounts, AcceptsJsonMultiDocumentAndDefaultNamespace) {
  auto json_source = accounts(R"([{"metadata":{"name":"a"}}])");
  ASSERT_TRUE(json_source);
  EXPECT_TRUE(json_source->find("default", "a"));
  auto multi =
      accounts("metadata: {name: a, namespace: x}\n---\nmetadata: {name: b, namespace: y}\n");
  ASSERT_TRUE(multi);
  EXPECT_EQ(multi->size(), 2u);
}

TEST(StaticServiceAccounts, BrokenInputIsAClearError) {
  for (const char* bad : {"[", "- 5", "metadata: {namespace: x}", "{a: [}"}) {
    auto created = StaticServiceAccounts::createFromText(bad, "eks.amazonaws.com");
    EXPECT_EQ(created.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  auto missing = StaticServiceAccounts::createFromFile("/nonexistent/sa.yaml", "eks.amazonaws.com");
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.status().message(), "cannot read ServiceAccounts file /nonexistent/sa.yaml");
}

TEST(StaticServiceAccounts, AFileThatDoesNotParseIsNamedBeforeTheParserMessage) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("irsa-sa-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "sa.yaml").string();
  std::ofstream(path) << "metadata: {namespace: x}\n";
  auto broken = StaticServiceAccounts::createFromFile(path, "eks.amazonaws.com");
  EXPECT_EQ(broken.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(broken.status().message().rfind("ServiceAccounts file " + path + ": ", 0), 0u)
      << broken.status().message();
  EXPECT_NE(broken.status().message().find("ServiceAccount without metadata.name"),
            std::string::npos)
      << broken.status().message();
  std::filesystem::remove_all(dir);
}

TEST(IdentityResolver, SaAnnotationsSetRoleAudienceStsAndClampedExpiration) {
  auto source = accounts(kAccounts);
  IdentityResolver resolver({}, *source, nullptr, nullptr);
  const Resolution r = resolver.resolve("team", "annotated");
  EXPECT_TRUE(r.service_account_found);
  ASSERT_TRUE(r.identity);
  EXPECT_EQ(r.identity->mode, mutate::IdentityMode::kWebIdentity);
  EXPECT_EQ(r.identity->role_arn, "arn:aws:iam::111122223333:role/annotated");
  EXPECT_EQ(r.identity->audience, "custom");
  EXPECT_TRUE(r.identity->regional_sts);
  EXPECT_EQ(r.identity->token_expiration, 600);
}

TEST(IdentityResolver, InvalidAnnotationValuesFallBackToFlags) {
  auto source = accounts(kAccounts);
  ResolverOptions options;
  options.default_regional_sts = true;
  options.default_audience = "flag-audience";
  IdentityResolver resolver(options, *source, nullptr, nullptr);
  const Resolution r = resolver.resolve("team", "bad-values");
  ASSERT_TRUE(r.identity);
  EXPECT_EQ(r.identity->role_arn, "bare-role");
  EXPECT_TRUE(r.identity->regional_sts);
  EXPECT_FALSE(r.identity->token_expiration.has_value());
  EXPECT_EQ(r.identity->audience, "flag-audience");
}

TEST(IdentityResolver, UnannotatedAndMissingServiceAccounts) {
  auto source = accounts(kAccounts);
  IdentityResolver resolver({}, *source, nullptr, nullptr);
  EXPECT_FALSE(resolver.resolve("team", "plain").identity);
  EXPECT_TRUE(resolver.resolve("team", "plain").service_account_found);
  EXPECT_FALSE(resolver.resolve("team", "ghost").identity);
  EXPECT_FALSE(resolver.resolve("team", "ghost").service_account_found);
}

TEST(IdentityResolver, ComposeRoleArnCompletesBareNames) {
  auto source = accounts(kAccounts);
  ResolverOptions options;
  options.compose_role_arn = AccountInfo{"aws-cn", "123456789012"};
  IdentityResolver resolver(options, *source, nullptr, nullptr);
  EXPECT_EQ(resolver.resolve("team", "bad-values").identity->role_arn,
            "arn:aws-cn:iam::123456789012:role/bare-role");
  EXPECT_EQ(resolver.resolve("team", "annotated").identity->role_arn,
            "arn:aws:iam::111122223333:role/annotated");
}

TEST(IdentityResolver, ConfigMapPrecedence) {
  auto source = accounts(kAccounts);
  RoleMappingStore mappings;
  auto parsed = parseRoleMappings(R"({
    "team/plain": {"RoleARN": "arn:aws:iam::111122223333:role/exact", "audience": "cm-aud",
                   "useregionalsts": true, "TokenExpiration": 0},
    "*/plain": {"RoleARN": "arn:aws:iam::111122223333:role/wildcard"},
    "*/ghost": {"RoleARN": "arn:aws:iam::111122223333:role/ghost", "TokenExpiration": 7200},
    "team/annotated": {"RoleARN": "arn:aws:iam::111122223333:role/loses"},
    "no-slash": {"RoleARN": "x"}
  })");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->size(), 4u) << "key without '/' is skipped";
  mappings.replace(*parsed);
  IdentityResolver resolver({}, *source, &mappings, nullptr);

  const auto exact = resolver.resolve("team", "plain").identity;
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->role_arn, "arn:aws:iam::111122223333:role/exact");
  EXPECT_EQ(exact->audience, "cm-aud");
  EXPECT_TRUE(exact->regional_sts);
  EXPECT_FALSE(exact->token_expiration.has_value()) << "0 means the flag default";

  EXPECT_EQ(resolver.resolve("other", "plain").identity->role_arn,
            "arn:aws:iam::111122223333:role/wildcard");
  const auto ghost = resolver.resolve("anywhere", "ghost").identity;
  ASSERT_TRUE(ghost) << "a mapping applies even without a cached ServiceAccount";
  EXPECT_EQ(ghost->token_expiration, 7200);
  EXPECT_EQ(resolver.resolve("team", "annotated").identity->role_arn,
            "arn:aws:iam::111122223333:role/annotated");

  // Pod Identity reads only an exact-namespace entry (docs/behaviour.md §4).
  EXPECT_FALSE(mappings.find("team", "plain")->any_namespace);
  EXPECT_TRUE(mappings.find("other", "plain")->any_namespace);

  mappings.replace({});
  EXPECT_FALSE(resolver.resolve("team", "plain").identity) << "removed keys stop matching";
}

TEST(RoleMappings, BadDocumentsAreErrorsNamingTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{", "ConfigMap key config is not valid JSON"},
      {"[]", "ConfigMap key config must be a JSON object"},
      {R"({"a/b": 5})", R"(ConfigMap mapping "a/b" must be a JSON object)"},
      {R"({"a/b": {"RoleARN": 5}})", R"(ConfigMap mapping "a/b": RoleARN must be a string)"},
      {R"({"a/b": {"Audience": 5}})", R"(ConfigMap mapping "a/b": Audience must be a string)"},
      {R"({"a/b": {"UseRegionalSTS": "yes"}})",
       R"(ConfigMap mapping "a/b": UseRegionalSTS must be a boolean)"},
      {R"({"a/b": {"TokenExpiration": "1"}})",
       R"(ConfigMap mapping "a/b": TokenExpiration must be an integer)"},
  };
  for (const auto& [bad, message] : cases) {
    const Result<RoleMappings> parsed = parseRoleMappings(bad);
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(parsed.status().message(), message) << bad;
  }
  const Result<RoleMappings> empty = parseRoleMappings("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(IdentityResolver, PodIdentityFileWinsOverRoleArn) {
  auto source = accounts(kAccounts);
  const auto dir =
      std::filesystem::temp_directory_path() / ("irsa-pi-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "identities.json").string();
  std::ofstream(path) << R"({"identities":[{"namespace":"team","serviceAccount":"annotated"}]})";
  PodIdentityFile file(path);
  const Result<std::size_t> loaded = file.loadNow();
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(*loaded, 1u);
  IdentityResolver resolver({}, *source, nullptr, &file);
  const auto identity = resolver.resolve("team", "annotated").identity;
  ASSERT_TRUE(identity);
  EXPECT_EQ(identity->mode, mutate::IdentityMode::kPodIdentity);
  EXPECT_TRUE(identity->regional_sts) << "SA annotations still apply in Pod Identity mode";
  EXPECT_EQ(identity->token_expiration, 600);
  std::filesystem::remove_all(dir);
}

// Bug: the ServiceAccount parser read "+-5" as -5 (then 600) while the Pod parser, like Go's
// strconv.ParseInt, rejects it. Both now read a value the same way: an invalid one is "not set".
TEST(IdentityResolver, ExpirationAnnotationIsReadLikeGoParseInt) {
  const auto expirationOf = [](const std::string& value) {
    auto source = accounts(
        "kind: ServiceAccount\nmetadata: {name: sa, namespace: ns, annotations: "
        "{eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/r, "
        "eks.amazonaws.com/token-expiration: \"" +
        value + "\"}}\n");
    IdentityResolver resolver(ResolverOptions{}, *source, nullptr, nullptr);
    const Resolution r = resolver.resolve("ns", "sa");
    EXPECT_TRUE(r.identity.has_value()) << value;
    return r.identity ? r.identity->token_expiration : std::optional<std::int64_t>(-1);
  };
  EXPECT_EQ(expirationOf("+3600"), 3600);
  EXPECT_EQ(expirationOf("-5"), 600);
  for (const char* invalid : {"+-5", "-+5", "++5", " 3600", "3600 ", "0x10", "1h"}) {
    EXPECT_EQ(expirationOf(invalid), std::nullopt) << invalid;
  }
}

}  // namespace
}  // namespace irsa::identity
