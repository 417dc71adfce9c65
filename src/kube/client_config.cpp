#include "irsa/kube/client_config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "irsa/json/base64.h"

namespace irsa::kube {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string scalar(const YAML::Node& node, const char* key) {
  const YAML::Node value = node[key];
  return value && value.IsScalar() ? value.as<std::string>() : std::string();
}

// Finds the entry named `name` in a kubeconfig list (clusters, users, contexts) and
// returns its inner object (cluster, user, context).
std::optional<YAML::Node> namedEntry(const YAML::Node& root, const char* list, const char* inner,
                                     const std::string& name) {
  const YAML::Node entries = root[list];
  if (!entries || !entries.IsSequence()) return std::nullopt;
  for (const YAML::Node& entry : entries) {
    if (entry.IsMap() && scalar(entry, "name") == name) {
      const YAML::Node value = entry[inner];
      return value && value.IsMap() ? value : YAML::Node(YAML::NodeType::Map);
    }
  }
  return std::nullopt;
}

// Loads a "<field>-data" (base64) or "<field>" (file path) pair.
Status loadPem(const YAML::Node& node, const std::string& field, const fs::path& base,
               const std::string& where, std::string& out) {
  const std::string data = scalar(node, (field + "-data").c_str());
  if (!data.empty()) {
    const auto decoded = json::base64Decode(data);
    if (!decoded) return invalidArgument(where + ": " + field + "-data is not valid base64");
    out = *decoded;
    return okStatus();
  }
  const std::string file = scalar(node, field.c_str());
  if (file.empty()) return okStatus();
  const fs::path path = fs::path(file).is_absolute() ? fs::path(file) : base / file;
  const auto content = readFile(path.string());
  if (!content) return notFound(where + ": cannot read " + field + " file " + path.string());
  out = *content;
  return okStatus();
}

// The server, TLS verification and CA of a kubeconfig cluster entry.
Status readCluster(const YAML::Node& cluster, const std::string& cluster_name, const fs::path& base,
                   const std::string& where, ClientConfig& config) {
  config.server = scalar(cluster, "server");
  if (config.server.empty())
    return invalidArgument(where + ": cluster \"" + cluster_name + "\" has no server");
  if (config.server.rfind("https://", 0) != 0 && config.server.rfind("http://", 0) != 0) {
    return invalidArgument(where + ": server \"" + config.server + "\" must start with https://");
  }
  config.insecure_skip_tls_verify = scalar(cluster, "insecure-skip-tls-verify") == "true";
  return loadPem(cluster, "certificate-authority", base, where, config.ca_pem);
}

// A kubeconfig user's client credential plugin (`exec`).
Status readExec(const YAML::Node& exec, const std::string& where, std::optional<ExecConfig>& out) {
  ExecConfig plugin;
  plugin.command = scalar(exec, "command");
  if (plugin.command.empty()) return invalidArgument(where + ": exec plugin without command");
  if (!scalar(exec, "apiVersion").empty()) plugin.api_version = scalar(exec, "apiVersion");
  if (exec["args"] && exec["args"].IsSequence()) {
    for (const YAML::Node& arg : exec["args"]) plugin.args.push_back(arg.as<std::string>());
  }
  if (exec["env"] && exec["env"].IsSequence()) {
    for (const YAML::Node& variable : exec["env"]) {
      plugin.env.emplace_back(scalar(variable, "name"), scalar(variable, "value"));
    }
  }
  out = std::move(plugin);
  return okStatus();
}

// The credentials of a kubeconfig user entry: token, token file, client certificate and
// key, and the exec plugin.
Status readUser(const YAML::Node& user, const std::string& user_name, const fs::path& base,
                const std::string& where, ClientConfig& config) {
  config.token = scalar(user, "token");
  const std::string token_file = scalar(user, "tokenFile");
  if (!token_file.empty()) {
    config.token_file =
        fs::path(token_file).is_absolute() ? token_file : (base / token_file).string();
    if (!readFile(config.token_file))
      return notFound(where + ": cannot read tokenFile " + config.token_file);
  }
  if (Status loaded =
          loadPem(user, "client-certificate", base, where, config.client_certificate_pem);
      !loaded.ok())
    return loaded;
  if (Status loaded = loadPem(user, "client-key", base, where, config.client_key_pem); !loaded.ok())
    return loaded;
  if (config.client_certificate_pem.empty() != config.client_key_pem.empty()) {
    return invalidArgument(where + ": user \"" + user_name +
                           "\" needs both client-certificate and client-key");
  }
  const YAML::Node exec = user["exec"];
  if (exec && exec.IsMap()) return readExec(exec, where, config.exec);
  return okStatus();
}

// No --kubeconfig: in-cluster. With --kube-api the in-cluster credentials are used when they
// exist and the server alone (no credentials) otherwise; the caller sets the server.
Result<ClientConfig> configWithoutKubeconfig(const std::string& kube_api) {
  Result<ClientConfig> in_cluster = inClusterConfig();
  if (in_cluster.ok() || kube_api.empty()) return in_cluster;
  ClientConfig config;
  config.origin = "--kube-api";
  config.server = kube_api;
  return config;
}

}  // namespace

