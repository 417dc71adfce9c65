#pragma once

#include <functional>
#include <optional>
#include <string>

#include "irsa/mutate/identity.h"

namespace irsa::admission {

// What the admission layer learns about the Pod's ServiceAccount. main.cpp adapts the
// identity module's resolver to this, so admission does not depend on identity.
struct LookupResult {
  std::optional<mutate::Identity> identity;  // empty: the Pod is left unchanged
  bool service_account_found = true;         // false feeds pod_identity_webhook_missing_sa_count
};

using IdentityLookup = std::function<LookupResult(const std::string& namespace_name,
                                                  const std::string& service_account)>;

}  // namespace irsa::admission
