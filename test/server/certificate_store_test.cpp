// CertificateStore::loadNow(): a pair that cannot be used is an error Status and the pair
// in use stays.

#include "irsa/server/certificate_store.h"

#include <gtest/gtest.h>

#include "support/tls_test_files.h"

namespace irsa::server {
namespace {

TEST(CertificateStore, MissingFilesAreNotFoundAndLeaveNoCertificate) {
  test::TempDir dir;
  CertificateStore store(dir.file("absent.crt"), dir.file("absent.key"));
  EXPECT_EQ(store.loadNow().code(), StatusCode::kNotFound);
  EXPECT_FALSE(store.hasCertificate());
}

TEST(CertificateStore, ABrokenPairIsRefusedAndThePreviousOneStays) {
  test::TempDir dir;
  test::installCertificates(dir, test::makeTestCertificates("first"));
  CertificateStore store(dir.file("tls.crt"), dir.file("tls.key"));
  ASSERT_TRUE(store.loadNow().ok());

  test::writeFile(dir.file("tls.crt"), "garbage");
  const Status garbage = store.loadNow();
  EXPECT_EQ(garbage.code(), StatusCode::kInvalidArgument) << garbage.message();
  EXPECT_TRUE(store.hasCertificate());

  const auto other = test::makeTestCertificates("mismatch");
  test::writeFile(dir.file("tls.crt"), other.certificate);
  test::writeFile(dir.file("tls.key"), test::makeTestCertificates("x").key);
  const Status mismatch = store.loadNow();
  EXPECT_EQ(mismatch.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(mismatch.message().find("does not match"), std::string::npos) << mismatch.message();
  EXPECT_TRUE(store.hasCertificate());
}

}  // namespace
}  // namespace irsa::server
