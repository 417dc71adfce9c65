// Command-line parsing with Go flag/pflag semantics, because operators copy their
// arguments from the Go webhook's manifests: --name=value, --name value, -name, bare bool
// flags, and Go durations.

#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>

#include "irsa/config/config.h"
#include "irsa/govalues/go_values.h"
#include "irsa/tls/tls_settings.h"

namespace irsa::config {
namespace {

enum class Kind { kBool, kString, kInt, kInt64, kDouble, kDuration, kIgnored, kIgnoredBool };

struct Flag {
  std::string name;
  Kind kind;
  std::string help;
  std::function<std::string(const std::string&)> set;  // returns an error text
  std::string default_text;
};

// Flag values are read as pflag reads them (docs/behaviour.md §1.1): integers and booleans
// through Go's strconv rules, in govalues with the annotation parsers.
std::string parseInt64(const std::string& text, std::int64_t& out) {
  if (text.empty()) return "empty value";
  // pflag's integer flags read Go literals (strconv.ParseInt with base 0).
  const std::optional<std::int64_t> value = govalues::parseIntBase0(text);
  if (!value) return "not an integer";
  out = *value;
  return {};
}

std::string parseBool(const std::string& text, bool& out) {
  const std::optional<bool> value = govalues::parseBool(text);
  if (!value) return "not a boolean";
  out = *value;
  return {};
}

template <typename T>
std::function<std::string(const std::string&)> intSetter(T& target, std::int64_t low,
                                                         std::int64_t high) {
  return [&target, low, high](const std::string& text) -> std::string {
    std::int64_t value = 0;
    if (auto error = parseInt64(text, value); !error.empty()) return error;
    if (value < low || value > high) {
      return "must be between " + std::to_string(low) + " and " + std::to_string(high);
    }
    target = static_cast<T>(value);
    return {};
  };
}

std::function<std::string(const std::string&)> durationSetter(std::chrono::milliseconds& target) {
  return [&target](const std::string& text) -> std::string {
    const Result<std::chrono::nanoseconds> parsed = govalues::parseDuration(text);
    if (!parsed.ok()) return parsed.status().message();
    const std::chrono::nanoseconds value = *parsed;
    if (value.count() < 0) return "must not be negative";
    target = std::chrono::duration_cast<std::chrono::milliseconds>(value);
    return {};
  };
}

std::function<std::string(const std::string&)> stringSetter(std::string& target) {
  return [&target](const std::string& text) -> std::string {
    target = text;
    return {};
  };
}

std::function<std::string(const std::string&)> boolSetter(bool& target) {
  return [&target](const std::string& text) { return parseBool(text, target); };
}

std::function<std::string(const std::string&)> oneOf(std::string& target,
                                                     const std::vector<std::string>& allowed) {
  return [&target, allowed](const std::string& text) -> std::string {
    for (const std::string& option : allowed) {
      if (text == option) {
        target = text;
        return {};
      }
    }
    std::string list;
    for (const std::string& option : allowed) list += (list.empty() ? "" : ", ") + option;
    return "must be one of " + list;
  };
}

// A flag whose value parses into a typed value (a TLS version, cipher suites); the parser's
// message is the error text.
template <typename T>
std::function<std::string(const std::string&)> typedSetter(T& target,
                                                           Result<T> (*parse)(std::string_view)) {
  return [&target, parse](const std::string& text) -> std::string {
    Result<T> parsed = parse(text);
    if (!parsed.ok()) return parsed.status().message();
    target = std::move(parsed).value();
    return {};
  };
}

// Upstream's default is the empty string: Go's own minimum for servers, TLS 1.2.
std::function<std::string(const std::string&)> minVersionSetter(tls::Version& target) {
  auto parse = typedSetter(target, &tls::parseMinVersion);
  return [&target, parse](const std::string& text) -> std::string {
    if (!text.empty()) return parse(text);
    target = tls::Version::kTls12;
    return {};
  };
}

std::function<std::string(const std::string&)> positiveNumberSetter(double& target) {
  return [&target](const std::string& text) -> std::string {
    try {
      std::size_t used = 0;
      const double value = std::stod(text, &used);
      if (used != text.size() || !(value > 0) || !std::isfinite(value)) {
        return "must be a positive number";
      }
      target = value;
      return {};
    } catch (const std::exception&) {
      return "must be a positive number";
    }
  };
}

std::string durationText(std::chrono::milliseconds value) {
  if (value.count() % 1000 == 0) return std::to_string(value.count() / 1000) + "s";
  return std::to_string(value.count()) + "ms";
}

// klog's flags, accepted so Go-webhook manifests work unchanged; logging is spdlog's.
void addKlogFlags(std::vector<Flag>& flags) {
  for (const char* name : {"log_dir", "log_file", "log_file_max_size", "stderrthreshold", "vmodule",
                           "log_backtrace_at", "alsologtostderrthreshold"}) {
    flags.push_back({name, Kind::kIgnored, "accepted for klog compatibility; ignored",
                     [](const std::string&) { return std::string(); }, ""});
  }
  for (const char* name : {"logtostderr", "alsologtostderr", "skip_headers", "skip_log_headers",
                           "add_dir_header", "one_output", "legacy_stderr_threshold_behavior"}) {
    flags.push_back({name, Kind::kIgnoredBool, "accepted for klog compatibility; ignored",
                     [](const std::string& text) {
                       bool ignored = false;
                       return parseBool(text, ignored);
                     },
                     ""});
  }
}

std::vector<Flag> flagTable(Config& c) {
  const Config defaults;
  std::vector<Flag> flags = {
      // Serving
      {"port", Kind::kInt, "HTTPS port for /mutate, /healthz and /readyz",
       intSetter(c.port, 0, 65535), std::to_string(defaults.port)},
      {"metrics-port", Kind::kInt, "plain-HTTP port for /metrics and debug handlers",
       intSetter(c.metrics_port, 0, 65535), std::to_string(defaults.metrics_port)},
      {"bind-address", Kind::kString, "address both listeners bind to",
       stringSetter(c.bind_address), defaults.bind_address},
      {"tls-cert", Kind::kString, "serving certificate file (PEM), reloaded when it changes",
       stringSetter(c.tls_cert), defaults.tls_cert},
      {"tls-key", Kind::kString, "serving private key file (PEM), reloaded when it changes",
       stringSetter(c.tls_key), defaults.tls_key},
      {"tls-min-version", Kind::kString,
       "minimum TLS version: 1.0..1.3 or VersionTLS10..VersionTLS13",
       minVersionSetter(c.tls_min_version), "1.2"},
      {"tls-cipher-suites", Kind::kString,
       "comma-separated IANA cipher suite names (empty: ECDHE with AES-GCM or ChaCha20)",
       typedSetter(c.tls_cipher_suites, &tls::parseCipherSuites), ""},
      {"client-ca-file", Kind::kString,
       "CA bundle (PEM); when set, /mutate requires a client certificate it verifies",
       stringSetter(c.client_ca_file), ""},
      {"worker-threads", Kind::kInt,
       "most admission requests handled at once (connections are multiplexed; a request "
       "waiting on a ServiceAccount cache miss holds one)",
       intSetter(c.worker_threads, 1, 4096), std::to_string(defaults.worker_threads)},
      {"max-request-bytes", Kind::kInt64, "largest accepted request body (larger: HTTP 413)",
       intSetter(c.max_request_bytes, 1024, std::int64_t{1} << 32),
       std::to_string(defaults.max_request_bytes)},
      {"shutdown-drain-delay", Kind::kDuration,
       "after SIGTERM, how long to keep serving while readiness reports 503",
       durationSetter(c.shutdown_drain_delay), durationText(defaults.shutdown_drain_delay)},
      {"read-timeout", Kind::kDuration, "per-request read timeout", durationSetter(c.read_timeout),
       durationText(defaults.read_timeout)},
      {"write-timeout", Kind::kDuration, "per-response write timeout",
       durationSetter(c.write_timeout), durationText(defaults.write_timeout)},
      // Kubernetes API
      {"kubeconfig", Kind::kString, "kubeconfig file for out-of-cluster API access",
       stringSetter(c.kubeconfig), ""},
      {"kube-api", Kind::kString, "Kubernetes API server URL (overrides the kubeconfig's)",
       stringSetter(c.kube_api), ""},
      // Upstream's in-cluster mode stored its certificate in this Secret; that mode is
      // refused (docs/migration.md), so the name is accepted and unused.
      {"tls-secret", Kind::kIgnored, "accepted for compatibility (in-cluster mode only); ignored",
       [](const std::string&) { return std::string(); }, ""},
      {"in-cluster", Kind::kBool, "accepted for compatibility; only false is supported",
       boolSetter(c.in_cluster), "false"},
      {"kube-api-qps", Kind::kDouble, "client-side rate limit for Kubernetes API requests",
       positiveNumberSetter(c.kube_api_qps), "50"},
      {"kube-api-burst", Kind::kInt, "burst for the Kubernetes API rate limit",
       intSetter(c.kube_api_burst, 1, 100000), std::to_string(defaults.kube_api_burst)},
      {"namespace", Kind::kString,
       "namespace of the webhook's own objects (ConfigMap, certificates)",
       stringSetter(c.namespace_name), defaults.namespace_name},
      {"service-name", Kind::kString, "Service name of the webhook (certificate DNS names)",
       stringSetter(c.service_name), defaults.service_name},
      {"resync-period", Kind::kDuration,
       "how often the ServiceAccount cache resyncs (from memory, as client-go's informers)",
       durationSetter(c.resync_period), durationText(defaults.resync_period)},
      {"service-account-lookup-grace-period", Kind::kDuration,
       "how long a Pod waits for a ServiceAccount not yet in the cache",
       durationSetter(c.service_account_lookup_grace_period),
       durationText(defaults.service_account_lookup_grace_period)},
      {"cache-sync-wait", Kind::kDuration,
       "how long a Pod that arrives before the first ServiceAccount sync waits for it (0: not at "
       "all)",
       durationSetter(c.cache_sync_wait), durationText(defaults.cache_sync_wait)},
      {"service-accounts-file", Kind::kString,
       "YAML/JSON list of ServiceAccounts to use instead of the Kubernetes API (local runs, tests)",
       stringSetter(c.service_accounts_file), ""},
      // Mutation
      {"annotation-prefix", Kind::kString, "prefix of the ServiceAccount and Pod annotations",
       stringSetter(c.annotation_prefix), defaults.annotation_prefix},
      {"token-audience", Kind::kString, "default audience of the injected token",
       stringSetter(c.token_audience), defaults.token_audience},
      {"token-mount-path", Kind::kString, "where the token volume is mounted",
       stringSetter(c.token_mount_path), defaults.token_mount_path},
      {"token-expiration", Kind::kInt64, "default token lifetime in seconds (minimum 600)",
       intSetter(c.token_expiration, std::numeric_limits<std::int64_t>::min(),
                 std::numeric_limits<std::int64_t>::max()),
       std::to_string(defaults.token_expiration)},
      {"aws-default-region", Kind::kString, "if set, inject AWS_DEFAULT_REGION and AWS_REGION",
       stringSetter(c.aws_default_region), ""},
      {"sts-regional-endpoint", Kind::kBool,
       "default for injecting AWS_STS_REGIONAL_ENDPOINTS=regional",
       boolSetter(c.sts_regional_endpoint), "false"},
      {"watch-config-map", Kind::kBool,
       "also read ServiceAccount-to-role mappings from ConfigMap pod-identity-webhook in "
       "--namespace",
       boolSetter(c.watch_config_map), "false"},
      {"compose-role-arn", Kind::kBool,
       "allow a bare role name in role-arn; account and partition come from instance metadata",
       boolSetter(c.compose_role_arn), "false"},
      {"imds-endpoint", Kind::kString,
       "instance metadata endpoint used by --compose-role-arn; empty: "
       "AWS_EC2_METADATA_SERVICE_ENDPOINT, else the default of "
       "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE (http://169.254.169.254 or http://[fd00:ec2::254])",
       stringSetter(c.imds_endpoint), defaults.imds_endpoint},
      // Pod Identity
      {"watch-container-credentials-config", Kind::kString, "path of the EKS Pod Identity file",
       stringSetter(c.watch_container_credentials_config), ""},
      {"container-credentials-audience", Kind::kString, "audience of the Pod Identity token",
       stringSetter(c.container_credentials_audience), defaults.container_credentials_audience},
      {"container-credentials-token-mount-path", Kind::kString,
       "mount path of the Pod Identity token",
       stringSetter(c.container_credentials_token_mount_path),
       defaults.container_credentials_token_mount_path},
      {"container-credentials-token-volume-name", Kind::kString,
       "volume name of the Pod Identity token",
       stringSetter(c.container_credentials_token_volume_name),
       defaults.container_credentials_token_volume_name},
      {"container-credentials-token-path", Kind::kString, "file name of the Pod Identity token",
       stringSetter(c.container_credentials_token_path), defaults.container_credentials_token_path},
      {"container-credentials-full-uri", Kind::kString, "AWS_CONTAINER_CREDENTIALS_FULL_URI value",
       stringSetter(c.container_credentials_full_uri), defaults.container_credentials_full_uri},
      // Certificates
      {"cert-mode", Kind::kString,
       "files: read --tls-cert/--tls-key; self-signed: create and rotate them in a Secret",
       oneOf(c.cert_mode, {"files", "self-signed"}), defaults.cert_mode},
      {"webhook-config-name", Kind::kString,
       "MutatingWebhookConfiguration whose caBundle self-signed mode keeps current",
       stringSetter(c.webhook_config_name), defaults.webhook_config_name},
      {"cert-secret-name", Kind::kString, "Secret in --namespace holding self-signed certificates",
       stringSetter(c.cert_secret_name), defaults.cert_secret_name},
      // Operations
      {"enable-debugging-handlers", Kind::kBool, "serve /debug/alpha/cache on the metrics port",
       boolSetter(c.enable_debugging_handlers), "false"},
      {"v", Kind::kInt, "log verbosity (0 info, 4 debug, 6 trace; any int32, as klog)",
       intSetter(c.verbosity, std::numeric_limits<std::int32_t>::min(),
                 std::numeric_limits<std::int32_t>::max()),
       "0"},
      {"log-format", Kind::kString, "text, or json for log pipelines",
       oneOf(c.log_format, {"text", "json"}), defaults.log_format},
      {"version", Kind::kBool, "print the version and exit", boolSetter(c.show_version), "false"},
      {"help", Kind::kBool, "print this help and exit", boolSetter(c.show_help), "false"},
  };
  addKlogFlags(flags);
  return flags;
}

// --name=value, --name, -name=value, -name.
struct FlagArgument {
  std::string name;
  std::optional<std::string> value;  // absent: the next argument, or "true" for a bool
};

FlagArgument splitFlagArgument(const std::string& arg) {
  std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
  if (const std::size_t eq = body.find('='); eq != std::string::npos) {
    return {body.substr(0, eq), body.substr(eq + 1)};
  }
  return {std::move(body), std::nullopt};
}

Flag* findFlag(std::vector<Flag>& flags, const std::string& name) {
  for (Flag& candidate : flags) {
    if (candidate.name == name) return &candidate;
  }
  return nullptr;
}

// pflag's one-letter shorthands upstream has: -v (klog's verbosity) and -h (help).
const char* shorthandFlag(char letter) {
  if (letter == 'v') return "v";
  if (letter == 'h') return "help";
  return nullptr;
}

// A single-dash argument that names no flag may be a shorthand with its value attached, as
// pflag reads it: -v4 and -v=4 are --v=4.
FlagArgument resolveArgument(const std::string& arg, std::vector<Flag>& flags) {
  FlagArgument parsed = splitFlagArgument(arg);
  if (arg[1] == '-' || findFlag(flags, parsed.name) != nullptr) return parsed;
  const char* shorthand = shorthandFlag(arg[1]);
  if (shorthand == nullptr) return parsed;
  std::string rest = arg.substr(2);
  if (!rest.empty() && rest[0] == '=') rest.erase(0, 1);
  if (rest.empty()) return {shorthand, parsed.value};
  return {shorthand, rest};
}

}  // namespace

Result<Config> parseFlags(const std::vector<std::string>& args) {
  Config config;
  std::vector<Flag> flags = flagTable(config);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-') {
      return invalidArgument("unexpected argument \"" + arg + "\"; flags start with --");
    }
    FlagArgument parsed = resolveArgument(arg, flags);
    Flag* flag = findFlag(flags, parsed.name);
    if (flag == nullptr) return invalidArgument("unknown flag --" + parsed.name + " (see --help)");
    if (!parsed.value) {
      if (flag->kind == Kind::kBool || flag->kind == Kind::kIgnoredBool) {
        parsed.value = "true";
      } else if (i + 1 < args.size()) {
        parsed.value = args[++i];
      } else {
        return invalidArgument("--" + flag->name + ": missing value");
      }
    }
    if (std::string error = flag->set(*parsed.value); !error.empty()) {
      return invalidArgument("--" + flag->name + ": invalid value \"" + *parsed.value +
                             "\": " + error);
    }
  }
  if (config.in_cluster) {
    return invalidArgument(
        "--in-cluster: true is not supported (it relied on the removed legacy-unknown CSR signer); "
        "serve certificates from files with --tls-cert/--tls-key or use --cert-mode=self-signed");
  }
  return config;
}

std::string usage() {
  Config scratch;
  std::ostringstream out;
  out << "Usage: irsa-webhook [flags]\n"
         "       irsa-webhook mutate [--pod FILE|-] [--service-accounts-file FILE] [flags]\n"
         "       irsa-webhook check-flags [flags]   (parse the flags, exit 0 or 2; no server)\n\n"
         "Mutating admission webhook that gives Pods AWS IAM roles (IRSA and EKS Pod Identity).\n\n"
         "Flags:\n";
  for (const Flag& flag : flagTable(scratch)) {
    if (flag.kind == Kind::kIgnored || flag.kind == Kind::kIgnoredBool) continue;
    out << "  --" << flag.name;
    if (flag.kind != Kind::kBool) out << " value";
    out << "\n        " << flag.help;
    if (!flag.default_text.empty()) out << " (default " << flag.default_text << ")";
    out << '\n';
  }
  out << "\nklog flags (--logtostderr, --alsologtostderr, --log_dir, --log_file, --vmodule, ...) "
         "are "
         "accepted and ignored.\n";
  return out.str();
}

}  // namespace irsa::config
