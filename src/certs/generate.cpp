#include "irsa/certs/generate.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <ctime>

#include "irsa/openssl/handles.h"
#include "irsa/openssl/pem.h"

namespace irsa::certs {
namespace {

using openssl::BignumPtr;
using openssl::BioPtr;
using openssl::parseCertificatePem;
using openssl::parsePrivateKeyPem;
using openssl::PkeyPtr;
using openssl::X509ExtensionPtr;
using openssl::X509Ptr;

// Certificates are back-dated so that a node whose clock is slightly behind the one that
// issued them still accepts them.
constexpr std::chrono::minutes kClockSkewAllowance{5};

std::string lastOpenSslError(const std::string& what) {
  const unsigned long code = ERR_get_error();
  if (code == 0) return what;
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  ERR_clear_error();
  return what + ": " + buffer;
}

std::string toPem(X509* certificate) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), certificate) != 1) return {};
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string toPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return {};
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

bool addExtension(X509* certificate, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
  return extension && X509_add_ext(certificate, extension.get(), -1) == 1;
}

// A random positive 127-bit serial, as RFC 5280 asks for unpredictable serials.
bool setRandomSerial(X509* certificate) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return false;
  bytes[0] &= 0x7f;
  const BignumPtr number(BN_bin2bn(bytes, sizeof bytes, nullptr));
  return number && BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(certificate)) != nullptr;
}

X509Ptr newCertificate(EVP_PKEY* subject_key, const std::string& common_name,
                       std::chrono::system_clock::time_point now, std::chrono::seconds validity) {
  X509Ptr certificate(X509_new());
  if (!certificate) return nullptr;
  std::time_t not_before = std::chrono::system_clock::to_time_t(now - kClockSkewAllowance);
  std::time_t not_after = std::chrono::system_clock::to_time_t(now + validity);
  X509_NAME* name = X509_get_subject_name(certificate.get());
  const bool ok =
      X509_set_version(certificate.get(), 2) == 1 && setRandomSerial(certificate.get()) &&
      X509_time_adj_ex(X509_getm_notBefore(certificate.get()), 0, 0, &not_before) != nullptr &&
      X509_time_adj_ex(X509_getm_notAfter(certificate.get()), 0, 0, &not_after) != nullptr &&
      X509_set_pubkey(certificate.get(), subject_key) == 1 &&
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                 -1, 0) == 1;
  return ok ? std::move(certificate) : nullptr;
}

}  // namespace

GenerateResult generateWebhookCertificates(const std::vector<std::string>& dns_names,
                                           std::chrono::system_clock::time_point now,
                                           std::chrono::seconds validity) {
  if (dns_names.empty()) return {std::nullopt, "no DNS names for the serving certificate"};

  PkeyPtr ca_key(EVP_EC_gen("P-256"));
  PkeyPtr serving_key(EVP_EC_gen("P-256"));
  if (!ca_key || !serving_key) return {std::nullopt, lastOpenSslError("generating EC keys")};

  // The CA outlives one serving certificate so a renewal of the serving certificate alone
  // would not need a caBundle change; we still renew both together for simplicity.
  X509Ptr ca = newCertificate(ca_key.get(), "irsa-webhook-ca", now, validity);
  if (!ca) return {std::nullopt, lastOpenSslError("creating the CA certificate")};
  if (X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get())) != 1 ||
      !addExtension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
      !addExtension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !addExtension(ca.get(), ca.get(), NID_subject_key_identifier, "hash") ||
      X509_sign(ca.get(), ca_key.get(), EVP_sha256()) == 0) {
    return {std::nullopt, lastOpenSslError("signing the CA certificate")};
  }

  X509Ptr serving = newCertificate(serving_key.get(), dns_names.front(), now, validity);
  if (!serving) return {std::nullopt, lastOpenSslError("creating the serving certificate")};
  std::string san;
  for (const std::string& dns_name : dns_names) {
    san += (san.empty() ? "DNS:" : ",DNS:") + dns_name;
  }
  if (X509_set_issuer_name(serving.get(), X509_get_subject_name(ca.get())) != 1 ||
      !addExtension(serving.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !addExtension(serving.get(), ca.get(), NID_key_usage, "critical,digitalSignature") ||
      !addExtension(serving.get(), ca.get(), NID_ext_key_usage, "serverAuth") ||
      !addExtension(serving.get(), ca.get(), NID_subject_alt_name, san) ||
      !addExtension(serving.get(), ca.get(), NID_authority_key_identifier, "keyid:always") ||
      X509_sign(serving.get(), ca_key.get(), EVP_sha256()) == 0) {
    return {std::nullopt, lastOpenSslError("signing the serving certificate")};
  }

  WebhookCertificates result{{toPem(ca.get()), toPem(ca_key.get())},
                             {toPem(serving.get()), toPem(serving_key.get())}};
  if (result.ca.certificate.empty() || result.ca.private_key.empty() ||
      result.serving.certificate.empty() || result.serving.private_key.empty()) {
    return {std::nullopt, lastOpenSslError("encoding certificates as PEM")};
  }
  return {std::move(result), {}};
}

std::optional<std::chrono::system_clock::time_point> certificateNotAfter(const std::string& pem) {
  X509Ptr certificate = parseCertificatePem(pem);
  if (!certificate) return std::nullopt;
  std::tm parsed{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(certificate.get()), &parsed) != 1) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&parsed));
}

std::string checkWebhookCertificates(const WebhookCertificates& certificates,
                                     const std::vector<std::string>& dns_names,
                                     std::chrono::system_clock::time_point now,
                                     std::chrono::seconds renew_before) {
  X509Ptr ca = parseCertificatePem(certificates.ca.certificate);
  X509Ptr serving = parseCertificatePem(certificates.serving.certificate);
  PkeyPtr serving_key = parsePrivateKeyPem(certificates.serving.private_key);
  ERR_clear_error();
  if (!ca) return "CA certificate does not parse";
  if (!serving) return "serving certificate does not parse";
  if (!serving_key) return "serving private key does not parse";
  if (X509_check_private_key(serving.get(), serving_key.get()) != 1) {
    ERR_clear_error();
    return "serving private key does not match the certificate";
  }
  PkeyPtr ca_public_key(X509_get_pubkey(ca.get()));
  if (!ca_public_key || X509_verify(serving.get(), ca_public_key.get()) != 1) {
    ERR_clear_error();
    return "serving certificate is not signed by the CA";
  }
  for (const std::string& dns_name : dns_names) {
    if (X509_check_host(serving.get(), dns_name.c_str(), dns_name.size(), 0, nullptr) != 1) {
      return "serving certificate does not cover " + dns_name;
    }
  }
  const auto serving_expiry = certificateNotAfter(certificates.serving.certificate);
  const auto ca_expiry = certificateNotAfter(certificates.ca.certificate);
  if (!serving_expiry || !ca_expiry) return "certificate validity does not parse";
  const auto renew_at = now + renew_before;
  if (*serving_expiry <= renew_at || *ca_expiry <= renew_at)
    return "certificate is due for renewal";
  return {};
}

std::vector<std::string> serviceDnsNames(const std::string& service,
                                         const std::string& namespace_name) {
  return {service + "." + namespace_name + ".svc", service, service + "." + namespace_name,
          service + "." + namespace_name + ".svc.cluster.local"};
}

}  // namespace irsa::certs
