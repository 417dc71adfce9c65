#include "irsa/server/certificate_store.h"

#include <openssl/err.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "irsa/openssl/handles.h"
#include "irsa/openssl/pem.h"

namespace irsa::server {

struct ServingCertificate {
  openssl::X509Ptr leaf;
  openssl::PkeyPtr key;
  openssl::X509StackPtr chain;  // intermediates after the leaf in the certificate file
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

// Reads the leaf and the intermediates after it from `pem` into `into`; the message of a
// failure completes "certificate file <path> ...".
Status parseCertificateChain(const std::string& pem, ServingCertificate& into) {
  const openssl::BioPtr bio = openssl::readOnlyBio(pem);
  if (!bio) return internalError("cannot be read: out of memory");
  into.leaf.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (into.leaf) {
    into.chain.reset(sk_X509_new_null());
    if (!into.chain) return internalError("cannot be read: out of memory");
    while (openssl::X509Ptr extra{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) {
      if (sk_X509_push(into.chain.get(), extra.get()) <= 0) {
        return internalError("cannot be read: out of memory");
      }
      static_cast<void>(extra.release());  // the stack owns it now
    }
  }
  ERR_clear_error();  // the chain loop always ends on a "no start line" error
  if (!into.leaf) return invalidArgument("holds no PEM certificate");
  return okStatus();
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
  if (Status parsed = parseCertificateChain(*certificate_pem, *loaded); !parsed.ok())
    return {parsed.code(), "certificate file " + certificate_path_ + " " + parsed.message()};
  loaded->key = openssl::parsePrivateKeyPem(*key_pem);
  if (!loaded->key)
    return invalidArgument("key file " + key_path_ +
                           " holds no PEM private key: " + openSslReason());
  if (X509_check_private_key(loaded->leaf.get(), loaded->key.get()) != 1) {
    ERR_clear_error();
    return invalidArgument("private key in " + key_path_ + " does not match the certificate in " +
                           certificate_path_);
  }

  concurrency::MutexLock lock(mutex_);
  current_ = std::move(loaded);
  loaded_signature_ = signature;
  return okStatus();
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
  return SSL_use_cert_and_key(ssl, certificate->leaf.get(), certificate->key.get(),
                              certificate->chain.get(), 1);
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
