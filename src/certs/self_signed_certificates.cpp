#include "irsa/certs/self_signed_certificates.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "irsa/certs/generate.h"
#include "irsa/concurrency/clock.h"
#include "irsa/concurrency/exception_barrier.h"
#include "irsa/json/base64.h"

namespace irsa::certs {
namespace {

using nlohmann::json;

std::optional<WebhookCertificates> fromSecret(const json& secret) {
  const auto data = secret.find("data");
  if (data == secret.end() || !data->is_object()) return std::nullopt;
  auto field = [&](const char* key) {
    const auto it = data->find(key);
    return it != data->end() && it->is_string()
               ? irsa::json::base64Decode(it->get<std::string>()).value_or("")
               : std::string();
  };
  WebhookCertificates certificates{{field("ca.crt"), field("ca.key")},
                                   {field("tls.crt"), field("tls.key")}};
  if (certificates.ca.certificate.empty() || certificates.serving.certificate.empty())
    return std::nullopt;
  return certificates;
}

json secretData(const WebhookCertificates& certificates) {
  return {{"ca.crt", irsa::json::base64Encode(certificates.ca.certificate)},
          {"ca.key", irsa::json::base64Encode(certificates.ca.private_key)},
          {"tls.crt", irsa::json::base64Encode(certificates.serving.certificate)},
          {"tls.key", irsa::json::base64Encode(certificates.serving.private_key)}};
}

// Write-then-rename so the certificate store never reads half a file. Unchanged content is
// not rewritten, so the periodic check does not trigger a reload every minute.
bool writeAtomically(const std::string& path, const std::string& content) {
  {
    std::ifstream existing(path, std::ios::binary);
    if (existing) {
      const std::string current((std::istreambuf_iterator<char>(existing)),
                                std::istreambuf_iterator<char>());
      if (current == content) return true;
    }
  }
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) return false;
  }
  std::error_code error;
  std::filesystem::permissions(
      temporary, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, error);
  std::filesystem::rename(temporary, path, error);
  return !error;
}

}  // namespace

SelfSignedCertificates::SelfSignedCertificates(kube::ApiClient& client, SelfSignedOptions options)
    : client_(client), options_(std::move(options)) {}

SelfSignedCertificates::~SelfSignedCertificates() {
  stop();
}

Status SelfSignedCertificates::reconcile() {
  const Result<WebhookCertificates> certificates = sharedCertificates();
  if (!certificates.ok()) return certificates.status();
  if (!writeAtomically(options_.key_file, certificates->serving.private_key) ||
      !writeAtomically(options_.certificate_file, certificates->serving.certificate)) {
    return unavailable("cannot write " + options_.certificate_file);
  }
  if (Status updated = updateCaBundle(certificates->ca.certificate); !updated.ok()) {
    return updated;
  }
  ready_ = true;
  return okStatus();
}

Result<WebhookCertificates> SelfSignedCertificates::sharedCertificates() {
  const std::vector<std::string> names =
      serviceDnsNames(options_.service_name, options_.namespace_name);
  const std::string secret_path =
      "/api/v1/namespaces/" + options_.namespace_name + "/secrets/" + options_.secret_name;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const kube::ApiResponse existing = client_.get(secret_path);
    if (existing.status != 200 && existing.status != 404) {
      return unavailable(
          "reading Secret " + options_.secret_name + ": " +
          (existing.status == 0 ? existing.error : "HTTP " + std::to_string(existing.status)));
    }
    json secret = existing.status == 200 ? json::parse(existing.body, nullptr, false) : json();
    if (existing.status == 200 && !secret.is_discarded()) {
      auto stored = fromSecret(secret);
      if (stored && checkWebhookCertificates(*stored, names, std::chrono::system_clock::now(),
                                             options_.renew_before)
                        .empty()) {
        return std::move(*stored);
      }
    }
    GenerateResult generated =
        generateWebhookCertificates(names, std::chrono::system_clock::now(), options_.validity);
    if (!generated.certificates) return internalError(generated.error);
    const kube::ApiResponse written =
        writeSecret(existing.status == 404, secret, *generated.certificates, secret_path);
    if (written.status == 409) continue;  // another replica won the race: read its pair
    if (!written.ok()) {
      return unavailable(
          "writing Secret " + options_.secret_name + ": " +
          (written.status == 0 ? written.error : "HTTP " + std::to_string(written.status)));
    }
    spdlog::info("created certificates for {} in Secret {}/{}", names.front(),
                 options_.namespace_name, options_.secret_name);
    return std::move(*generated.certificates);
  }
  return unavailable("Secret " + options_.secret_name + " kept changing under us");
}

