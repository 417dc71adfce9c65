#include "irsa/admission/review_handler.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "irsa/json/base64.h"

namespace irsa::admission {
namespace {

using nlohmann::json;

json podReview(const std::string& api_version = "admission.k8s.io/v1") {
  json review = json::parse(R"({
    "kind": "AdmissionReview",
    "request": {
      "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
      "kind": {"group": "", "version": "v1", "kind": "Pod"},
      "resource": {"group": "", "version": "v1", "resource": "pods"},
      "namespace": "team-a",
      "operation": "CREATE",
      "object": {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"generateName": "web-"},
        "spec": {"serviceAccountName": "app", "containers": [{"name": "web", "image": "nginx"}]}
      }
    }
  })");
  review["apiVersion"] = api_version;
  return review;
}

class ReviewHandlerTest : public ::testing::Test {
 protected:
  ReviewHandler makeHandler(std::string role = "arn:aws:iam::111122223333:role/app") {
    return ReviewHandler(
        mutate::MutationOptions{},
        [this, role](const std::string& ns, const std::string& sa) {
          looked_up_namespace = ns;
          looked_up_service_account = sa;
          LookupResult result;
          if (sa == "app") {
            mutate::Identity identity;
            identity.role_arn = role;
            identity.audience = "sts.amazonaws.com";
            result.identity = identity;
          }
          result.service_account_found = sa != "missing";
          return result;
        },
        [](std::int64_t, std::int64_t high) { return high; });
  }

  ReviewResult post(const json& review) { return makeHandler().handle(review.dump()); }

  std::string looked_up_namespace;
  std::string looked_up_service_account;
};

