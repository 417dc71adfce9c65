#pragma once

// The token lifetime a Pod's projected token gets (docs/behaviour.md §1.3 "Precedence", §4).
// Internal to the mutate module: build_patch.cpp is its one caller.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "irsa/mutate/options.h"

namespace irsa::mutate {

struct ExpirationInputs {
  const std::string* pod_annotation = nullptr;  // the Pod's token-expiration, when a string
  std::optional<std::int64_t> service_account;  // Identity::token_expiration
  std::int64_t fallback = 0;                    // --token-expiration
  bool jitter_default = false;                  // Pod Identity: spread exactly-24 h tokens
};

// Pod annotation (Go ParseInt; unparseable: ignored) > ServiceAccount level > fallback, each
// raised to 600 s; then lowered to the API server's maximum with a warning appended to
// `warnings`; then, with jitter_default, exactly 86400 becomes random_int(79200, 86400).
std::int64_t chooseTokenExpiration(const ExpirationInputs& inputs, const RandomInt& random_int,
                                   std::vector<std::string>& warnings);

}  // namespace irsa::mutate