kube::ApiResponse SelfSignedCertificates::writeSecret(bool create, json& secret,
                                                      const WebhookCertificates& certificates,
                                                      const std::string& secret_path) {
  if (create) {
    const json body = {
        {"apiVersion", "v1"},
        {"kind", "Secret"},
        {"type", "Opaque"},
        {"metadata", {{"name", options_.secret_name}, {"namespace", options_.namespace_name}}},
        {"data", secretData(certificates)}};
    return client_.request("POST", "/api/v1/namespaces/" + options_.namespace_name + "/secrets",
                           body.dump());
  }
  // resourceVersion makes this a compare-and-swap: a replica that renewed first wins.
  secret["data"] = secretData(certificates);
  return client_.request("PUT", secret_path, secret.dump());
}

Status SelfSignedCertificates::updateCaBundle(const std::string& ca_certificate) {
  const std::string config_path =
      "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/" +
      options_.webhook_config_name;
  const kube::ApiResponse config = client_.get(config_path);
  if (!config.ok()) {
    return unavailable(
        "reading MutatingWebhookConfiguration " + options_.webhook_config_name + ": " +
        (config.status == 0 ? config.error : "HTTP " + std::to_string(config.status)));
  }
  const json webhook_config = json::parse(config.body, nullptr, false);
  const std::string ca_bundle = irsa::json::base64Encode(ca_certificate);
  json patch = json::array();
  if (!webhook_config.is_discarded() && webhook_config.contains("webhooks") &&
      webhook_config["webhooks"].is_array()) {
    for (std::size_t i = 0; i < webhook_config["webhooks"].size(); ++i) {
      const json& client_config =
          webhook_config["webhooks"][i].value("clientConfig", json::object());
      if (client_config.value("caBundle", "") != ca_bundle) {
        patch.push_back({{"op", "add"},
                         {"path", "/webhooks/" + std::to_string(i) + "/clientConfig/caBundle"},
                         {"value", ca_bundle}});
      }
    }
  }
  if (!patch.empty()) {
    const kube::ApiResponse patched =
        client_.request("PATCH", config_path, patch.dump(), "application/json-patch+json");
    if (!patched.ok()) {
      return unavailable(
          "updating caBundle of " + options_.webhook_config_name + ": " +
          (patched.status == 0 ? patched.error : "HTTP " + std::to_string(patched.status)));
    }
    spdlog::info("caBundle of MutatingWebhookConfiguration {} updated",
                 options_.webhook_config_name);
  }
  return okStatus();
}

void SelfSignedCertificates::start() {
  thread_ =
      concurrency::StoppableThread("built-in certificates", [this](const std::stop_token& stop) {
        do {
          // Each pass behind the barrier: one failing pass (an API server that answers garbage)
          // must not end the renewals.
          Status pass = okStatus();
          const Status guarded =
              concurrency::runGuarded("built-in certificates", [&] { pass = reconcile(); });
          if (!guarded.ok()) pass = guarded;
          if (!pass.ok()) spdlog::error("built-in certificates: {}", pass.message());
          const std::chrono::milliseconds wait =
              pass.ok()
                  ? std::chrono::duration_cast<std::chrono::milliseconds>(options_.check_interval)
                  : std::chrono::milliseconds(5000);
          if (!concurrency::systemClock().sleepFor(stop, wait)) return;
        } while (true);
      });
}

void SelfSignedCertificates::stop() {
  thread_.stop();
}

}  // namespace irsa::certs
