#include "support/fake_api_server.h"

#include <httplib.h>

#include <algorithm>
#include <sstream>

#include "irsa/json/base64.h"

namespace irsa::test {
namespace {

using nlohmann::json;

json status(int code, const std::string& reason, const std::string& message) {
  return {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
          {"status", "Failure"}, {"message", message}, {"reason", reason},
          {"code", code}};
}

}  // namespace

FakeApiServer::FakeApiServer() : certificates_(makeTestCertificates("fake-apiserver")) {
  installCertificates(dir_, certificates_);
  server_ = std::make_unique<httplib::SSLServer>(dir_.file("tls.crt").c_str(),
                                                 dir_.file("tls.key").c_str());
  server_->new_task_queue = [] { return new httplib::ThreadPool(32); };
  // Like kube-apiserver (Go sets TCP_NODELAY on every connection). Without it, Nagle's
  // algorithm holds each response body behind its headers until the client's delayed ACK:
  // ~40 ms per LIST page.
  server_->set_tcp_nodelay(true);
  installRoutes();
  port_ = server_->bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  for (int i = 0; i < 500 && !server_->is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

FakeApiServer::~FakeApiServer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  server_->stop();
  thread_.join();
}

std::string FakeApiServer::writeKubeconfig(const TempDir& dir,
                                           const std::string& token_file) const {
  std::ostringstream out;
  out << "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
      << "clusters:\n- name: fake\n  cluster:\n    server: " << url()
      << "\n    certificate-authority-data: "
      << irsa::json::base64Encode(certificates_.ca_certificate) << "\n"
      << "contexts:\n- name: fake\n  context: {cluster: fake, user: webhook}\n"
      << "users:\n- name: webhook\n  user:\n";
  if (token_file.empty()) {
    out << "    token: test-token\n";
  } else {
    out << "    tokenFile: " << token_file << "\n";
  }
  const std::string path = dir.file("kubeconfig");
  writeFile(path, out.str());
  return path;
}

json FakeApiServer::makeObject(const std::string& kind, const std::string& ns,
                               const std::string& name, const json& payload,
                               std::uint64_t rv) const {
  json object = {{"apiVersion", "v1"},
                 {"kind", kind == "serviceaccounts" ? "ServiceAccount" : "ConfigMap"},
                 {"metadata",
                  {{"name", name},
                   {"namespace", ns},
                   {"resourceVersion", std::to_string(rv)},
                   {"uid", kind + "-" + ns + "-" + name},
                   {"creationTimestamp", "2026-01-01T00:00:00Z"}}}};
  if (kind == "serviceaccounts") {
    if (!payload.empty()) object["metadata"]["annotations"] = payload;
    object["secrets"] = json::array();
  } else {
    object["data"] = payload;
  }
  return object;
}

void FakeApiServer::recordEvent(std::string type, const std::string& kind, const std::string& ns,
                                json object) {
  std::string line = json{{"type", type}, {"object", object}}.dump() + "\n";
  events_.push_back({rv_, std::move(type), kind, ns, std::move(object), std::move(line)});
}

void FakeApiServer::put(const std::string& kind, const std::string& ns, const std::string& name,
                        json payload) {
  {
    std::lock_guard lock(mutex_);
    const std::string key = kind + "/" + ns + "/" + name;
    const bool exists = objects_.count(key) > 0;
    json object = makeObject(kind, ns, name, payload, ++rv_);
    objects_[key] = object;
    recordEvent(exists ? "MODIFIED" : "ADDED", kind, ns, std::move(object));
  }
  changed_.notify_all();
}

void FakeApiServer::remove(const std::string& kind, const std::string& ns,
                           const std::string& name) {
  {
    std::lock_guard lock(mutex_);
    const auto it = objects_.find(kind + "/" + ns + "/" + name);
    if (it == objects_.end()) return;
    json object = it->second;
    objects_.erase(it);
    object["metadata"]["resourceVersion"] = std::to_string(++rv_);
    recordEvent("DELETED", kind, ns, std::move(object));
  }
  changed_.notify_all();
}

void FakeApiServer::bulkAddServiceAccounts(int count, int annotated_every) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < count; ++i) {
    const std::string ns = "ns-" + std::to_string(i % 1000);
    const std::string name = "sa-" + std::to_string(i);
    json annotations = json::object();
    if (annotated_every > 0 && i % annotated_every == 0) {
      annotations["eks.amazonaws.com/role-arn"] = "arn:aws:iam::111122223333:role/" + name;
    }
    annotations["kubectl.kubernetes.io/last-applied-configuration"] = std::string(200, 'x');
    objects_["serviceaccounts/" + ns + "/" + name] =
        makeObject("serviceaccounts", ns, name, annotations, ++rv_);
  }
  oldest_watchable_rv_ = rv_;
}

