#include "irsa/kube/reflector.h"

#include <spdlog/spdlog.h>

#include <random>

#include "kube/watch_stream.h"

namespace irsa::kube {
namespace {

std::string urlEncode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::chrono::milliseconds jittered(std::chrono::milliseconds base) {
  thread_local std::mt19937 generator{std::random_device{}()};
  std::uniform_real_distribution<double> factor(0.5, 1.5);
  return std::chrono::milliseconds(
      static_cast<long>(static_cast<double>(base.count()) * factor(generator)));
}

json::JsonFilter pageFields(const json::JsonFilter& object_fields) {
  json::JsonFilter page;
  page.member("items", json::JsonFilter().elements(object_fields));
  page.member("metadata", json::JsonFilter().member("continue").member("resourceVersion"));
  return page;
}

json::JsonFilter eventFields(const json::JsonFilter& object_fields) {
  // ERROR events carry a Status instead of an object: keep its code and message too.
  json::JsonFilter object = object_fields;
  object.member("code").member("message");
  json::JsonFilter event;
  event.member("type").member("object", std::move(object));
  return event;
}

}  // namespace

Reflector::Reflector(ApiClient& client, ReflectorOptions options, ReflectorSink& sink)
    : client_(client),
      options_(std::move(options)),
      page_fields_(pageFields(options_.object_fields)),
      event_fields_(eventFields(options_.object_fields)),
      sink_(sink) {}

Reflector::~Reflector() {
  stop();
}

void Reflector::start() {
  thread_ = std::thread([this] { run(); });
}

void Reflector::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wakeup_.notify_all();
  client_.cancelStreams();
  if (thread_.joinable()) thread_.join();
}

std::string Reflector::lastError() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

void Reflector::setError(std::string error) {
  std::lock_guard lock(mutex_);
  last_error_ = std::move(error);
}

void Reflector::sleepFor(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  wakeup_.wait_for(lock, duration, [this] { return stopping_.load(); });
}

bool Reflector::list() {
  std::string continue_token;
  std::string resource_version;
  bool begun = false;
  do {
    std::string path = options_.collection_path + "?limit=" + std::to_string(options_.page_size);
    if (!options_.field_selector.empty())
      path += "&fieldSelector=" + urlEncode(options_.field_selector);
    if (!continue_token.empty()) path += "&continue=" + urlEncode(continue_token);
    const ApiResponse response = client_.get(
        path, continue_token.empty() ? ApiClient::RateLimit::kApply : ApiClient::RateLimit::kSkip);
    if (stopping_) return false;
    if (!response.ok()) {
      // 410 here means the continue token expired mid-list: start the list over.
      setError("LIST " + options_.collection_path + ": " +
               (response.status == 0 ? response.error : "HTTP " + std::to_string(response.status)));
      return false;
    }
    const json::FilteredJson parsed = json::parseFiltered(response.body, page_fields_);
    const nlohmann::json& page = parsed.value;
    if (parsed.error || !page.is_object() || !page.contains("items") || !page["items"].is_array()) {
      setError("LIST " + options_.collection_path + ": response is not a list");
      return false;
    }
    if (!begun) {
      sink_.beginList();
      begun = true;
    }
    for (const auto& item : page.at("items")) sink_.listed(item);
    const auto& metadata = page.value("metadata", nlohmann::json::object());
    continue_token = metadata.value("continue", "");
    resource_version = metadata.value("resourceVersion", "");
  } while (!continue_token.empty());
  sink_.endList();
  resource_version_ = resource_version;
  listed_at_ = std::chrono::steady_clock::now();
  stats_.lists.fetch_add(1, std::memory_order_relaxed);
  synced_ = true;
  setError({});
  return true;
}

