#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>

#include "irsa/identity/service_account.h"

namespace irsa::identity {

struct StaticServiceAccountsError {
  std::string message;
};

// ServiceAccounts from a file instead of the Kubernetes API: for local runs, tests and the
// `mutate` subcommand. Accepts YAML or JSON: one ServiceAccount, a list of them, a
// `kind: List` with `items`, or several YAML documents.
class StaticServiceAccounts : public ServiceAccountSource {
 public:
  static std::variant<std::unique_ptr<StaticServiceAccounts>, StaticServiceAccountsError> fromFile(
      const std::string& path, const std::string& annotation_prefix);
  static std::variant<std::unique_ptr<StaticServiceAccounts>, StaticServiceAccountsError> fromText(
      const std::string& text, const std::string& annotation_prefix);

  std::optional<ServiceAccount> find(const std::string& namespace_name,
                                     const std::string& name) override;
  bool ready(std::string* reason) const override;
  std::size_t size() const { return accounts_.size(); }

 private:
  std::map<std::pair<std::string, std::string>, ServiceAccount> accounts_;
};

}  // namespace irsa::identity
