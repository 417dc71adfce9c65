#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <variant>

namespace irsa::identity {

// "namespace/serviceaccount" pairs that use EKS Pod Identity (docs/behaviour.md §4).
using PodIdentitySet = std::set<std::pair<std::string, std::string>>;

struct PodIdentityFileError {
  std::string message;
};

// Parses {"identities":[{"namespace":"ns","serviceAccount":"sa"}]}. Empty text: no identities.
std::variant<PodIdentitySet, PodIdentityFileError> parsePodIdentityFile(const std::string& text);

// The Pod Identity file, reloaded when it changes (inotify on its directory, so atomic
// renames and Kubernetes ConfigMap symlink swaps are seen, plus a slow poll as a safety
// net). A missing file means no identities; a malformed one keeps the previous list.
class PodIdentityFile {
 public:
  explicit PodIdentityFile(std::string path);
  ~PodIdentityFile();
  PodIdentityFile(const PodIdentityFile&) = delete;
  PodIdentityFile& operator=(const PodIdentityFile&) = delete;

  // Reads the file now; returns false (and logs) when it is malformed.
  bool reload();
  void watch();
  bool contains(const std::string& namespace_name, const std::string& service_account) const;
  std::size_t size() const;

 private:
  std::string signature() const;

  const std::string path_;
  mutable std::mutex mutex_;
  std::shared_ptr<const PodIdentitySet> identities_ = std::make_shared<PodIdentitySet>();
  std::string loaded_signature_;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;
  std::thread watcher_;
};

}  // namespace irsa::identity
