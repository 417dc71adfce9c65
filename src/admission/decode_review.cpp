// Stage 1: bytes -> Request. Every field the webhook reads is type-checked and a wrong type
// is reported by its path, so the sender can find it (docs/behaviour.md §5).

#include <string>

#include "irsa/admission/review.h"
#include "irsa/json/filtered_json.h"
#include "irsa/status/status.h"

namespace irsa::admission {
namespace {

using nlohmann::json;

// An optional string field: empty when absent or null, an error when of another type.
Result<std::string_view> stringField(const json& object, const char* key, const char* path) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::string_view();
  if (!it->is_string())
    return invalidArgument(std::string("AdmissionReview field ") + path + " must be a string");
  return std::string_view(*it->get_ptr<const std::string*>());
}

// An optional object field: null when absent or null, an error when of another type.
Result<const json*> objectField(const json& object, const char* key, const char* path) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return static_cast<const json*>(nullptr);
  if (!it->is_object())
    return invalidArgument(std::string("AdmissionReview field ") + path + " must be an object");
  return &*it;
}

std::string_view stringAt(const json* object, const char* key) {
  if (object == nullptr) return {};
  const auto it = object->find(key);
  return it != object->end() && it->is_string() ? *it->get_ptr<const std::string*>()
                                                : std::string_view();
}

Status parseError(const irsa::json::JsonParseError& error, std::size_t max_depth) {
  if (error.kind == irsa::json::JsonParseError::Kind::kTooDeep)
    return invalidArgument("request body nests deeper than " + std::to_string(max_depth) +
                           " levels");
  return invalidArgument("request body is not valid JSON: " + error.message + " at byte " +
                         std::to_string(error.offset));
}

struct Envelope {
  std::string api_version;
  const json* request = nullptr;
};

// apiVersion, kind and the request object of the review.
Result<Envelope> decodeEnvelope(const json& review) {
  if (!review.is_object()) return invalidArgument("AdmissionReview must be a JSON object");
  const auto version = stringField(review, "apiVersion", "apiVersion");
  if (!version.ok()) return version.status();
  const auto kind = stringField(review, "kind", "kind");
  if (!kind.ok()) return kind.status();
  Envelope envelope{std::string(*version), nullptr};
  const std::string& api_version = envelope.api_version;
  if (api_version != "admission.k8s.io/v1" && api_version != "admission.k8s.io/v1beta1") {
    return invalidArgument("unsupported AdmissionReview apiVersion \"" + api_version +
                           "\"; expected admission.k8s.io/v1 or admission.k8s.io/v1beta1");
  }
  if (*kind != "AdmissionReview")
    return invalidArgument("unsupported kind \"" + std::string(*kind) +
                           "\"; expected AdmissionReview");
  const auto request = objectField(review, "request", "request");
  if (!request.ok()) return request.status();
  if (*request == nullptr) return invalidArgument("AdmissionReview has no request");
  envelope.request = *request;
  return envelope;
}

// The fields of request.object the Pod CREATE path reads before the rules do.
Status decodePod(const json* object, std::string_view request_namespace, Request& request) {
  if (object == nullptr) return invalidArgument("Pod CREATE without request.object");
  const auto metadata = objectField(*object, "metadata", "request.object.metadata");
  if (!metadata.ok()) return metadata.status();
  const auto spec = objectField(*object, "spec", "request.object.spec");
  if (!spec.ok()) return spec.status();
  std::string_view name = stringAt(*metadata, "name");
  if (name.empty()) name = stringAt(*metadata, "generateName");
  request.pod_name = std::string(name);
  request.service_account = mutate::serviceAccountOf(*object, request_namespace);
  return okStatus();
}

// request.*: uid, operation, subResource, namespace, kind and, for a Pod CREATE, the Pod.
Result<Request> decodeRequest(const json& request) {
  const auto uid = stringField(request, "uid", "request.uid");
  if (!uid.ok()) return uid.status();
  const auto operation = stringField(request, "operation", "request.operation");
  if (!operation.ok()) return operation.status();
  const auto sub_resource = stringField(request, "subResource", "request.subResource");
  if (!sub_resource.ok()) return sub_resource.status();
  const auto request_namespace = stringField(request, "namespace", "request.namespace");
  if (!request_namespace.ok()) return request_namespace.status();
  const auto kind = objectField(request, "kind", "request.kind");
  if (!kind.ok()) return kind.status();
  const auto object = objectField(request, "object", "request.object");
  if (!object.ok()) return object.status();
  if (uid->empty()) return invalidArgument("AdmissionReview request.uid is missing");
  Request out;
  out.uid = std::string(*uid);
  std::string_view kind_group;
  std::string_view kind_kind;
  if (*kind != nullptr) {
    const auto group = stringField(**kind, "group", "request.kind.group");
    if (!group.ok()) return group.status();
    const auto kind_name = stringField(**kind, "kind", "request.kind.kind");
    if (!kind_name.ok()) return kind_name.status();
    kind_group = *group;
    kind_kind = *kind_name;
  }
  out.pod_create = mutate::isPodCreate(kind_group, kind_kind, *sub_resource, *operation);
  out.service_account.namespace_name = std::string(*request_namespace);  // for the log line
  if (out.pod_create) {
    if (Status status = decodePod(*object, *request_namespace, out); !status.ok()) return status;
  }
  return out;
}

}  // namespace

ReviewFormat::ReviewFormat(const mutate::MutationOptions& options, ReviewLimits limits)
    : max_nesting_depth(limits.max_nesting_depth) {
  using irsa::json::JsonFilter;
  // Everything decode and the rules read; the rest of the review (most of the Pod) is
  // validated but never built.
  JsonFilter request;
  request.member("uid").member("operation").member("subResource").member("namespace");
  request.member("kind", JsonFilter().member("group").member("kind"));
  request.member("object", mutate::podFieldsRead(options));
  fields_read.member("apiVersion").member("kind").member("request", std::move(request));
}

Result<Request> decodeReview(std::string_view body, const ReviewFormat& format) {
  irsa::json::FilteredJson parsed =
      irsa::json::parseFiltered(body, format.fields_read, format.max_nesting_depth);
  if (parsed.error) return parseError(*parsed.error, format.max_nesting_depth);
  Result<Envelope> envelope = decodeEnvelope(parsed.value);
  if (!envelope.ok()) return envelope.status();
  Result<Request> request = decodeRequest(*envelope->request);
  if (!request.ok()) return request;
  request->api_version = std::move(envelope->api_version);
  // The rules keep reading the Pod after the review is gone: move it out, do not copy.
  if (request->pod_create) request->pod = std::move(parsed.value["request"]["object"]);
  return request;
}

}  // namespace irsa::admission
