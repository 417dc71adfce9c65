#include "support/tls_test_files.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "irsa/openssl/handles.h"

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

// The text a memory BIO holds after `write` filled it; empty when OpenSSL cannot allocate.
template <typename Write>
std::string pemText(Write write) {
  const openssl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  write(bio.get());
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(size)};
}

std::string pem(X509* certificate) {
  return pemText([certificate](BIO* bio) { PEM_write_bio_X509(bio, certificate); });
}

std::string pem(EVP_PKEY* key) {
  return pemText([key](BIO* bio) {
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
}

void extension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  const openssl::X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  X509_add_ext(certificate, ext.get(), -1);
}

openssl::X509Ptr certificate(EVP_PKEY* key, const std::string& cn) {
  openssl::X509Ptr x(X509_new());
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()),
                   static_cast<long>(std::random_device{}() & 0x7fffffff));
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -300);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600L * 24);
  X509_set_pubkey(x.get(), key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return x;
}

}  // namespace

TestCertificates makeTestCertificates(const std::string& common_name, KeyType key_type) {
  const openssl::PkeyPtr ca_key(EVP_EC_gen("P-256"));
  const openssl::PkeyPtr key(key_type == KeyType::kRsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"));
  const openssl::X509Ptr ca = certificate(ca_key.get(), "irsa-test-ca");
  X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get()));
  extension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
  extension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign");
  X509_sign(ca.get(), ca_key.get(), EVP_sha256());
  const openssl::X509Ptr leaf = certificate(key.get(), common_name);
  X509_set_issuer_name(leaf.get(), X509_get_subject_name(ca.get()));
  extension(leaf.get(), ca.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
  extension(leaf.get(), ca.get(), NID_ext_key_usage, "serverAuth,clientAuth");
  X509_sign(leaf.get(), ca_key.get(), EVP_sha256());
  return {pem(ca.get()), pem(ca_key.get()), pem(leaf.get()), pem(key.get())};
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
  const openssl::SslContextPtr context(SSL_CTX_new(TLS_client_method()));
  if (!context) return std::nullopt;
  if (max_version != 0) {
    SSL_CTX_set_security_level(context.get(), 0);
    SSL_CTX_set_min_proto_version(context.get(), 0);
    SSL_CTX_set_max_proto_version(context.get(), max_version);
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::optional<std::string> result;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    const openssl::SslPtr ssl(SSL_new(context.get()));
    SSL_set_fd(ssl.get(), fd);
    SSL_set_tlsext_host_name(ssl.get(), "localhost");
    if (SSL_connect(ssl.get()) == 1) {
      if (const openssl::X509Ptr peer{SSL_get1_peer_certificate(ssl.get())}) {
        char cn[256] = {};
        X509_NAME_get_text_by_NID(X509_get_subject_name(peer.get()), NID_commonName, cn, sizeof cn);
        result = std::string(cn);
      }
      SSL_shutdown(ssl.get());
    }
  }  // the SSL is freed here, before its socket is closed
  ERR_clear_error();
  ::close(fd);
  return result;
}

}  // namespace irsa::test
