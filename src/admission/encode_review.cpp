// Stage 3: Decision -> bytes.

#include "irsa/admission/review.h"
#include "irsa/json/base64.h"
#include "irsa/json/filtered_json.h"

namespace irsa::admission {
namespace {

void appendPatch(std::string& out, const mutate::MutationResult& mutation) {
  out += R"(,"patchType":"JSONPatch","patch":")";
  std::string patch_text;
  patch_text.reserve(1024);
  irsa::json::appendJson(patch_text, mutation.patch);
  irsa::json::appendBase64(out, patch_text);  // base64 needs no JSON escaping
  out += '"';
  if (mutation.audit_annotations.empty()) return;
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

void appendWarnings(std::string& out, const std::vector<std::string>& warnings) {
  out += R"(,"warnings":[)";
  for (std::size_t i = 0; i < warnings.size(); ++i) {
    if (i > 0) out += ',';
    irsa::json::appendJsonString(out, warnings[i]);
  }
  out += ']';
}

}  // namespace

// Written as text, in one buffer: the response is a handful of strings around the patch,
// and building it as a json value would copy the patch once more.
std::string encodeReview(const Decision& decision) {
  std::string out;
  out.reserve(2048);
  out = R"({"apiVersion":)";
  irsa::json::appendJsonString(out, decision.api_version);
  out += R"(,"kind":"AdmissionReview","response":{"uid":)";
  irsa::json::appendJsonString(out, decision.uid);
  out += R"(,"allowed":true)";
  if (!decision.mutation.patch.empty()) appendPatch(out, decision.mutation);
  if (!decision.mutation.warnings.empty()) appendWarnings(out, decision.mutation.warnings);
  out += "}}";
  return out;
}

}  // namespace irsa::admission
