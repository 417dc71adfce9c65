#include "irsa/identity/static_service_accounts.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

namespace irsa::identity {
namespace {

std::string scalarAt(const YAML::Node& node, const char* key) {
  const YAML::Node value = node[key];
  return value && value.IsScalar() ? value.as<std::string>() : std::string();
}

void collect(const YAML::Node& node, const std::string& prefix,
             std::map<std::pair<std::string, std::string>, ServiceAccount>& out) {
  if (!node || node.IsNull()) return;
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) collect(item, prefix, out);
    return;
  }
  if (!node.IsMap())
    throw YAML::Exception(node.Mark(), "expected a ServiceAccount object or a list");
  if (node["items"]) {
    collect(node["items"], prefix, out);
    return;
  }
  const std::string kind = scalarAt(node, "kind");
  if (!kind.empty() && kind != "ServiceAccount") return;  // other objects in a mixed manifest
  const YAML::Node metadata = node["metadata"];
  if (!metadata || !metadata.IsMap() || scalarAt(metadata, "name").empty()) {
    throw YAML::Exception(node.Mark(), "ServiceAccount without metadata.name");
  }
  ServiceAccount account;
  account.name = scalarAt(metadata, "name");
  account.namespace_name = scalarAt(metadata, "namespace");
  if (account.namespace_name.empty()) account.namespace_name = "default";
  const YAML::Node annotations = metadata["annotations"];
  if (annotations && annotations.IsMap()) {
    for (const auto& entry : annotations) {
      const std::string key = entry.first.as<std::string>();
      if (key.rfind(prefix + "/", 0) == 0 && entry.second.IsScalar()) {
        account.annotations[key] = entry.second.as<std::string>();
      }
    }
  }
  out[{account.namespace_name, account.name}] = std::move(account);
}

}  // namespace

Result<std::unique_ptr<StaticServiceAccounts>> StaticServiceAccounts::createFromText(
    const std::string& text, const std::string& annotation_prefix) {
  std::unique_ptr<StaticServiceAccounts> accounts(new StaticServiceAccounts());
  try {
    for (const YAML::Node& document : YAML::LoadAll(text)) {
      collect(document, annotation_prefix, accounts->accounts_);
    }
  } catch (const YAML::Exception& error) {
    return invalidArgument(error.what());
  }
  return accounts;
}

Result<std::unique_ptr<StaticServiceAccounts>> StaticServiceAccounts::createFromFile(
    const std::string& path, const std::string& annotation_prefix) {
  std::ifstream in(path);
  if (!in) return invalidArgument("cannot read ServiceAccounts file " + path);
  std::ostringstream content;
  content << in.rdbuf();
  auto created = createFromText(content.str(), annotation_prefix);
  if (!created.ok()) return created.status().withContext("ServiceAccounts file " + path);
  return created;
}

std::optional<ServiceAccount> StaticServiceAccounts::find(const std::string& namespace_name,
                                                          const std::string& name) {
  const auto it = accounts_.find({namespace_name, name});
  if (it == accounts_.end()) return std::nullopt;
  return it->second;
}

// Everything is read at construction: ready from the start.
Status StaticServiceAccounts::ready() const {
  return okStatus();
}

}  // namespace irsa::identity
