#pragma once

#include <memory>
#include <set>
#include <string>
#include <utility>

#include "irsa/concurrency/clock.h"
#include "irsa/concurrency/file_watcher.h"
#include "irsa/concurrency/mutex.h"
#include "irsa/status/result.h"

namespace irsa::identity {

// "namespace/serviceaccount" pairs that use EKS Pod Identity (docs/behaviour.md §4).
using PodIdentitySet = std::set<std::pair<std::string, std::string>>;

// Parses {"identities":[{"namespace":"ns","serviceAccount":"sa"}]}. Empty text: no identities.
// Any other shape is InvalidArgument saying what is wrong.
Result<PodIdentitySet> parsePodIdentityFile(const std::string& text);

// The Pod Identity file, reloaded when it changes (a FileWatcher with inotify on its
// directory, so atomic renames and Kubernetes ConfigMap symlink swaps are seen, plus a slow
// poll as a safety net). A missing file means no identities; a malformed one keeps the
// previous list (docs/behaviour.md §4).
class PodIdentityFile {
 public:
  explicit PodIdentityFile(std::string path,
                           concurrency::Clock& clock = concurrency::systemClock());
  ~PodIdentityFile();
  PodIdentityFile(const PodIdentityFile&) = delete;
  PodIdentityFile& operator=(const PodIdentityFile&) = delete;

  // Reads the file now and says how many identities it holds (0 for a missing or empty
  // file); a malformed file is an InvalidArgument status naming the file, and the previous
  // list stays. The caller decides what a failure means: the server logs it and goes on,
  // `irsa-webhook mutate` stops.
  Result<std::size_t> loadNow() EXCLUDES(mutex_);
  // Reloads on every change until destroyed.
  void watch() EXCLUDES(mutex_);
  bool contains(const std::string& namespace_name, const std::string& service_account) const
      EXCLUDES(mutex_);
  std::size_t size() const EXCLUDES(mutex_);

 private:
  const std::string path_;
  concurrency::Clock& clock_;
  mutable concurrency::Mutex mutex_;
  std::shared_ptr<const PodIdentitySet> identities_ GUARDED_BY(mutex_) =
      std::make_shared<PodIdentitySet>();
  std::string loaded_signature_ GUARDED_BY(mutex_);
  std::unique_ptr<concurrency::FileWatcher> watcher_;  // last: stops before the state goes
};

}  // namespace irsa::identity
