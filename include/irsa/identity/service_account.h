#pragma once

#include <map>
#include <optional>
#include <string>

#include "irsa/status/status.h"

namespace irsa::identity {

// The part of a ServiceAccount the webhook reads. Annotations are only those under
// the configured prefix (everything else is dropped to keep large caches small).
struct ServiceAccount {
  std::string namespace_name;
  std::string name;
  std::map<std::string, std::string> annotations;
};

// Where ServiceAccounts come from: the Kubernetes API cache in clusters, a static file
// for local runs and tests. Implementations are thread-safe; find() is called from many
// admission worker threads at once.
class ServiceAccountSource {
 public:
  virtual ~ServiceAccountSource() = default;

  // May block for a bounded time (the lookup grace period) when the ServiceAccount is not
  // known yet. Empty when it does not exist.
  virtual std::optional<ServiceAccount> find(const std::string& namespace_name,
                                             const std::string& name) = 0;

  // Readiness: OK once the first full sync finished, else an error status saying why (its
  // message is what /readyz reports).
  virtual Status ready() const = 0;
};

}  // namespace irsa::identity
