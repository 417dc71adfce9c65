#include "support/raw_tls_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace irsa::test {
namespace {

int connectLoopback(int port, bool ipv6) {
  const int fd = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  int rc = -1;
  if (ipv6) {
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_port = htons(static_cast<std::uint16_t>(port));
    address.sin6_addr = in6addr_loopback;
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  } else {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  }
  if (rc != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void useClientCertificate(SSL_CTX* context, const RawTlsOptions& options) {
  if (options.certificate_pem.empty()) return;
  const openssl::BioPtr certificate_bio(BIO_new_mem_buf(
      options.certificate_pem.data(), static_cast<int>(options.certificate_pem.size())));
  const openssl::X509Ptr certificate(
      PEM_read_bio_X509(certificate_bio.get(), nullptr, nullptr, nullptr));
  const openssl::BioPtr key_bio(
      BIO_new_mem_buf(options.key_pem.data(), static_cast<int>(options.key_pem.size())));
  const openssl::PkeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  SSL_CTX_use_certificate(context, certificate.get());
  SSL_CTX_use_PrivateKey(context, key.get());
}

}  // namespace

RawTlsClient::RawTlsClient(int port, const RawTlsOptions& options)
    : context_(SSL_CTX_new(TLS_client_method())) {
  if (options.max_version != 0 || !options.cipher_list.empty()) {
    // Let the client offer what a hardened server must refuse.
    SSL_CTX_set_security_level(context_.get(), 0);
    SSL_CTX_set_min_proto_version(context_.get(), 0);
  }
  if (options.max_version != 0) SSL_CTX_set_max_proto_version(context_.get(), options.max_version);
  if (!options.cipher_list.empty()) {
    SSL_CTX_set_max_proto_version(context_.get(), TLS1_2_VERSION);
    SSL_CTX_set_cipher_list(context_.get(), options.cipher_list.c_str());
  }
  useClientCertificate(context_.get(), options);
  fd_ = connectLoopback(port, options.ipv6);
  connected_ = fd_ >= 0;
  if (!connected_) return;
  ssl_.reset(SSL_new(context_.get()));
  SSL_set_fd(ssl_.get(), fd_);
  if (options.handshake) connected_ = handshake();
}

RawTlsClient::~RawTlsClient() {
  ssl_.reset();  // before the socket it uses is closed
  if (fd_ >= 0) ::close(fd_);
  ERR_clear_error();
}

bool RawTlsClient::handshake() {
  return ssl_ && SSL_connect(ssl_.get()) == 1;
}

bool RawTlsClient::send(std::string_view data) {
  return ssl_ && SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size())) ==
                     static_cast<int>(data.size());
}

std::string RawTlsClient::readUntil(std::string_view text, int times) {
  while (ssl_ && !closed_ && occurrences(text) < times) {
    char buffer[4096];
    const int n = SSL_read(ssl_.get(), buffer, sizeof buffer);
    if (n <= 0) {
      closed_ = true;
      break;
    }
    received_.append(buffer, static_cast<std::size_t>(n));
  }
  return received_;
}

std::string RawTlsClient::readResponse() {
  const std::size_t begin = received_.size();
  std::size_t head_end = std::string::npos;
  while ((head_end = received_.find("\r\n\r\n", begin)) == std::string::npos && !closed_) {
    readUntil("\r\n\r\n", occurrences("\r\n\r\n") + 1);
  }
  if (head_end == std::string::npos) return received_;
  const std::size_t length_at = received_.find("Content-Length: ", begin);
  std::size_t length = 0;
  if (length_at != std::string::npos && length_at < head_end) {
    length = std::stoul(received_.substr(length_at + 16));
  }
  while (!closed_ && received_.size() < head_end + 4 + length) {
    char buffer[4096];
    const int n = SSL_read(ssl_.get(), buffer, sizeof buffer);
    if (n <= 0) {
      closed_ = true;
      break;
    }
    received_.append(buffer, static_cast<std::size_t>(n));
  }
  return received_;
}

bool RawTlsClient::closedByPeer() {
  readUntil("\x01never\x01");
  return closed_;
}

int RawTlsClient::occurrences(std::string_view text) const {
  int found = 0;
  for (std::size_t at = received_.find(text); at != std::string::npos;
       at = received_.find(text, at + 1)) {
    ++found;
  }
  return found;
}

}  // namespace irsa::test
