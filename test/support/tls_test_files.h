#pragma once

// Test helpers for real TLS: a temporary directory with a CA and serving certificate
// generated at run time, and a raw OpenSSL client that reports which certificate a server
// presented.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace irsa::test {

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

void writeFile(const std::string& path, const std::string& content);
std::string readFile(const std::string& path);

// PEM strings for a CA and a serving certificate for localhost / 127.0.0.1.
struct TestCertificates {
  std::string ca_certificate;
  std::string ca_key;
  std::string certificate;
  std::string key;
};
enum class KeyType { kEcdsa, kRsa };  // of the serving (leaf) key; the CA's is always P-256
TestCertificates makeTestCertificates(const std::string& common_name = "localhost",
                                      KeyType key_type = KeyType::kEcdsa);

// Writes tls.crt / tls.key / ca.crt into `dir`, atomically replacing existing files.
void installCertificates(const TempDir& dir, const TestCertificates& certificates);

// Connects to 127.0.0.1:port and returns the subject CN of the served certificate, or
// empty when the handshake fails. max_version limits the client (e.g. TLS1_1_VERSION).
std::optional<std::string> servedCommonName(int port, int max_version = 0);

}  // namespace irsa::test
