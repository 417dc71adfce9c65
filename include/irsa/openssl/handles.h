#pragma once

// Owning handles for OpenSSL objects, shared by every module that creates them, so each
// error path frees what it allocated and no owner calls *_free by hand.
//
// The deleters are empty function objects: a handle is exactly one pointer wide and
// costs nothing over the raw pointer on the request path.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace irsa::openssl {

// Calls `free_function` on a non-null pointer (std::unique_ptr never passes null).
template <typename T, void (*free_function)(T*)>
struct Free {
  void operator()(T* object) const { free_function(object); }
};

// Frees a STACK_OF(X509) and every certificate in it.
struct X509StackFree {
  void operator()(STACK_OF(X509) * stack) const { sk_X509_pop_free(stack, X509_free); }
};

// BIO_free returns int, so it needs a void wrapper to fit Free<>.
inline void freeBio(BIO* bio) {
  BIO_free(bio);
}

using SslContextPtr = std::unique_ptr<SSL_CTX, Free<SSL_CTX, SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, Free<SSL, SSL_free>>;
using BioPtr = std::unique_ptr<BIO, Free<BIO, freeBio>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Free<X509, X509_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, Free<X509_STORE, X509_STORE_free>>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackFree>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, Free<X509_EXTENSION, X509_EXTENSION_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Free<GENERAL_NAMES, GENERAL_NAMES_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Free<BIGNUM, BN_free>>;

}  // namespace irsa::openssl
