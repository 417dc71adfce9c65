// The mutation rules, top to bottom. Each rule names the section of
// docs/behaviour.md it implements; the tests in test/mutate/build_patch_test.cpp
// use the same rule names, and test/mutate/fixtures/ holds the end-to-end cases.
//
// Shape of the output (docs/behaviour.md §2.4): only "add" operations on what is missing, so fields
// this webhook does not know survive untouched, and a second run over the result adds nothing.

#include "irsa/mutate/build_patch.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "irsa/govalues/go_values.h"
#include "irsa/mutate/annotations.h"
#include "irsa/mutate/json_pointer.h"
#include "irsa/mutate/paths.h"
#include "token_expiration.h"

namespace irsa::mutate {
namespace {

using nlohmann::json;

constexpr std::string_view kWebIdentityVolumeName = "aws-iam-token";
constexpr std::string_view kWebIdentityTokenFile = "token";

// --- Reading the Pod defensively: a wrong type is treated as absent. ----------------------

const json* member(const json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

const std::string* stringMember(const json& object, std::string_view key) {
  const json* value = member(object, key);
  return value != nullptr && value->is_string() ? value->get_ptr<const std::string*>() : nullptr;
}

// True when `list` (an array of objects with "name") has an entry called `name`.
bool hasNamedEntry(const json* list, std::string_view name) {
  if (list == nullptr || !list->is_array()) return false;
  for (const json& entry : *list) {
    const std::string* entry_name = stringMember(entry, "name");
    if (entry_name != nullptr && *entry_name == name) return true;
  }
  return false;
}

// --- The Pod as the rules see it, found once (docs/behaviour.md §2.4: wrong types are absent).
// Pointers into the Pod; null when the field is absent. Whether a present field has the
// type a rule can patch is for that rule to say (a wrong type leaves its part alone).
struct PodView {
  const json* spec = nullptr;      // an object, or there is nothing to patch
  const json* metadata = nullptr;  // any type
  const json* labels = nullptr;    // any type; null when metadata is not an object
  const json* volumes = nullptr;
  const json* init_containers = nullptr;
  const json* containers = nullptr;
  const std::string* token_expiration = nullptr;  // the Pod annotation, when a string
  const std::string* skip_containers = nullptr;   // the Pod annotation, when a string
  bool windows = false;                           // docs/behaviour.md §2.3
};

bool selectsWindows(const json* selector) {
  if (selector == nullptr) return false;
  for (const char* key : {"kubernetes.io/os", "beta.kubernetes.io/os"}) {
    const std::string* os = stringMember(*selector, key);
    if (os != nullptr && *os == "windows") return true;
  }
  return false;
}

PodView viewPod(const json& pod, const MutationOptions& options) {
  PodView view;
  const json* spec = member(pod, "spec");
  if (spec == nullptr || !spec->is_object()) return view;
  view.spec = spec;
  view.metadata = member(pod, "metadata");
  if (view.metadata != nullptr) {
    view.labels = member(*view.metadata, "labels");
    if (const json* annotations = member(*view.metadata, "annotations")) {
      const std::string& prefix = options.annotation_prefix;
      view.token_expiration =
          stringMember(*annotations, annotationKey(prefix, kTokenExpirationAnnotation));
      view.skip_containers =
          stringMember(*annotations, annotationKey(prefix, kSkipContainersAnnotation));
    }
  }
  view.volumes = member(*spec, "volumes");
  view.init_containers = member(*spec, "initContainers");
  view.containers = member(*spec, "containers");
  view.windows = selectsWindows(member(*spec, "nodeSelector"));
  return view;
}

// --- Rule: skip-containers (docs/behaviour.md §1, "Pod annotations").
// -----------------------------------
std::vector<std::string> skippedContainers(const PodView& pod) {
  if (pod.skip_containers == nullptr) return {};
  return govalues::parseCsvRecord(*pod.skip_containers).value_or(std::vector<std::string>{});
}

// --- Rule: the token file, Windows too, in both modes (docs/behaviour.md §2.3).
std::string tokenFilePath(const PodView& pod, std::string_view mount_path,
                          std::string_view token_path) {
  std::string path = joinPath(mount_path, token_path);
  if (!pod.windows) return path;
  path.insert(0, "C:");
  for (char& c : path) {
    if (c == '/') c = '\\';
  }
  return path;
}

// What every container should receive, computed once per Pod.
struct ContainerPlan {
  // Credential variables: ROLE_ARN + WEB_IDENTITY_TOKEN_FILE, or the Pod Identity pair.
  std::string credential_name_1;
  std::string credential_value_1;
  std::string credential_name_2;
  std::string credential_value_2;
  bool regional_sts = false;
  const std::string* region = nullptr;  // empty string: no region variables
  std::string volume_name;
  std::string mount_path;
};

// Patch values are built member by member with put(): nlohmann's initializer lists build
// and copy a temporary array per member, which showed up in the admission profile.
void put(json& object, std::string_view key, json value) {
  object.get_ref<json::object_t&>().emplace(std::string(key), std::move(value));
}

json arrayOf(json value) {
  json result(json::value_t::array);
  result.get_ref<json::array_t&>().push_back(std::move(value));
  return result;
}

void addOperation(json& patch, std::string path, json value) {
  json operation = json::object();
  put(operation, "op", "add");
  put(operation, "path", std::move(path));
  put(operation, "value", std::move(value));
  patch.get_ref<json::array_t&>().push_back(std::move(operation));
}

json envVar(std::string_view name, std::string_view value) {
  json variable = json::object();
  put(variable, "name", name);
  put(variable, "value", value);
  return variable;
}

// --- Rule: per-container env and volumeMount (docs/behaviour.md §2.2, docs/behaviour.md §4).
// -------------------------- Appends to `patch` the operations for one container at `path` (e.g.
// /spec/containers/0).
void planContainer(const json& container, const std::string& path, const ContainerPlan& plan,
                   json& patch) {
  if (!container.is_object()) return;
  const json* env = member(container, "env");
  const json* mounts = member(container, "volumeMounts");
  // Something other than an array here cannot take an "add .../-"; leave the container.
  if ((env != nullptr && !env->is_array() && !env->is_null()) ||
      (mounts != nullptr && !mounts->is_array() && !mounts->is_null())) {
    return;
  }

  const bool has_credential_1 = hasNamedEntry(env, plan.credential_name_1);
  const bool has_credential_2 = hasNamedEntry(env, plan.credential_name_2);
  const bool has_region =
      hasNamedEntry(env, "AWS_REGION") || hasNamedEntry(env, "AWS_DEFAULT_REGION");
  const bool has_sts = hasNamedEntry(env, "AWS_STS_REGIONAL_ENDPOINTS");

  // "Already configured": a container that sets credentials, region and STS mode itself is
  // owned by its author; adding a mount alone would be surprising.
  if ((has_credential_1 || has_credential_2) && has_region && has_sts) return;

  json new_env = json::array();
  if (plan.regional_sts && !has_sts)
    new_env.push_back(envVar("AWS_STS_REGIONAL_ENDPOINTS", "regional"));
  if (plan.region != nullptr && !plan.region->empty() && !has_region) {
    new_env.push_back(envVar("AWS_DEFAULT_REGION", *plan.region));
    new_env.push_back(envVar("AWS_REGION", *plan.region));
  }
  // The pair is all or nothing: half a configuration from us next to half from the user
  // would point the SDK at two different identities.
  if (!has_credential_1 && !has_credential_2) {
    new_env.push_back(envVar(plan.credential_name_1, plan.credential_value_1));
    new_env.push_back(envVar(plan.credential_name_2, plan.credential_value_2));
  }

  if (!new_env.empty()) {
    if (env == nullptr || env->is_null()) {
      addOperation(patch, path + "/env", std::move(new_env));
    } else {
      for (json& variable : new_env) addOperation(patch, path + "/env/-", std::move(variable));
    }
  }

  if (!hasNamedEntry(mounts, plan.volume_name)) {
    json mount = json::object();
    put(mount, "name", plan.volume_name);
    put(mount, "readOnly", true);
    put(mount, "mountPath", plan.mount_path);
    if (mounts == nullptr || mounts->is_null()) {
      addOperation(patch, path + "/volumeMounts", arrayOf(std::move(mount)));
    } else {
      addOperation(patch, path + "/volumeMounts/-", std::move(mount));
    }
  }
}

// --- Rule: containers and init containers, skip list, no ephemeral containers (docs/behaviour.md
// §2.2).
void planContainers(const json* containers, std::string_view list_name,
                    const std::vector<std::string>& skip, const ContainerPlan& plan, json& patch) {
  if (containers == nullptr || !containers->is_array()) return;
  for (std::size_t i = 0; i < containers->size(); ++i) {
    const json& container = (*containers)[i];
    const std::string* name = stringMember(container, "name");
    if (name != nullptr && std::find(skip.begin(), skip.end(), *name) != skip.end()) continue;
    planContainer(container, "/spec/" + std::string(list_name) + "/" + std::to_string(i), plan,
                  patch);
  }
}

// --- Rule: the projected token volume (docs/behaviour.md §2.1, docs/behaviour.md §4).
// ---------------------------------
void planVolume(const json* volumes, const std::string& volume_name, const std::string& audience,
                std::int64_t expiration, const std::string& token_path, json& patch) {
  if (volumes != nullptr && !volumes->is_array() && !volumes->is_null()) return;
  if (hasNamedEntry(volumes, volume_name)) return;
  json token = json::object();
  // No audience means the API server's own (its issuer); the Go webhook leaves the field out.
  if (!audience.empty()) put(token, "audience", audience);
  put(token, "expirationSeconds", expiration);
  put(token, "path", token_path);
  json source = json::object();
  put(source, "serviceAccountToken", std::move(token));
  json projected = json::object();
  put(projected, "sources", arrayOf(std::move(source)));
  json volume = json::object();
  put(volume, "name", volume_name);
  put(volume, "projected", std::move(projected));
  // First in the list, as the Go webhook puts it (docs/behaviour.md §2.1).
  if (volumes == nullptr || volumes->is_null()) {
    addOperation(patch, "/spec/volumes", arrayOf(std::move(volume)));
  } else {
    addOperation(patch, "/spec/volumes/0", std::move(volume));
  }
}

// --- Rule: Pod Identity label (docs/behaviour.md §4).
// ---------------------------------------------------
void planPodIdentityLabel(const PodView& pod, json& patch) {
  const json* metadata = pod.metadata;
  if (metadata != nullptr && !metadata->is_object()) return;
  const json* labels = pod.labels;
  if (labels != nullptr && !labels->is_object() && !labels->is_null()) return;
  const std::string* current =
      labels != nullptr ? stringMember(*labels, kPodIdentityLabel) : nullptr;
  if (current != nullptr && *current == kPodIdentityLabelValue) return;
  json label = json::object();
  put(label, kPodIdentityLabel, kPodIdentityLabelValue);
  if (metadata == nullptr) {
    json new_metadata = json::object();
    put(new_metadata, "labels", std::move(label));
    addOperation(patch, "/metadata", std::move(new_metadata));
  } else if (labels == nullptr || labels->is_null()) {
    addOperation(patch, "/metadata/labels", std::move(label));
  } else {
    // "add" on an existing member replaces it, which is what a wrong value needs.
    addOperation(patch, "/metadata/labels/" + escapeJsonPointerToken(kPodIdentityLabel),
                 kPodIdentityLabelValue);
  }
}

}  // namespace

// Hand-written rather than std::regex: it runs on every mutated Pod, and libstdc++'s
// regex costs microseconds per match.
bool isValidRoleArn(const std::string& arn) {
  std::string_view rest = arn;
  auto consume = [&rest](std::string_view prefix) {
    if (rest.substr(0, prefix.size()) != prefix) return false;
    rest.remove_prefix(prefix.size());
    return true;
  };
  if (!consume("arn:aws")) return false;
  // Partition suffix: [a-z0-9-]* up to the next ':'.
  while (!rest.empty() && rest.front() != ':') {
    const char c = rest.front();
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    rest.remove_prefix(1);
  }
  if (!consume(":iam::")) return false;
  for (int i = 0; i < 12; ++i) {
    if (rest.empty() || rest.front() < '0' || rest.front() > '9') return false;
    rest.remove_prefix(1);
  }
  if (!consume(":role/") || rest.empty()) return false;
  for (const char c : rest) {
    const bool word =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!word && std::string_view("+=,.@/-").find(c) == std::string_view::npos) return false;
  }
  return true;
}

irsa::json::JsonFilter podFieldsRead(const MutationOptions& options) {
  using irsa::json::JsonFilter;
  const JsonFilter named_entries = JsonFilter().elements(JsonFilter().member("name"));
  JsonFilter container;
  container.member("name").member("env", named_entries).member("volumeMounts", named_entries);
  JsonFilter metadata;
  metadata.member("name").member("generateName").member("namespace");
  metadata.member("annotations", JsonFilter().membersWithPrefix(options.annotation_prefix + "/"));
  metadata.member("labels", JsonFilter().member(std::string(kPodIdentityLabel)));
  JsonFilter spec;
  spec.member("serviceAccountName").member("serviceAccount");
  spec.member("nodeSelector",
              JsonFilter().member("kubernetes.io/os").member("beta.kubernetes.io/os"));
  spec.member("volumes", named_entries);
  spec.member("containers", JsonFilter().elements(container));
  spec.member("initContainers", JsonFilter().elements(container));
  JsonFilter pod;
  pod.member("metadata", std::move(metadata)).member("spec", std::move(spec));
  return pod;
}

namespace {

// What the projected volume and every container get in one mode.
struct ModePlan {
  ContainerPlan container;
  std::int64_t expiration = 0;
  std::string audience;
  std::string token_path;
};

// docs/behaviour.md §4: EKS Pod Identity. The expiration is chosen by the caller.
ModePlan podIdentityPlan(const PodView& pod, const MutationOptions& options) {
  ModePlan plan;
  plan.audience = options.container_credentials_audience;
  plan.token_path = options.container_credentials_token_path;
  ContainerPlan& container = plan.container;
  container.volume_name = options.container_credentials_token_volume_name;
  container.mount_path = options.container_credentials_token_mount_path;
  container.credential_name_1 = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
  container.credential_value_1 = options.container_credentials_full_uri;
  container.credential_name_2 = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
  container.credential_value_2 = tokenFilePath(pod, container.mount_path, plan.token_path);
  return plan;
}

// docs/behaviour.md §2: web identity (IRSA). The expiration is chosen by the caller.
ModePlan webIdentityPlan(const PodView& pod, const Identity& identity,
                         const MutationOptions& options) {
  ModePlan plan;
  plan.audience = identity.audience;
  plan.token_path = std::string(kWebIdentityTokenFile);
  ContainerPlan& container = plan.container;
  container.volume_name = std::string(kWebIdentityVolumeName);
  container.mount_path = options.token_mount_path;
  container.credential_name_1 = "AWS_ROLE_ARN";
  container.credential_value_1 = identity.role_arn;
  container.credential_name_2 = "AWS_WEB_IDENTITY_TOKEN_FILE";
  container.credential_value_2 = tokenFilePath(pod, container.mount_path, plan.token_path);
  return plan;
}

// --- Rule: audit annotations and the invalid-role warning, only with a patch
// (docs/behaviour.md §5).
void reportPatch(const Identity& identity, MutationResult& result) {
  if (identity.mode == IdentityMode::kPodIdentity) {
    result.audit_annotations["mode"] = "pod-identity";
    return;
  }
  result.audit_annotations["mode"] = "web-identity";
  result.audit_annotations["role-arn"] = identity.role_arn;
  if (!isValidRoleArn(identity.role_arn)) {
    result.warnings.push_back("role ARN \"" + identity.role_arn +
                              "\" is not a valid IAM role ARN (arn:aws:iam::<12-digit "
                              "account>:role/<name>); AWS SDKs in this Pod will fail to assume it");
  }
}

}  // namespace

MutationResult buildPatch(const json& pod, const Identity& identity, const MutationOptions& options,
                          const RandomInt& random_int) {
  MutationResult result;
  const PodView view = viewPod(pod, options);
  if (view.spec == nullptr) return result;

  const bool pod_identity = identity.mode == IdentityMode::kPodIdentity;
  ModePlan plan =
      pod_identity ? podIdentityPlan(view, options) : webIdentityPlan(view, identity, options);
  std::vector<std::string> expiration_warnings;
  plan.expiration = chooseTokenExpiration({view.token_expiration, identity.token_expiration,
                                           options.default_token_expiration, pod_identity},
                                          random_int, expiration_warnings);
  plan.container.regional_sts = identity.regional_sts;
  plan.container.region = &options.aws_default_region;

  json& patch = result.patch;
  if (pod_identity) planPodIdentityLabel(view, patch);
  planVolume(view.volumes, plan.container.volume_name, plan.audience, plan.expiration,
             plan.token_path, patch);
  const std::vector<std::string> skip = skippedContainers(view);
  planContainers(view.init_containers, "initContainers", skip, plan.container, patch);
  planContainers(view.containers, "containers", skip, plan.container, patch);

  if (!patch.empty()) {
    reportPatch(identity, result);
    // Only a volume this patch adds has the lowered lifetime to warn about.
    if (!hasNamedEntry(view.volumes, plan.container.volume_name)) {
      for (std::string& warning : expiration_warnings)
        result.warnings.push_back(std::move(warning));
    }
  }
  return result;
}

}  // namespace irsa::mutate
