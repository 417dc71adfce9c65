#include "irsa/openssl/pem.h"

#include <gtest/gtest.h>

#include <string>

#include "irsa/openssl/handles.h"

namespace irsa::openssl {
namespace {

std::string privateKeyPem(EVP_PKEY* key) {
  const BioPtr bio(BIO_new(BIO_s_mem()));
  EXPECT_EQ(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

TEST(PemTest, PrivateKeyReadsBackWhatWasWritten) {
  const PkeyPtr key(EVP_EC_gen("P-256"));
  ASSERT_TRUE(key);
  const PkeyPtr parsed = parsePrivateKeyPem(privateKeyPem(key.get()));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(EVP_PKEY_eq(key.get(), parsed.get()), 1);
}

TEST(PemTest, TextWithoutPemBlockParsesToNull) {
  EXPECT_FALSE(parseCertificatePem("not a certificate"));
  EXPECT_FALSE(parsePrivateKeyPem(""));
}

TEST(PemTest, KeyIsNotACertificate) {
  const PkeyPtr key(EVP_EC_gen("P-256"));
  ASSERT_TRUE(key);
  EXPECT_FALSE(parseCertificatePem(privateKeyPem(key.get())));
}

// The request path holds one SslPtr per connection: the deleters must add no size.
static_assert(sizeof(SslPtr) == sizeof(SSL*));
static_assert(sizeof(X509StackPtr) == sizeof(void*));

TEST(HandlesTest, StackHandleTakesThePushedCertificates) {
  const X509StackPtr stack(sk_X509_new_null());
  ASSERT_TRUE(stack);
  X509Ptr certificate(X509_new());
  ASSERT_TRUE(certificate);
  ASSERT_GT(sk_X509_push(stack.get(), certificate.get()), 0);
  X509* const pushed = certificate.release();  // freed with the stack (leak-checked by ASan)
  ASSERT_EQ(sk_X509_num(stack.get()), 1);
  EXPECT_EQ(sk_X509_value(stack.get(), 0), pushed);
}

}  // namespace
}  // namespace irsa::openssl
