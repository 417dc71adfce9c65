#include "cli/mutate_command.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <variant>

#include "cli/yaml_to_json.h"
#include "irsa/admission/review.h"
#include "irsa/app/identity_lookup.h"
#include "irsa/app/options_from_config.h"
#include "irsa/config/config.h"
#include "irsa/identity/identity_resolver.h"
#include "irsa/identity/pod_identity_file.h"
#include "irsa/identity/static_service_accounts.h"
#include "irsa/kube/api_client.h"
#include "irsa/kube/client_config.h"

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
        lookup_status_ = unavailable(
            response.status == 0 ? response.error : "HTTP " + std::to_string(response.status));
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
  // Nothing to sync: every find() asks the API server.
  Status ready() const override { return okStatus(); }

  // find() can only say "not found"; a failed request (other than 404) is kept here so the
  // command reports it instead of printing a Pod mutated without the ServiceAccount.
  const Status& lookupStatus() const { return lookup_status_; }

 private:
  Status lookup_status_;
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

// What the command line asks for besides the webhook's own flags.
struct Invocation {
  std::string pod_path = "-";
  std::string output = "pod";
  std::vector<std::string> webhook_args;
  bool help = false;
};

Invocation parseInvocation(const std::vector<std::string>& args) {
  Invocation invocation;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](const std::string& name) -> std::optional<std::string> {
      if (arg.rfind(name + "=", 0) == 0) return arg.substr(name.size() + 1);
      if (arg == name && i + 1 < args.size()) return args[++i];
      return std::nullopt;
    };
    if (arg == "--help" || arg == "-h") {
      invocation.help = true;
      return invocation;
    }
    if (auto v = value("--pod")) {
      invocation.pod_path = *v;
    } else if (auto o = value("--output")) {
      invocation.output = *o;
    } else {
      invocation.webhook_args.push_back(arg);
    }
  }
  return invocation;
}

// Why the command stops early: the exit code and what stderr says.
struct Exit {
  int code;
  std::string message;
};

struct Accounts {
  std::unique_ptr<identity::ServiceAccountSource> source;
  ApiServiceAccounts* api = nullptr;  // set when reading from a cluster
};

std::variant<Accounts, Exit> serviceAccounts(const config::Config& c) {
  Accounts accounts;
  if (!c.service_accounts_file.empty()) {
    auto created = identity::StaticServiceAccounts::createFromFile(c.service_accounts_file,
                                                                   c.annotation_prefix);
    if (!created.ok()) return Exit{1, "irsa-webhook mutate: " + created.status().message() + "\n"};
    accounts.source = std::move(created).value();
    return accounts;
  }
  Result<kube::ClientConfig> client_config = kube::resolveClientConfig(c.kubeconfig, c.kube_api);
  if (!client_config.ok()) {
    return Exit{2, "irsa-webhook mutate: no --service-accounts-file, and no cluster: " +
                       client_config.status().message() + "\n" + kUsage};
  }
  auto api = std::make_unique<ApiServiceAccounts>(*client_config, c.annotation_prefix);
  accounts.api = api.get();
  accounts.source = std::move(api);
  return accounts;
}

std::variant<nlohmann::json, Exit> readPod(const std::string& path, std::istream& in) {
  const auto text = readAll(path, in);
  if (!text) return Exit{1, "irsa-webhook mutate: cannot read Pod file " + path + "\n"};
  Result<nlohmann::json> pod = yamlToJson(*text);
  if (!pod.ok() || !pod->is_object()) {
    return Exit{1, "irsa-webhook mutate: Pod " + path + " is not a YAML/JSON object" +
                       (pod.ok() ? "" : ": " + pod.status().message()) + "\n"};
  }
  return std::move(pod).value();
}

// The Pod Identity file read once (no watch: the command answers once). Unlike the server,
// which keeps going with the previous list, a malformed file stops the command: its output
// would silently ignore the file (docs/behaviour.md §4).
std::variant<std::unique_ptr<identity::PodIdentityFile>, Exit> podIdentities(
    const config::Config& c) {
  if (c.watch_container_credentials_config.empty()) {
    return std::unique_ptr<identity::PodIdentityFile>();
  }
  auto file = std::make_unique<identity::PodIdentityFile>(c.watch_container_credentials_config);
  if (const Result<std::size_t> loaded = file->loadNow(); !loaded.ok()) {
    return Exit{1, "irsa-webhook mutate: Pod Identity file " + loaded.status().message() + "\n"};
  }
  return file;
}

