#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "irsa/json/filtered_json.h"

namespace irsa::kube {

// Splits a watch response body into events as bytes arrive. Kubernetes writes one JSON
// object per event, each followed by a newline; a chunk may end in the middle of one, so
// the tail waits for the next chunk. Only the current partial event is buffered.
class WatchStreamParser {
 public:
  // Called per complete event; returns false to stop the stream.
  using EventHandler = std::function<bool(const nlohmann::json& event)>;
  // Each event is parsed through `fields` (see json::parseFiltered).
  WatchStreamParser(const json::JsonFilter& fields, EventHandler handler)
      : fields_(fields), handler_(std::move(handler)) {}

  // Returns false when the handler asked to stop or an event was not valid JSON.
  bool feed(std::string_view data);
  bool malformed() const { return malformed_; }

 private:
  const json::JsonFilter& fields_;
  EventHandler handler_;
  std::string partial_;
  bool malformed_ = false;
};

}  // namespace irsa::kube