Reflector::WatchEnd Reflector::watch() {
  // A server-side timeout spreads watch restarts of many replicas over time.
  thread_local std::mt19937 generator{std::random_device{}()};
  const int timeout_seconds = std::uniform_int_distribution<int>(240, 360)(generator);
  std::string path =
      options_.collection_path +
      "?watch=1&allowWatchBookmarks=true&timeoutSeconds=" + std::to_string(timeout_seconds) +
      "&resourceVersion=" + urlEncode(resource_version_);
  if (!options_.field_selector.empty())
    path += "&fieldSelector=" + urlEncode(options_.field_selector);

  WatchEnd end = WatchEnd::kResume;
  WatchStreamParser parser(event_fields_, [&](const nlohmann::json& event) {
    const std::string type = event.value("type", "");
    const auto object_it = event.find("object");
    if (object_it == event.end() || !object_it->is_object()) return true;
    const nlohmann::json& object = *object_it;
    if (type == "ERROR") {
      // A Status object; 410 Gone/Expired means our resourceVersion is too old.
      const int code = object.value("code", 0);
      setError("watch error: " + object.value("message", std::string("unknown")));
      end = code == 410 ? WatchEnd::kRelist : WatchEnd::kResume;
      return false;
    }
    const auto metadata = object.find("metadata");
    if (metadata != object.end() && metadata->is_object()) {
      const std::string rv = metadata->value("resourceVersion", "");
      if (!rv.empty()) resource_version_ = rv;
    }
    if (type == "BOOKMARK") return true;
    if (type == "ADDED" || type == "MODIFIED" || type == "DELETED") {
      stats_.events.fetch_add(1, std::memory_order_relaxed);
      sink_.event(type, object);
    }
    return !stopping_.load() &&
           !(options_.resync_period.count() > 0 &&
             std::chrono::steady_clock::now() - listed_at_ > options_.resync_period);
  });
  const ApiResponse response = client_.stream(
      path, [&](std::string_view data) { return parser.feed(data); },
      std::chrono::seconds(timeout_seconds + 30), stopping_);
  if (stopping_) return WatchEnd::kStopped;
  if (response.status == 410) return WatchEnd::kRelist;
  if (response.status != 0 && (response.status < 200 || response.status >= 300)) {
    setError("WATCH " + options_.collection_path + ": HTTP " + std::to_string(response.status));
    stats_.failures.fetch_add(1, std::memory_order_relaxed);
    return WatchEnd::kResume;
  }
  if (parser.malformed()) {
    setError("WATCH " + options_.collection_path + ": malformed event in stream");
    return WatchEnd::kRelist;
  }
  if (!response.error.empty() && end == WatchEnd::kResume) {
    setError("WATCH " + options_.collection_path + ": " + response.error);
  }
  if (options_.resync_period.count() > 0 &&
      std::chrono::steady_clock::now() - listed_at_ > options_.resync_period) {
    return WatchEnd::kRelist;
  }
  return end;
}

void Reflector::run() {
  std::chrono::milliseconds backoff = options_.min_backoff;
  bool need_list = true;
  while (!stopping_) {
    if (need_list) {
      if (!list()) {
        if (stopping_) return;
        stats_.failures.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("{}; retrying in about {} ms", lastError(), backoff.count());
        sleepFor(jittered(backoff));
        backoff = std::min(backoff * 2, options_.max_backoff);
        continue;
      }
      need_list = false;
      backoff = options_.min_backoff;
    }
    const auto watch_started = std::chrono::steady_clock::now();
    const WatchEnd end = watch();
    if (end == WatchEnd::kStopped || stopping_) return;
    stats_.watch_restarts.fetch_add(1, std::memory_order_relaxed);
    if (end == WatchEnd::kRelist) {
      spdlog::info("re-listing {} ({})", options_.collection_path,
                   lastError().empty() ? "resync period" : lastError());
      need_list = true;
      continue;
    }
    // A watch that ran for a while was healthy: resume quickly. One that failed at once
    // backs off so an unavailable API server is not hammered.
    if (std::chrono::steady_clock::now() - watch_started > std::chrono::seconds(10)) {
      backoff = options_.min_backoff;
    } else {
      if (!lastError().empty())
        spdlog::warn("{}; retrying in about {} ms", lastError(), backoff.count());
      sleepFor(jittered(backoff));
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
  }
}

}  // namespace irsa::kube
