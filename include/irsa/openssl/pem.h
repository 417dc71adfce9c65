#pragma once

// Reading PEM text into owned OpenSSL objects.

#include <openssl/pem.h>

#include <string_view>

#include "irsa/openssl/handles.h"

namespace irsa::openssl {

// A memory BIO reading `pem` without copying it; null when OpenSSL cannot allocate.
inline BioPtr readOnlyBio(std::string_view pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// The first certificate in `pem`; null when there is none or it does not parse.
inline X509Ptr parseCertificatePem(std::string_view pem) {
  const BioPtr bio = readOnlyBio(pem);
  if (!bio) return nullptr;
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// The first private key in `pem`; null when there is none or it does not parse.
inline PkeyPtr parsePrivateKeyPem(std::string_view pem) {
  const BioPtr bio = readOnlyBio(pem);
  if (!bio) return nullptr;
  return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

}  // namespace irsa::openssl
