#include "irsa/kube/reflector.h"

#include <spdlog/spdlog.h>

#include <random>

#include "irsa/concurrency/exception_barrier.h"
#include "kube/watch_stream.h"

namespace irsa::kube {
namespace {

constexpr std::chrono::milliseconds kMaxBackoffBeforeSync{5000};

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

Reflector::Reflector(ApiClient& client, ReflectorOptions options, ReflectorSink& sink,
                     concurrency::Clock& clock)
    : client_(client),
      clock_(clock),
      options_(std::move(options)),
      page_fields_(pageFields(options_.object_fields)),
      event_fields_(eventFields(options_.object_fields)),
      sink_(sink) {}

Reflector::~Reflector() {
  stop();
}

void Reflector::start() {
  thread_ = concurrency::StoppableThread("reflector " + options_.collection_path,
                                         [this](const std::stop_token& stop) { run(stop); });
}

void Reflector::stop() {
  // The stop request comes first: a watch that opens after cancelStreams() sees it.
  thread_.requestStop();
  client_.cancelStreams();
  thread_.stop();
}

std::string Reflector::lastError() const {
  concurrency::MutexLock lock(mutex_);
  return last_error_;
}

void Reflector::setError(std::string error) {
  concurrency::MutexLock lock(mutex_);
  last_error_ = std::move(error);
}

void Reflector::resyncIfDue() {
  if (options_.resync_period.count() <= 0 || clock_.now() - resynced_at_ < options_.resync_period)
    return;
  resynced_at_ = clock_.now();
  stats_.resyncs.fetch_add(1, std::memory_order_relaxed);
  sink_.resync();
}

bool Reflector::list(const std::stop_token& stop) {
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
    if (stop.stop_requested()) return false;
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
  resynced_at_ = clock_.now();
  stats_.lists.fetch_add(1, std::memory_order_relaxed);
  synced_ = true;
  setError({});
  return true;
}

Reflector::WatchEnd Reflector::watch(const std::stop_token& stop) {
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
    if (type == "ADDED" || type == "MODIFIED" || type == "DELETED") {
      stats_.events.fetch_add(1, std::memory_order_relaxed);
      sink_.event(type, object);
    }
    // Bookmarks arrive about once a minute on a quiet collection, so a resync is at most
    // that late.
    resyncIfDue();
    return !stop.stop_requested();
  });
  const ApiResponse response = client_.stream(
      path, [&](std::string_view data) { return parser.feed(data); },
      std::chrono::seconds(timeout_seconds + 30), stop);
  if (stop.stop_requested()) return WatchEnd::kStopped;
  return watchEnd(response, parser.malformed(), end);
}

Reflector::WatchEnd Reflector::watchEnd(const ApiResponse& response, bool malformed,
                                        WatchEnd from_events) {
  if (response.status == 410) return WatchEnd::kRelist;
  if (response.status != 0 && (response.status < 200 || response.status >= 300)) {
    setError("WATCH " + options_.collection_path + ": HTTP " + std::to_string(response.status));
    stats_.failures.fetch_add(1, std::memory_order_relaxed);
    return WatchEnd::kResume;
  }
  if (malformed) {
    setError("WATCH " + options_.collection_path + ": malformed event in stream");
    return WatchEnd::kRelist;
  }
  if (!response.error.empty() && from_events == WatchEnd::kResume) {
    setError("WATCH " + options_.collection_path + ": " + response.error);
  }
  resyncIfDue();
  return from_events;
}

void Reflector::backOff(Loop& loop, const std::stop_token& stop) {
  clock_.sleepFor(stop, jittered(loop.backoff));
  // Until the first sync, readiness and every lookup wait for the API server: retry at
  // least every few seconds so they are not kept waiting long after it comes back.
  const std::chrono::milliseconds cap =
      synced_ ? options_.max_backoff : std::min(options_.max_backoff, kMaxBackoffBeforeSync);
  loop.backoff = std::min(loop.backoff * 2, cap);
}

void Reflector::run(const std::stop_token& stop) {
  Loop loop{options_.min_backoff};
  while (!stop.stop_requested()) {
    bool go_on = true;
    const Status turned = concurrency::runGuarded("reflector " + options_.collection_path,
                                                  [&] { go_on = turn(loop, stop); });
    if (!go_on) return;
    if (!turned.ok()) {
      // The barrier logged it; what the sink holds may be half-updated: list afresh.
      stats_.failures.fetch_add(1, std::memory_order_relaxed);
      setError(turned.message());
      loop.need_list = true;
      backOff(loop, stop);
    }
  }
}

// One LIST or one WATCH, and the backoff after it. False when stopping.
bool Reflector::turn(Loop& loop, const std::stop_token& stop) {
  if (loop.need_list) {
    if (!list(stop)) {
      if (stop.stop_requested()) return false;
      stats_.failures.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("{}; retrying in about {} ms", lastError(), loop.backoff.count());
      backOff(loop, stop);
      return true;
    }
    loop.need_list = false;
    loop.backoff = options_.min_backoff;
  }
  const auto watch_started = clock_.now();
  const WatchEnd end = watch(stop);
  if (end == WatchEnd::kStopped || stop.stop_requested()) return false;
  stats_.watch_restarts.fetch_add(1, std::memory_order_relaxed);
  if (end == WatchEnd::kRelist) {
    spdlog::info("re-listing {} ({})", options_.collection_path, lastError());
    loop.need_list = true;
    return true;
  }
  // A watch that ran for a while was healthy: resume quickly. One that failed at once
  // backs off so an unavailable API server is not hammered.
  if (clock_.now() - watch_started > std::chrono::seconds(10)) {
    loop.backoff = options_.min_backoff;
  } else {
    if (!lastError().empty())
      spdlog::warn("{}; retrying in about {} ms", lastError(), loop.backoff.count());
    backOff(loop, stop);
  }
  return true;
}

}  // namespace irsa::kube
