#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "irsa/identity/service_account.h"
#include "irsa/status/result.h"

namespace irsa::identity {

// ServiceAccounts from a file instead of the Kubernetes API: for local runs, tests and the
// `mutate` subcommand. Accepts YAML or JSON: one ServiceAccount, a list of them, a
// `kind: List` with `items`, or several YAML documents.
class StaticServiceAccounts : public ServiceAccountSource {
 public:
  // InvalidArgument naming the file when it cannot be read or does not parse.
  static Result<std::unique_ptr<StaticServiceAccounts>> createFromFile(
      const std::string& path, const std::string& annotation_prefix);
  // InvalidArgument with the YAML parser's message when the text does not parse.
  static Result<std::unique_ptr<StaticServiceAccounts>> createFromText(
      const std::string& text, const std::string& annotation_prefix);

  std::optional<ServiceAccount> find(const std::string& namespace_name,
                                     const std::string& name) override;
  Status ready() const override;
  std::size_t size() const { return accounts_.size(); }

 private:
  StaticServiceAccounts() = default;

  std::map<std::pair<std::string, std::string>, ServiceAccount> accounts_;
};

}  // namespace irsa::identity
