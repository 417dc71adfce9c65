#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace irsa::server {

// A parsed serving certificate: leaf, key and any intermediate certificates from the file.
struct ServingCertificate;

// Holds the current serving certificate and swaps it when the files change. Handshakes ask
// for the certificate through an OpenSSL certificate callback, so a new pair applies to new
// connections immediately while established connections keep theirs. A pair that does not
// parse, or whose key does not match, is refused and the previous one stays in use.
class CertificateStore {
 public:
  CertificateStore(std::string certificate_path, std::string key_path);
  ~CertificateStore();
  CertificateStore(const CertificateStore&) = delete;
  CertificateStore& operator=(const CertificateStore&) = delete;

  // Reads both files now. Returns an empty string on success, else why it failed.
  std::string load();

  // True once a valid pair has been loaded.
  bool hasCertificate() const;

  // Makes `context` take its certificate from this store on every handshake.
  void attachTo(SSL_CTX* context);

  // Polls the files (following symlinks, which is how Kubernetes Secret volumes swap
  // content) and reloads when they change. Runs until the store is destroyed.
  void watch(std::chrono::milliseconds interval);

 private:
  static int selectCertificate(SSL* ssl, void* store);
  std::shared_ptr<const ServingCertificate> current() const;
  std::string fileSignature() const;

  const std::string certificate_path_;
  const std::string key_path_;
  mutable std::mutex mutex_;
  std::shared_ptr<const ServingCertificate> current_;
  std::string loaded_signature_;

  std::mutex watch_mutex_;
  std::condition_variable watch_wakeup_;
  bool stopping_ = false;
  std::thread watcher_;
};

}  // namespace irsa::server