void FakeApiServer::setToken(const std::string& token) {
  std::lock_guard lock(mutex_);
  token_ = token;
}

void FakeApiServer::failNextRequests(int count, int status_code) {
  std::lock_guard lock(mutex_);
  fail_count_ = count;
  fail_status_ = status_code;
}

void FakeApiServer::closeWatches() {
  {
    std::lock_guard lock(mutex_);
    ++close_generation_;
  }
  changed_.notify_all();
}

void FakeApiServer::sendHalfEventAndClose() {
  {
    std::lock_guard lock(mutex_);
    half_event_ = true;
    ++close_generation_;
  }
  changed_.notify_all();
}

void FakeApiServer::expireHistory() {
  {
    std::lock_guard lock(mutex_);
    // Like an etcd compaction: every resourceVersion a client holds is now too old.
    oldest_watchable_rv_ = ++rv_;
    ++close_generation_;
  }
  changed_.notify_all();
}

void FakeApiServer::setBookmarks(bool enabled) {
  std::lock_guard lock(mutex_);
  bookmarks_ = enabled;
}

void FakeApiServer::holdWatchEvents(bool held) {
  {
    std::lock_guard lock(mutex_);
    hold_events_ = held;
  }
  changed_.notify_all();
}

void FakeApiServer::setResponseDelay(std::chrono::milliseconds delay) {
  std::lock_guard lock(mutex_);
  delay_ = delay;
}

