#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace irsa::certs {

// A certificate and its private key, both PEM encoded.
struct PemPair {
  std::string certificate;
  std::string private_key;
};

// What the built-in certificate mode stores in its Secret: a CA whose certificate
// becomes the webhook configuration's caBundle, and a serving certificate it signed.
struct WebhookCertificates {
  PemPair ca;
  PemPair serving;
};

struct GenerateResult {
  std::optional<WebhookCertificates> certificates;
  std::string error;  // set when certificates is empty
};

// Creates a fresh ECDSA P-256 CA and a serving certificate for `dns_names` (the first
// one is also the subject CN), both valid from `now` - 5 min (clock skew) for `validity`.
GenerateResult generateWebhookCertificates(const std::vector<std::string>& dns_names,
                                           std::chrono::system_clock::time_point now,
                                           std::chrono::seconds validity);

// The notAfter time of the first certificate in `pem`; empty when it does not parse.
std::optional<std::chrono::system_clock::time_point> certificateNotAfter(const std::string& pem);

// Why a stored pair cannot be used as is (empty string: usable). Checks that both parse,
// the key matches the certificate, the CA signed it, every DNS name is covered and it is
// not within `renew_before` of expiry.
std::string checkWebhookCertificates(const WebhookCertificates& certificates,
                                     const std::vector<std::string>& dns_names,
                                     std::chrono::system_clock::time_point now,
                                     std::chrono::seconds renew_before);

// DNS names a Service is reached by from inside the cluster.
std::vector<std::string> serviceDnsNames(const std::string& service,
                                         const std::string& namespace_name);

}  // namespace irsa::certs