Result<ClientConfig> parseKubeconfig(const std::string& text, const std::string& path) {
  const std::string where = "kubeconfig " + path;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& error) {
    return invalidArgument(where + ": not valid YAML: " + error.what());
  }
  if (!root.IsMap()) return invalidArgument(where + ": not a kubeconfig (expected a mapping)");
  const fs::path base = fs::path(path).parent_path();
  try {
    const std::string context_name = scalar(root, "current-context");
    if (context_name.empty()) return invalidArgument(where + ": current-context is not set");
    const auto context_entry = namedEntry(root, "contexts", "context", context_name);
    if (!context_entry)
      return invalidArgument(where + ": context \"" + context_name + "\" not found");
    const YAML::Node& context = *context_entry;
    const std::string cluster_name = scalar(context, "cluster");
    const auto cluster_entry = namedEntry(root, "clusters", "cluster", cluster_name);
    if (!cluster_entry)
      return invalidArgument(where + ": cluster \"" + cluster_name + "\" not found");

    ClientConfig config;
    config.origin = where;
    if (Status read = readCluster(*cluster_entry, cluster_name, base, where, config); !read.ok())
      return read;
    const std::string user_name = scalar(context, "user");
    if (!user_name.empty()) {
      const auto user_entry = namedEntry(root, "users", "user", user_name);
      if (!user_entry) return invalidArgument(where + ": user \"" + user_name + "\" not found");
      if (Status read = readUser(*user_entry, user_name, base, where, config); !read.ok())
        return read;
    }
    return config;
  } catch (const YAML::Exception& error) {
    return invalidArgument(where + ": " + error.what());
  }
}

Result<ClientConfig> loadKubeconfig(const std::string& path) {
  const auto text = readFile(path);
  if (!text) return notFound("kubeconfig " + path + ": cannot read the file");
  return parseKubeconfig(*text, path);
}

Result<ClientConfig> inClusterConfig(const InClusterFiles& files) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");  // NOLINT(concurrency-mt-unsafe)
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");  // NOLINT(concurrency-mt-unsafe)
  if (host == nullptr || port == nullptr || *host == '\0') {
    return failedPrecondition(
        "not running in a cluster (KUBERNETES_SERVICE_HOST is unset); pass --kubeconfig or "
        "--service-accounts-file");
  }
  ClientConfig config;
  config.origin = "in-cluster";
  const std::string host_text = host;
  // IPv6 service addresses need brackets in a URL.
  config.server = "https://" +
                  (host_text.find(':') != std::string::npos ? "[" + host_text + "]" : host_text) +
                  ":" + port;
  const auto ca = readFile(files.ca);
  if (!ca) return notFound("in-cluster: cannot read CA file " + files.ca);
  config.ca_pem = *ca;
  if (!readFile(files.token)) return notFound("in-cluster: cannot read token file " + files.token);
  config.token_file = files.token;
  return config;
}

Result<ClientConfig> resolveClientConfig(const std::string& kubeconfig,
                                         const std::string& kube_api) {
  Result<ClientConfig> resolved =
      kubeconfig.empty() ? configWithoutKubeconfig(kube_api) : loadKubeconfig(kubeconfig);
  if (resolved.ok() && !kube_api.empty()) resolved->server = kube_api;
  return resolved;
}

}  // namespace irsa::kube
