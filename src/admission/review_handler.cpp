#include "irsa/admission/review_handler.h"

#include <nlohmann/json.hpp>

#include "admission/input_checks.h"
#include "irsa/json/base64.h"
#include "irsa/json/filtered_json.h"
#include "irsa/mutate/build_patch.h"

namespace irsa::admission {
namespace {

using nlohmann::json;

ReviewResponse reject(int status, std::string reason) {
  ReviewResponse response;
  response.http_status = status;
  response.content_type = "text/plain; charset=utf-8";
  response.body = std::move(reason) + "\n";
  response.outcome = Outcome::kRejected;
  return response;
}

// Reads an optional string field; a present field of another type is an error, reported
// by name so the sender can find it.
bool readString(const json& object, const char* key, const char* path, std::string& out,
                std::string& error) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return true;
  if (!it->is_string()) {
    error = std::string("AdmissionReview field ") + path + " must be a string";
    return false;
  }
  out = it->get<std::string>();
  return true;
}

bool readObject(const json& object, const char* key, const char* path, const json*& out,
                std::string& error) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return true;
  if (!it->is_object()) {
    error = std::string("AdmissionReview field ") + path + " must be an object";
    return false;
  }
  out = &*it;
  return true;
}

std::string stringAt(const json* object, const char* key) {
  if (object == nullptr) return {};
  const auto it = object->find(key);
  return it != object->end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Everything handle() reads; the rest of the review (most of the Pod) is validated but
// never built.
irsa::json::JsonFilter reviewFieldsRead(const mutate::MutationOptions& options) {
  using irsa::json::JsonFilter;
  JsonFilter request;
  request.member("uid").member("operation").member("subResource").member("namespace");
  request.member("kind", JsonFilter().member("group").member("kind"));
  request.member("object", mutate::podFieldsRead(options));
  JsonFilter review;
  review.member("apiVersion").member("kind").member("request", std::move(request));
  return review;
}

}  // namespace

ReviewHandler::ReviewHandler(mutate::MutationOptions options, IdentityLookup lookup,
                             mutate::RandomInt random_int, ReviewLimits limits)
    : options_(std::move(options)),
      lookup_(std::move(lookup)),
      random_int_(std::move(random_int)),
      limits_(limits),
      review_filter_(reviewFieldsRead(options_)) {}

