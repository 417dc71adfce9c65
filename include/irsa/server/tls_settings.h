#pragma once

// The server takes the TLS settings config parsed (irsa/tls) as they are.

#include "irsa/tls/tls_settings.h"

namespace irsa::server {

using tls::CipherSuites;

}  // namespace irsa::server