// The Pod as kube-apiserver would send it: a CREATE review in the Pod's namespace (or
// "default", where kubectl would create a Pod file without one).
std::string reviewOf(const nlohmann::json& pod) {
  std::string ns = "default";
  if (const auto metadata = pod.find("metadata"); metadata != pod.end() && metadata->is_object())
    ns = metadata->value("namespace", ns);
  const nlohmann::json review = {
      {"apiVersion", "admission.k8s.io/v1"},
      {"kind", "AdmissionReview"},
      {"request",
       {{"uid", "irsa-webhook-mutate"},
        {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
        {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
        {"namespace", ns},
        {"operation", "CREATE"},
        {"object", pod}}}};
  return review.dump();
}

// Decodes, looks up and decides exactly as the server does (admission::ReviewHandler), and
// prints the result; returns the exit code.
int mutatePod(const config::Config& c, const Accounts& accounts,
              const identity::PodIdentityFile* pod_identities, const nlohmann::json& pod,
              const std::string& output, std::ostream& out, std::ostream& err) {
  const identity::IdentityResolver resolver(app::resolverOptions(c), *accounts.source, nullptr,
                                            pod_identities);
  const mutate::MutationOptions options = app::mutationOptions(c);
  Result<admission::Request> request =
      admission::decodeReview(reviewOf(pod), admission::ReviewFormat(options, {}));
  if (!request.ok()) {
    err << "irsa-webhook mutate: " << request.status().message() << "\n";
    return 1;
  }
  const std::string& ns = request->service_account.namespace_name;
  const std::string& sa = request->service_account.name;
  const admission::LookupResult facts = app::identityLookup(resolver)(ns, sa);
  if (accounts.api != nullptr && !accounts.api->lookupStatus().ok()) {
    err << "irsa-webhook mutate: reading ServiceAccount " << ns << "/" << sa << ": "
        << accounts.api->lookupStatus().message() << "\n";
    return 1;
  }
  if (!facts.service_account_found) {
    err << "note: ServiceAccount " << ns << "/" << sa << " not found\n";
  }
  // Deterministic output: the jitter takes its upper bound, like an unjittered token.
  const admission::Decision decision = admission::decide(
      *request, facts, options, [](std::int64_t, std::int64_t high) { return high; });
  const mutate::MutationResult& result = decision.mutation;
  for (const std::string& warning : result.warnings) err << "Warning: " << warning << "\n";
  const nlohmann::json patch = result.patch.is_array() ? result.patch : nlohmann::json::array();
  out << (output == "patch" ? patch : pod.patch(patch)).dump(2) << "\n";
  return 0;
}

// Log lines of the shared code go to stderr: stdout carries only the result.
void logToStderr() {
  auto logger = std::make_shared<spdlog::logger>("irsa-webhook mutate",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("%L %v");
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace

int runMutateCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                     std::ostream& err) {
  logToStderr();
  const Invocation invocation = parseInvocation(args);
  if (invocation.help) {
    out << kUsage;
    return 0;
  }
  if (invocation.output != "pod" && invocation.output != "patch") {
    err << "irsa-webhook mutate: --output must be pod or patch\n";
    return 2;
  }
  auto parsed = config::parseFlags(invocation.webhook_args);
  if (!parsed.ok()) {
    err << "irsa-webhook mutate: " << parsed.status().message() << "\n";
    return 2;
  }
  const config::Config& c = *parsed;
  auto accounts = serviceAccounts(c);
  if (auto* exit = std::get_if<Exit>(&accounts)) {
    err << exit->message;
    return exit->code;
  }
  const auto pod_identities = podIdentities(c);
  if (const auto* exit = std::get_if<Exit>(&pod_identities)) {
    err << exit->message;
    return exit->code;
  }
  const auto pod = readPod(invocation.pod_path, in);
  if (const auto* exit = std::get_if<Exit>(&pod)) {
    err << exit->message;
    return exit->code;
  }
  return mutatePod(c, std::get<Accounts>(accounts),
                   std::get<std::unique_ptr<identity::PodIdentityFile>>(pod_identities).get(),
                   std::get<nlohmann::json>(pod), invocation.output, out, err);
}

}  // namespace irsa::cli
