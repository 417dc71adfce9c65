#include "irsa/kube/config_map_watch.h"

namespace irsa::kube {
namespace {

ReflectorOptions reflectorOptions(const std::string& namespace_name, const std::string& name,
                                  const std::string& key, std::chrono::milliseconds resync) {
  using json::JsonFilter;
  ReflectorOptions reflector{"/api/v1/namespaces/" + namespace_name + "/configmaps",
                             "metadata.name=" + name, resync, 500};
  reflector.object_fields =
      JsonFilter()
          .member("metadata",
                  JsonFilter().member("name").member("namespace").member("resourceVersion"))
          .member("data", JsonFilter().member(key));
  return reflector;
}

}  // namespace

ConfigMapWatch::ConfigMapWatch(ApiClient& client, const std::string& namespace_name,
                               const std::string& name, std::string key,
                               std::chrono::milliseconds resync_period, OnChange on_change)
    : key_(std::move(key)),
      on_change_(std::move(on_change)),
      reflector_(client, reflectorOptions(namespace_name, name, key_, resync_period), *this) {}

ConfigMapWatch::~ConfigMapWatch() {
  reflector_.stop();
}

std::optional<std::string> ConfigMapWatch::valueOf(const nlohmann::json& object) const {
  const auto data = object.find("data");
  if (data == object.end() || !data->is_object()) return std::nullopt;
  const auto value = data->find(key_);
  if (value == data->end() || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

void ConfigMapWatch::beginList() {
  listed_value_.reset();
}
void ConfigMapWatch::listed(const nlohmann::json& object) {
  listed_value_ = valueOf(object);
}
void ConfigMapWatch::endList() {
  on_change_(listed_value_);
}

void ConfigMapWatch::event(const std::string& type, const nlohmann::json& object) {
  on_change_(type == "DELETED" ? std::nullopt : valueOf(object));
}

}  // namespace irsa::kube
