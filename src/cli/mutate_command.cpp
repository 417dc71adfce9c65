#include "cli/mutate_command.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/yaml_to_json.h"
#include "irsa/app/options_from_config.h"
#include "irsa/config/config.h"
#include "irsa/identity/identity_resolver.h"
#include "irsa/identity/static_service_accounts.h"
#include "irsa/kube/api_client.h"
#include "irsa/kube/client_config.h"
#include "irsa/mutate/build_patch.h"

namespace irsa::cli {
namespace {

constexpr const char* kUsage =
    "Usage: irsa-webhook mutate [--pod FILE|-] [--service-accounts-file FILE | --kubeconfig FILE]\n"
    "                           [--output pod|patch] [webhook flags such as --aws-default-region]\n"
    "Prints the Pod as the webhook would admit it (or the JSON patch). ServiceAccounts come from\n"
    "the file, or else from the cluster (--kubeconfig, --kube-api or in-cluster configuration).\n";

// Reads one ServiceAccount straight from the API server: the subcommand asks once, so a
// cache would only add start-up time.
class ApiServiceAccounts : public identity::ServiceAccountSource {
 public:
  ApiServiceAccounts(kube::ClientConfig config, std::string prefix)
      : client_(std::move(config), 5, 5), prefix_(std::move(prefix) + "/") {}

  std::optional<identity::ServiceAccount> find(const std::string& namespace_name,
                                               const std::string& name) override {
    const kube::ApiResponse response =
        client_.get("/api/v1/namespaces/" + namespace_name + "/serviceaccounts/" + name);
    if (response.status != 200) {
      if (response.status != 404) {
        error = response.status == 0 ? response.error : "HTTP " + std::to_string(response.status);
      }
      return std::nullopt;
    }
    const auto object = nlohmann::json::parse(response.body, nullptr, false);
    if (object.is_discarded()) return std::nullopt;
    identity::ServiceAccount account{namespace_name, name, {}};
    const auto& annotations = object["metadata"].value("annotations", nlohmann::json::object());
    for (auto it = annotations.begin(); it != annotations.end(); ++it) {
      if (it.key().rfind(prefix_, 0) == 0 && it.value().is_string()) {
        account.annotations[it.key()] = it.value().get<std::string>();
      }
    }
    return account;
  }
  bool ready(std::string*) const override { return true; }

  std::string error;

 private:
  kube::ApiClient client_;
  std::string prefix_;
};

std::optional<std::string> readAll(const std::string& path, std::istream& in) {
  if (path == "-") {
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
  }
  std::ifstream file(path);
  if (!file) return std::nullopt;
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

}  // namespace

int runMutateCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                     std::ostream& err) {
  std::string pod_path = "-";
  std::string output = "pod";
  std::vector<std::string> webhook_args;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](const std::string& name) -> std::optional<std::string> {
      if (arg.rfind(name + "=", 0) == 0) return arg.substr(name.size() + 1);
      if (arg == name && i + 1 < args.size()) return args[++i];
      return std::nullopt;
    };
    if (arg == "--help" || arg == "-h") {
      out << kUsage;
      return 0;
    }
    if (auto v = value("--pod")) {
      pod_path = *v;
    } else if (auto o = value("--output")) {
      output = *o;
    } else {
      webhook_args.push_back(arg);
    }
  }
  if (output != "pod" && output != "patch") {
    err << "irsa-webhook mutate: --output must be pod or patch\n";
    return 2;
  }
  auto parsed = config::parseFlags(webhook_args);
  if (auto* error = std::get_if<config::ParseError>(&parsed)) {
    err << "irsa-webhook mutate: " << error->message << "\n";
    return 2;
  }
  const config::Config& c = std::get<config::Config>(parsed);
  std::unique_ptr<identity::ServiceAccountSource> source;
  ApiServiceAccounts* api_source = nullptr;
  if (!c.service_accounts_file.empty()) {
    auto accounts =
        identity::StaticServiceAccounts::fromFile(c.service_accounts_file, c.annotation_prefix);
    if (auto* error = std::get_if<identity::StaticServiceAccountsError>(&accounts)) {
      err << "irsa-webhook mutate: " << error->message << "\n";
      return 1;
    }
    source = std::move(std::get<std::unique_ptr<identity::StaticServiceAccounts>>(accounts));
  } else {
    auto client_config = kube::resolveClientConfig(c.kubeconfig, c.kube_api);
    if (auto* error = std::get_if<kube::ConfigError>(&client_config)) {
      err << "irsa-webhook mutate: no --service-accounts-file, and no cluster: " << error->message
          << "\n"
          << kUsage;
      return 2;
    }
    auto api = std::make_unique<ApiServiceAccounts>(std::get<kube::ClientConfig>(client_config),
                                                    c.annotation_prefix);
    api_source = api.get();
    source = std::move(api);
  }
  const auto text = readAll(pod_path, in);
  if (!text) {
    err << "irsa-webhook mutate: cannot read Pod file " << pod_path << "\n";
    return 1;
  }
  std::string yaml_error;
  const auto pod = yamlToJson(*text, &yaml_error);
  if (!pod || !pod->is_object()) {
    err << "irsa-webhook mutate: Pod " << pod_path << " is not a YAML/JSON object"
        << (yaml_error.empty() ? "" : ": " + yaml_error) << "\n";
    return 1;
  }

  std::unique_ptr<identity::PodIdentityFile> pod_identities;
  if (!c.watch_container_credentials_config.empty()) {
    pod_identities =
        std::make_unique<identity::PodIdentityFile>(c.watch_container_credentials_config);
    pod_identities->reload();
  }
  const identity::ResolverOptions resolver_options = app::resolverOptions(c);
  identity::IdentityResolver resolver(resolver_options, *source, nullptr, pod_identities.get());

  const auto metadata = pod->find("metadata");
  std::string ns = "default";
  if (metadata != pod->end() && metadata->is_object() && metadata->contains("namespace") &&
      (*metadata)["namespace"].is_string()) {
    ns = (*metadata)["namespace"].get<std::string>();
  }
  std::string sa = "default";
  const auto spec = pod->find("spec");
  if (spec != pod->end() && spec->is_object() && spec->contains("serviceAccountName") &&
      (*spec)["serviceAccountName"].is_string()) {
    sa = (*spec)["serviceAccountName"].get<std::string>();
  }

  const mutate::MutationOptions options = app::mutationOptions(c);

  const identity::Resolution resolution = resolver.resolve(ns, sa);
  if (api_source != nullptr && !api_source->error.empty()) {
    err << "irsa-webhook mutate: reading ServiceAccount " << ns << "/" << sa << ": "
        << api_source->error << "\n";
    return 1;
  }
  if (!resolution.service_account_found) {
    err << "note: ServiceAccount " << ns << "/" << sa << " not found\n";
  }
  mutate::MutationResult result;
  if (resolution.identity) {
    // Deterministic output: the jitter takes its upper bound, like an unjittered token.
    result = mutate::buildPatch(*pod, *resolution.identity, options,
                                [](std::int64_t, std::int64_t high) { return high; });
  }
  for (const std::string& warning : result.warnings) err << "Warning: " << warning << "\n";
  if (output == "patch") {
    out << result.patch.dump(2) << "\n";
  } else {
    out << pod->patch(result.patch).dump(2) << "\n";
  }
  return 0;
}

}  // namespace irsa::cli