TEST_F(ReviewHandlerTest, V1PodCreateGetsABase64JsonPatch) {
  const ReviewResult response = post(podReview());
  ASSERT_NE(response.outcome, Outcome::kRejected) << response.reason;
  EXPECT_EQ(response.outcome, Outcome::kMutated);
  EXPECT_EQ(looked_up_namespace, "team-a");
  EXPECT_EQ(looked_up_service_account, "app");
  EXPECT_EQ(response.pod_name, "web-");
  const json body = json::parse(response.body);
  EXPECT_EQ(body["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(body["kind"], "AdmissionReview");
  EXPECT_EQ(body["response"]["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
  EXPECT_EQ(body["response"]["allowed"], true);
  EXPECT_EQ(body["response"]["patchType"], "JSONPatch");
  EXPECT_EQ(body["response"]["auditAnnotations"]["mode"], "web-identity");
  EXPECT_EQ(body["response"]["auditAnnotations"]["role-arn"], "arn:aws:iam::111122223333:role/app");
  EXPECT_FALSE(body["response"].contains("warnings"));
  const json patch =
      json::parse(irsa::json::base64Decode(body["response"]["patch"].get<std::string>())
                      .value_or("<bad base64>"));
  const json pod = podReview()["request"]["object"].patch(patch);
  EXPECT_EQ(pod["spec"]["containers"][0]["env"][0]["name"], "AWS_ROLE_ARN");
  EXPECT_EQ(pod["spec"]["volumes"][0]["name"], "aws-iam-token");
}

TEST_F(ReviewHandlerTest, V1beta1IsEchoed) {
  const ReviewResult response = post(podReview("admission.k8s.io/v1beta1"));
  ASSERT_NE(response.outcome, Outcome::kRejected);
  EXPECT_EQ(json::parse(response.body)["apiVersion"], "admission.k8s.io/v1beta1");
}

TEST_F(ReviewHandlerTest, InvalidRoleArnIsInjectedWithAWarning) {
  const ReviewResult response = makeHandler("not-an-arn").handle(podReview().dump());
  const json body = json::parse(response.body);
  EXPECT_EQ(body["response"]["patchType"], "JSONPatch");
  ASSERT_TRUE(body["response"]["warnings"].is_array());
  EXPECT_NE(body["response"]["warnings"][0].get<std::string>().find("not-an-arn"),
            std::string::npos);
}

TEST_F(ReviewHandlerTest, ServiceAccountDefaultsAndFallbacks) {
  json review = podReview();
  review["request"]["object"]["spec"].erase("serviceAccountName");
  post(review);
  EXPECT_EQ(looked_up_service_account, "default");
  review["request"]["object"]["spec"]["serviceAccount"] = "legacy";
  post(review);
  EXPECT_EQ(looked_up_service_account, "legacy");
  review["request"].erase("namespace");
  review["request"]["object"]["metadata"]["namespace"] = "from-object";
  post(review);
  EXPECT_EQ(looked_up_namespace, "from-object");
}

TEST_F(ReviewHandlerTest, UnannotatedServiceAccountIsAllowedWithoutPatch) {
  json review = podReview();
  review["request"]["object"]["spec"]["serviceAccountName"] = "missing";
  const ReviewResult response = post(review);
  EXPECT_EQ(response.outcome, Outcome::kUnchanged);
  EXPECT_FALSE(response.service_account_found);
  const json body = json::parse(response.body);
  EXPECT_EQ(body["response"]["allowed"], true);
  EXPECT_FALSE(body["response"].contains("patch"));
  EXPECT_FALSE(body["response"].contains("patchType"));
}

TEST_F(ReviewHandlerTest, NonPodCreateRequestsAreAllowedUnchanged) {
  std::vector<json> reviews;
  json update = podReview();
  update["request"]["operation"] = "UPDATE";
  reviews.push_back(update);
  json sub_resource = podReview();
  sub_resource["request"]["subResource"] = "ephemeralcontainers";
  reviews.push_back(sub_resource);
  json other_kind = podReview();
  other_kind["request"]["kind"] = {{"group", "apps"}, {"version", "v1"}, {"kind", "Deployment"}};
  reviews.push_back(other_kind);
  json other_group_pod = podReview();
  other_group_pod["request"]["kind"]["group"] = "example.com";
  reviews.push_back(other_group_pod);
  for (const json& review : reviews) {
    looked_up_service_account.clear();
    const ReviewResult response = post(review);
    ASSERT_NE(response.outcome, Outcome::kRejected) << review.dump();
    EXPECT_EQ(response.outcome, Outcome::kIgnored);
    const json body = json::parse(response.body);
    EXPECT_EQ(body["response"]["allowed"], true);
    EXPECT_EQ(body["response"]["uid"], review["request"]["uid"]);
    EXPECT_FALSE(body["response"].contains("patch"));
    EXPECT_EQ(looked_up_service_account, "") << "no lookup for requests that are not Pod CREATE";
  }
}

TEST_F(ReviewHandlerTest, MalformedBodiesAre400WithOneLineReason) {
  const std::vector<std::string> bodies = {
      "",
      "{",
      "not json",
      "[]",
      "null",
      "42",
      R"({"apiVersion":"admission.k8s.io/v1"})",
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"})",
      R"({"apiVersion":"admission.k8s.io/v2","kind":"AdmissionReview","request":{"uid":"x"}})",
      R"({"apiVersion":"admission.k8s.io/v1","kind":"Other","request":{"uid":"x"}})",
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}})",
      "{\"a\":\"\xff\xfe\"}",
  };
  for (const std::string& body : bodies) {
    const ReviewResult response = makeHandler().handle(body);
    EXPECT_EQ(response.outcome, Outcome::kRejected) << body;
    EXPECT_FALSE(response.reason.empty()) << body;
    EXPECT_EQ(response.reason.find('\n'), std::string::npos) << "one line: " << response.reason;
  }
}

TEST_F(ReviewHandlerTest, ErrorsInPartsOfThePodNobodyReadsAreStillRejected) {
  // The Pod is parsed through a filter; what it drops must still be valid JSON.
  json review = podReview();
  review["request"]["object"]["spec"]["containers"][0]["image"] = "IMAGE";
  std::string body = review.dump();
  body.replace(body.find("\"IMAGE\""), 7, "\"\\q\"");
  const ReviewResult response = makeHandler().handle(body);
  EXPECT_EQ(response.outcome, Outcome::kRejected);
  EXPECT_EQ(
      response.reason.rfind("request body is not valid JSON: invalid escape in string at byte ", 0),
      0u)
      << response.reason;
}

TEST_F(ReviewHandlerTest, FieldsTheRulesDoNotReadDoNotChangeThePatch) {
  json plain = podReview();
  json busy = podReview();
  json& container = busy["request"]["object"]["spec"]["containers"][0];
  container["image"] = "registry.example.com/app:v1";
  container["ports"] = json::array({{{"containerPort", 8080}, {"protocol", "TCP"}}});
  container["resources"] = {{"limits", {{"cpu", 1.5}, {"memory", "1Gi"}}}};
  busy["request"]["object"]["metadata"]["annotations"] = {
      {"example.com/blob", std::string(100000, 'x')}};
  busy["request"]["object"]["metadata"]["managedFields"] = json::array({{{"manager", "kubectl"}}});
  const ReviewResult a = post(plain);
  const ReviewResult b = post(busy);
  ASSERT_NE(a.outcome, Outcome::kRejected);
  ASSERT_NE(b.outcome, Outcome::kRejected);
  EXPECT_EQ(json::parse(a.body), json::parse(b.body));
}

TEST_F(ReviewHandlerTest, WrongTypesInEveryReadFieldAre400) {
  const std::vector<std::pair<std::string, json>> cases = {
      {"/apiVersion", 1},
      {"/kind", json::array()},
      {"/request", "x"},
      {"/request/uid", 5},
      {"/request/operation", true},
      {"/request/subResource", 1.5},
      {"/request/namespace", json::object()},
      {"/request/kind", "Pod"},
      {"/request/kind/kind", 1},
      {"/request/kind/group", 1},
      {"/request/object", "pod"},
      {"/request/object/metadata", json::array()},
      {"/request/object/spec", 7},
  };
  for (const auto& [pointer, value] : cases) {
    json review = podReview();
    review[json::json_pointer(pointer)] = value;
    const ReviewResult response = post(review);
    EXPECT_EQ(response.outcome, Outcome::kRejected) << pointer;
    const std::string field = pointer.substr(1);
    EXPECT_NE(
        response.reason.find(field == "request/uid" ? "uid" : field.substr(field.rfind('/') + 1)),
        std::string::npos)
        << "reason names the field: " << response.reason;
  }
}

TEST_F(ReviewHandlerTest, OddPodShapesInsideTheObjectDoNotBreakAnything) {
  json review = podReview();
  review["request"]["object"]["spec"]["containers"] = "nope";
  review["request"]["object"]["spec"]["serviceAccountName"] = 5;
  const ReviewResult response = post(review);
  EXPECT_NE(response.outcome, Outcome::kRejected) << response.reason;
  EXPECT_EQ(looked_up_service_account, "default");
}

TEST_F(ReviewHandlerTest, DeepNestingIsRefusedWithoutRecursion) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const ReviewResult response = makeHandler().handle(deep);
  EXPECT_EQ(response.outcome, Outcome::kRejected);
  EXPECT_NE(response.reason.find("nests deeper"), std::string::npos);
  json review = podReview();
  review["request"]["object"]["metadata"]["annotations"] = {{"x", std::string(1000, '[')}};
  EXPECT_NE(post(review).outcome, Outcome::kRejected) << "brackets inside strings do not count";
}

TEST(InputChecks, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(irsa::json::base64Encode(""), "");
  EXPECT_EQ(irsa::json::base64Encode("f"), "Zg==");
  EXPECT_EQ(irsa::json::base64Encode("fo"), "Zm8=");
  EXPECT_EQ(irsa::json::base64Encode("foo"), "Zm9v");
  EXPECT_EQ(irsa::json::base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(irsa::json::base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(irsa::json::base64Encode("foobar"), "Zm9vYmFy");
  const std::string binary("\xff\x00\x10z", 4);
  EXPECT_EQ(irsa::json::base64Decode(irsa::json::base64Encode(binary)), binary);
  EXPECT_EQ(irsa::json::base64Decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(irsa::json::base64Decode("Zm9v\nYmFy"), "foobar") << "line breaks are skipped";
  EXPECT_FALSE(irsa::json::base64Decode("Zm9v!").has_value());
}

}  // namespace
}  // namespace irsa::admission
