#pragma once

#include <functional>
#include <optional>
#include <string>

#include "irsa/kube/api_client.h"
#include "irsa/kube/reflector.h"

namespace irsa::kube {

// Follows one ConfigMap (LIST+WATCH with a name field selector, so only that object is
// ever transferred) and hands the value of one key to `on_change`: the text, or empty when
// the ConfigMap or the key does not exist.
class ConfigMapWatch : private ReflectorSink {
 public:
  using OnChange = std::function<void(const std::optional<std::string>& value)>;
  ConfigMapWatch(ApiClient& client, const std::string& namespace_name, const std::string& name,
                 std::string key, std::chrono::milliseconds resync_period, OnChange on_change);
  ~ConfigMapWatch() override;

  void start() { reflector_.start(); }
  void stop() { reflector_.stop(); }
  bool synced() const { return reflector_.synced(); }
  std::string lastError() const { return reflector_.lastError(); }

 private:
  void beginList() override;
  void listed(const nlohmann::json& object) override;
  void endList() override;
  void event(const std::string& type, const nlohmann::json& object) override;
  std::optional<std::string> valueOf(const nlohmann::json& object) const;

  const std::string key_;
  OnChange on_change_;
  std::optional<std::string> listed_value_;
  Reflector reflector_;
};

}  // namespace irsa::kube