ReviewResponse ReviewHandler::handle(std::string_view method, std::string_view content_type,
                                     std::string_view body) const {
  if (method != "POST")
    return reject(405, "method " + std::string(method) + " not allowed; use POST");
  if (!isJsonContentType(content_type)) {
    return reject(415, "unsupported content type \"" + std::string(content_type) +
                           "\"; expected application/json");
  }
  irsa::json::FilteredJson parsed =
      irsa::json::parseFiltered(body, review_filter_, limits_.max_nesting_depth);
  if (parsed.error) {
    if (parsed.error->kind == irsa::json::JsonParseError::Kind::kTooDeep) {
      return reject(400, "request body nests deeper than " +
                             std::to_string(limits_.max_nesting_depth) + " levels");
    }
    return reject(400, "request body is not valid JSON: " + parsed.error->message + " at byte " +
                           std::to_string(parsed.error->offset));
  }
  const json& review = parsed.value;
  if (!review.is_object()) return reject(400, "AdmissionReview must be a JSON object");

  std::string error;
  std::string api_version;
  std::string kind;
  if (!readString(review, "apiVersion", "apiVersion", api_version, error) ||
      !readString(review, "kind", "kind", kind, error)) {
    return reject(400, error);
  }
  if (api_version != "admission.k8s.io/v1" && api_version != "admission.k8s.io/v1beta1") {
    return reject(400, "unsupported AdmissionReview apiVersion \"" + api_version +
                           "\"; expected admission.k8s.io/v1 or admission.k8s.io/v1beta1");
  }
  if (kind != "AdmissionReview") {
    return reject(400, "unsupported kind \"" + kind + "\"; expected AdmissionReview");
  }
  const json* request = nullptr;
  if (!readObject(review, "request", "request", request, error)) return reject(400, error);
  if (request == nullptr) return reject(400, "AdmissionReview has no request");

  ReviewResponse response;
  std::string operation;
  std::string sub_resource;
  const json* request_kind = nullptr;
  const json* object = nullptr;
  if (!readString(*request, "uid", "request.uid", response.uid, error) ||
      !readString(*request, "operation", "request.operation", operation, error) ||
      !readString(*request, "subResource", "request.subResource", sub_resource, error) ||
      !readString(*request, "namespace", "request.namespace", response.namespace_name, error) ||
      !readObject(*request, "kind", "request.kind", request_kind, error) ||
      !readObject(*request, "object", "request.object", object, error)) {
    return reject(400, error);
  }
  if (response.uid.empty()) return reject(400, "AdmissionReview request.uid is missing");
  std::string kind_group;
  std::string kind_kind;
  if (request_kind != nullptr &&
      (!readString(*request_kind, "group", "request.kind.group", kind_group, error) ||
       !readString(*request_kind, "kind", "request.kind.kind", kind_kind, error))) {
    return reject(400, error);
  }

  // The response is written as text, in one buffer: it is a handful of strings around the
  // patch, and building it as a json value would copy the patch once more.
  std::string out;
  out.reserve(2048);
  out = R"({"apiVersion":)";
  irsa::json::appendJsonString(out, api_version);
  out += R"(,"kind":"AdmissionReview","response":{"uid":)";
  irsa::json::appendJsonString(out, response.uid);
  out += R"(,"allowed":true)";
  const bool is_pod_create =
      kind_group.empty() && kind_kind == "Pod" && sub_resource.empty() && operation == "CREATE";
  if (!is_pod_create) {
    response.outcome = Outcome::kIgnored;
  } else {
    if (object == nullptr) return reject(400, "Pod CREATE without request.object");
    const json* metadata = nullptr;
    const json* spec = nullptr;
    if (!readObject(*object, "metadata", "request.object.metadata", metadata, error) ||
        !readObject(*object, "spec", "request.object.spec", spec, error)) {
      return reject(400, error);
    }
    if (response.namespace_name.empty()) response.namespace_name = stringAt(metadata, "namespace");
    response.pod_name = stringAt(metadata, "name");
    if (response.pod_name.empty()) response.pod_name = stringAt(metadata, "generateName");
    response.service_account = stringAt(spec, "serviceAccountName");
    if (response.service_account.empty())
      response.service_account = stringAt(spec, "serviceAccount");
    if (response.service_account.empty()) response.service_account = "default";

    const LookupResult found = lookup_(response.namespace_name, response.service_account);
    response.service_account_found = found.service_account_found;
    response.outcome = Outcome::kUnchanged;
    if (found.identity) {
      response.has_identity = true;
      response.mode = found.identity->mode;
      mutate::MutationResult mutation =
          mutate::buildPatch(*object, *found.identity, options_, random_int_);
      if (!mutation.patch.empty()) {
        response.outcome = Outcome::kMutated;
        out += R"(,"patchType":"JSONPatch","patch":")";
        std::string patch_text;
        patch_text.reserve(1024);
        irsa::json::appendJson(patch_text, mutation.patch);
        irsa::json::appendBase64(out, patch_text);  // base64 needs no JSON escaping
        out += '"';
        if (!mutation.audit_annotations.empty()) {
          out += R"(,"auditAnnotations":{)";
          bool first = true;
          for (const auto& [key, value] : mutation.audit_annotations) {
            if (!first) out += ',';
            first = false;
            irsa::json::appendJsonString(out, key);
            out += ':';
            irsa::json::appendJsonString(out, value);
          }
          out += '}';
        }
      }
      if (!mutation.warnings.empty()) {
        out += R"(,"warnings":[)";
        for (std::size_t i = 0; i < mutation.warnings.size(); ++i) {
          if (i > 0) out += ',';
          irsa::json::appendJsonString(out, mutation.warnings[i]);
        }
        out += ']';
      }
    }
  }
  out += "}}";
  response.body = std::move(out);
  return response;
}

}  // namespace irsa::admission
