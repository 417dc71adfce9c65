#include "irsa/server/certificate_store.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <optional>
#include <sstream>

namespace irsa::server {

struct ServingCertificate {
  X509* leaf = nullptr;
  EVP_PKEY* key = nullptr;
  STACK_OF(X509) * chain = nullptr;

  ServingCertificate() = default;
  ServingCertificate(const ServingCertificate&) = delete;
  ServingCertificate& operator=(const ServingCertificate&) = delete;
  ~ServingCertificate() {
    X509_free(leaf);
    EVP_PKEY_free(key);
    if (chain != nullptr) sk_X509_pop_free(chain, X509_free);
  }
};

namespace {

std::optional<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string openSslReason() {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return buffer;
}

}  // namespace

CertificateStore::CertificateStore(std::string certificate_path, std::string key_path,
                                   concurrency::Clock& clock)
    : certificate_path_(std::move(certificate_path)),
      key_path_(std::move(key_path)),
      clock_(clock) {}

CertificateStore::~CertificateStore() {
  if (watcher_) watcher_->stop();
}

Status CertificateStore::loadNow() {
  // Taken before reading: a change made while reading is seen by the next check.
  const std::string signature = concurrency::fileSignature({certificate_path_, key_path_});
  const auto certificate_pem = readFile(certificate_path_);
  if (!certificate_pem) return notFound("cannot read certificate file " + certificate_path_);
  const auto key_pem = readFile(key_path_);
  if (!key_pem) return notFound("cannot read key file " + key_path_);

  auto loaded = std::make_shared<ServingCertificate>();
  BIO* bio = BIO_new_mem_buf(certificate_pem->data(), static_cast<int>(certificate_pem->size()));
  loaded->leaf = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  if (loaded->leaf != nullptr) {
    loaded->chain = sk_X509_new_null();
    while (X509* extra = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
      sk_X509_push(loaded->chain, extra);
    }
  }
  BIO_free(bio);
  ERR_clear_error();  // the chain loop always ends on a "no start line" error
  if (loaded->leaf == nullptr)
    return invalidArgument("certificate file " + certificate_path_ + " holds no PEM certificate");

  bio = BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size()));
  loaded->key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (loaded->key == nullptr)
    return invalidArgument("key file " + key_path_ +
                           " holds no PEM private key: " + openSslReason());
  if (X509_check_private_key(loaded->leaf, loaded->key) != 1) {
    ERR_clear_error();
    return invalidArgument("private key in " + key_path_ + " does not match the certificate in " +
                           certificate_path_);
  }

  concurrency::MutexLock lock(mutex_);
  current_ = std::move(loaded);
  loaded_signature_ = signature;
  return okStatus();
}

std::string CertificateStore::load() {
  return loadNow().message();
}

bool CertificateStore::hasCertificate() const {
  return current() != nullptr;
}

std::shared_ptr<const ServingCertificate> CertificateStore::current() const {
  concurrency::MutexLock lock(mutex_);
  return current_;
}

int CertificateStore::selectCertificate(SSL* ssl, void* store) {
  const auto certificate = static_cast<CertificateStore*>(store)->current();
  if (!certificate) return 0;  // fails the handshake: nothing to serve yet
  return SSL_use_cert_and_key(ssl, certificate->leaf, certificate->key, certificate->chain, 1);
}

void CertificateStore::attachTo(SSL_CTX* context) {
  SSL_CTX_set_cert_cb(context, &CertificateStore::selectCertificate, this);
}

void CertificateStore::watch(std::chrono::milliseconds interval) {
  watcher_ = std::make_unique<concurrency::FileWatcher>(
      "serving certificate",
      concurrency::FileWatcherOptions{{certificate_path_, key_path_}, interval, false},
      [this]() -> Result<std::string> {
        if (Status status = loadNow(); !status.ok()) return status;
        return std::string();
      },
      clock_);
  std::string signature;
  {
    concurrency::MutexLock lock(mutex_);
    signature = loaded_signature_;
  }
  watcher_->start(signature);
}

}  // namespace irsa::server
