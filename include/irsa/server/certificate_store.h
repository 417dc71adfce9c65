#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <string>

#include "irsa/concurrency/clock.h"
#include "irsa/concurrency/file_watcher.h"
#include "irsa/concurrency/mutex.h"
#include "irsa/status/status.h"

namespace irsa::server {

// A parsed serving certificate: leaf, key and any intermediate certificates from the file.
struct ServingCertificate;

// Holds the current serving certificate and swaps it when the files change. Handshakes ask
// for the certificate through an OpenSSL certificate callback, so a new pair applies to new
// connections immediately while established connections keep theirs. A pair that does not
// parse, or whose key does not match, is refused and the previous one stays in use.
class CertificateStore {
 public:
  CertificateStore(std::string certificate_path, std::string key_path,
                   concurrency::Clock& clock = concurrency::systemClock());
  ~CertificateStore();
  CertificateStore(const CertificateStore&) = delete;
  CertificateStore& operator=(const CertificateStore&) = delete;

  // Reads both files now; on failure the previous pair (if any) stays in use.
  [[nodiscard]] Status loadNow() EXCLUDES(mutex_);

  // True once a valid pair has been loaded.
  bool hasCertificate() const;

  // Makes `context` take its certificate from this store on every handshake.
  void attachTo(SSL_CTX* context);

  // Checks the files every `interval` (following symlinks, which is how Kubernetes Secret
  // volumes swap content) and reloads when they change. Runs until the store is destroyed.
  void watch(std::chrono::milliseconds interval) EXCLUDES(mutex_);

 private:
  static int selectCertificate(SSL* ssl, void* store);
  std::shared_ptr<const ServingCertificate> current() const EXCLUDES(mutex_);

  const std::string certificate_path_;
  const std::string key_path_;
  concurrency::Clock& clock_;
  mutable concurrency::Mutex mutex_;
  std::shared_ptr<const ServingCertificate> current_ GUARDED_BY(mutex_);
  std::string loaded_signature_ GUARDED_BY(mutex_);
  std::unique_ptr<concurrency::FileWatcher> watcher_;  // last: stops before the state goes
};

}  // namespace irsa::server