void FakeApiServer::installRoutes() {
  // Authentication, injected failures and delays apply to every request.
  server_->set_pre_routing_handler(
      [this](const httplib::Request& request, httplib::Response& response) {
        std::chrono::milliseconds delay{0};
        {
          std::lock_guard lock(mutex_);
          delay = delay_;
          if (request.get_header_value("Authorization") != "Bearer " + token_) {
            ++unauthorized_;
            response.status = 401;
            response.set_content(status(401, "Unauthorized", "Unauthorized").dump(),
                                 "application/json");
            return httplib::Server::HandlerResponse::Handled;
          }
          if (fail_count_ > 0) {
            --fail_count_;
            response.status = fail_status_;
            response.set_content(status(fail_status_, "InternalError", "injected failure").dump(),
                                 "application/json");
            return httplib::Server::HandlerResponse::Handled;
          }
        }
        if (delay.count() > 0) std::this_thread::sleep_for(delay);
        return httplib::Server::HandlerResponse::Unhandled;
      });

  auto collection = [this](const httplib::Request& request, httplib::Response& response,
                           const std::string& kind, const std::string& ns) {
    const std::string field_selector = request.get_param_value("fieldSelector");
    const std::string name_filter =
        field_selector.rfind("metadata.name=", 0) == 0 ? field_selector.substr(14) : std::string();
    // By value: the watch stream outlives this handler call.
    auto matches = [kind, ns, name_filter](const std::string& object_kind,
                                           const std::string& object_ns, const json& object) {
      return object_kind == kind && (ns.empty() || object_ns == ns) &&
             (name_filter.empty() || object["metadata"]["name"] == name_filter);
    };
    if (request.get_param_value("watch") == "1" || request.get_param_value("watch") == "true") {
      ++watch_requests_;
      const std::uint64_t from = std::stoull(request.get_param_value("resourceVersion").empty()
                                                 ? "0"
                                                 : request.get_param_value("resourceVersion"));
      {
        std::lock_guard lock(mutex_);
        if (from < oldest_watchable_rv_) {
          // Like the real server: HTTP 200 and an ERROR event carrying a 410 Status.
          json event = {{"type", "ERROR"},
                        {"object", status(410, "Expired",
                                          "too old resource version: " + std::to_string(from))}};
          response.set_content(event.dump() + "\n", "application/json");
          return;
        }
      }
      auto cursor = std::make_shared<std::uint64_t>(from);
      auto generation = std::make_shared<std::uint64_t>(0);
      {
        std::lock_guard lock(mutex_);
        *generation = close_generation_;
      }
      ++open_watches_;
      response.set_chunked_content_provider(
          "application/json",
          [this, cursor, generation, matches](std::size_t, httplib::DataSink& sink) {
            std::unique_lock lock(mutex_);
            changed_.wait_for(lock, std::chrono::milliseconds(50));
            if (stopping_ || close_generation_ != *generation) {
              if (half_event_) {
                half_event_ = false;
                const std::string half = R"({"type":"ADDED","object":{"metadata":{"name":"half)";
                sink.write(half.data(), half.size());
              }
              sink.done();
              return true;
            }
            if (hold_events_) return true;
            std::string out;
            // Events are ordered by resourceVersion: start after the cursor, not at the front.
            const auto first =
                std::upper_bound(events_.begin(), events_.end(), *cursor,
                                 [](std::uint64_t rv, const Event& e) { return rv < e.rv; });
            for (auto it = first; it != events_.end(); ++it) {
              const Event& event = *it;
              *cursor = event.rv;
              if (!matches(event.kind, event.ns, event.object)) continue;
              out += event.line;
            }
            if (out.empty() && !bookmarks_) return true;
            if (out.empty()) {
              // Bookmarks keep the resourceVersion current while nothing changes.
              out = json{{"type", "BOOKMARK"},
                         {"object",
                          {{"kind", "ServiceAccount"},
                           {"apiVersion", "v1"},
                           {"metadata", {{"resourceVersion", std::to_string(rv_)}}}}}}
                        .dump() +
                    "\n";
              *cursor = rv_;
            }
            lock.unlock();
            return sink.write(out.data(), out.size());
          },
          [this](bool) { --open_watches_; });
      return;
    }
    ++list_requests_;
    const int limit =
        request.get_param_value("limit").empty() ? 0 : std::stoi(request.get_param_value("limit"));
    const std::string start_after = request.get_param_value("continue");
    json items = json::array();
    std::string next;
    std::lock_guard lock(mutex_);
    for (auto it = objects_.upper_bound(start_after); it != objects_.end(); ++it) {
      const std::size_t slash1 = it->first.find('/');
      const std::size_t slash2 = it->first.find('/', slash1 + 1);
      if (!matches(it->first.substr(0, slash1), it->first.substr(slash1 + 1, slash2 - slash1 - 1),
                   it->second)) {
        continue;
      }
      if (limit > 0 && static_cast<int>(items.size()) == limit) {
        next = std::prev(it)->first;
        break;
      }
      items.push_back(it->second);
    }
    json list = {{"apiVersion", "v1"},
                 {"kind", kind == "serviceaccounts" ? "ServiceAccountList" : "ConfigMapList"},
                 {"metadata", {{"resourceVersion", std::to_string(rv_)}}},
                 {"items", std::move(items)}};
    if (!next.empty()) list["metadata"]["continue"] = next;
    response.set_content(list.dump(), "application/json");
  };

  server_->Get("/api/v1/serviceaccounts",
               [collection](const httplib::Request& request, httplib::Response& response) {
                 collection(request, response, "serviceaccounts", "");
               });
  server_->Get(R"(/api/v1/namespaces/([^/]+)/(serviceaccounts|configmaps))",
               [collection](const httplib::Request& request, httplib::Response& response) {
                 collection(request, response, request.matches[2], request.matches[1]);
               });
  server_->Get(R"(/api/v1/namespaces/([^/]+)/(serviceaccounts|configmaps)/([^/]+))",
               [this](const httplib::Request& request, httplib::Response& response) {
                 ++get_requests_;
                 std::lock_guard lock(mutex_);
                 const std::string key = std::string(request.matches[2]) + "/" +
                                         std::string(request.matches[1]) + "/" +
                                         std::string(request.matches[3]);
                 const auto it = objects_.find(key);
                 if (it == objects_.end()) {
                   response.status = 404;
                   response.set_content(status(404, "NotFound", key + " not found").dump(),
                                        "application/json");
                   return;
                 }
                 response.set_content(it->second.dump(), "application/json");
               });
}

}  // namespace irsa::test
