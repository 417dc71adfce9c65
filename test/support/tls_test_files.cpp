#include "support/tls_test_files.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace irsa::test {
namespace fs = std::filesystem;

TempDir::TempDir() {
  std::random_device random;
  path_ = fs::temp_directory_path() /
          ("irsa-test-" + std::to_string(random()) + std::to_string(::getpid()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

void writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

namespace {

std::string pem(X509* certificate) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, certificate);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return out;
}

std::string pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return out;
}

void extension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  X509_add_ext(certificate, ext, -1);
  X509_EXTENSION_free(ext);
}

X509* certificate(EVP_PKEY* key, const std::string& cn) {
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x),
                   static_cast<long>(std::random_device{}() & 0x7fffffff));
  X509_gmtime_adj(X509_getm_notBefore(x), -300);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24);
  X509_set_pubkey(x, key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return x;
}

}  // namespace

TestCertificates makeTestCertificates(const std::string& common_name) {
  EVP_PKEY* ca_key = EVP_EC_gen("P-256");
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* ca = certificate(ca_key, "irsa-test-ca");
  X509_set_issuer_name(ca, X509_get_subject_name(ca));
  extension(ca, ca, NID_basic_constraints, "critical,CA:TRUE");
  extension(ca, ca, NID_key_usage, "critical,keyCertSign");
  X509_sign(ca, ca_key, EVP_sha256());
  X509* leaf = certificate(key, common_name);
  X509_set_issuer_name(leaf, X509_get_subject_name(ca));
  extension(leaf, ca, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  extension(leaf, ca, NID_ext_key_usage, "serverAuth,clientAuth");
  X509_sign(leaf, ca_key, EVP_sha256());
  TestCertificates out{pem(ca), pem(ca_key), pem(leaf), pem(key)};
  X509_free(ca);
  X509_free(leaf);
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(key);
  return out;
}

void installCertificates(const TempDir& dir, const TestCertificates& certificates) {
  // Write-then-rename, as cert-manager and kubelet do, so readers never see half a file.
  writeFile(dir.file("tls.crt.tmp"), certificates.certificate);
  writeFile(dir.file("tls.key.tmp"), certificates.key);
  writeFile(dir.file("ca.crt"), certificates.ca_certificate);
  fs::rename(dir.file("tls.key.tmp"), dir.file("tls.key"));
  fs::rename(dir.file("tls.crt.tmp"), dir.file("tls.crt"));
}

std::optional<std::string> servedCommonName(int port, int max_version) {
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  if (max_version != 0) {
    SSL_CTX_set_security_level(context, 0);
    SSL_CTX_set_min_proto_version(context, 0);
    SSL_CTX_set_max_proto_version(context, max_version);
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::optional<std::string> result;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    SSL* ssl = SSL_new(context);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, "localhost");
    if (SSL_connect(ssl) == 1) {
      X509* peer = SSL_get1_peer_certificate(ssl);
      if (peer != nullptr) {
        char cn[256] = {};
        X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
        result = std::string(cn);
        X509_free(peer);
      }
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
  }
  ERR_clear_error();
  ::close(fd);
  SSL_CTX_free(context);
  return result;
}

}  // namespace irsa::test
