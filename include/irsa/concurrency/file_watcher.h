#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "irsa/concurrency/clock.h"
#include "irsa/concurrency/mutex.h"
#include "irsa/concurrency/periodic_task.h"
#include "irsa/concurrency/stoppable_thread.h"
#include "irsa/status/result.h"

namespace irsa::concurrency {

// What identifies the content of some files without reading them: device, inode, size and
// modification time of each, following symlinks (how Kubernetes Secret and ConfigMap
// volumes swap content). "missing" when any of them does not exist.
std::string fileSignature(const std::vector<std::string>& paths);

struct FileWatcherOptions {
  std::vector<std::string> paths;
  std::chrono::milliseconds poll_interval{1000};
  // Also watch the files' directories with inotify and check at once on any change there
  // (atomic renames, ConfigMap symlink swaps); the poll stays as a safety net.
  bool notify_on_directory_change = false;
};

// The one file watcher: calls `reload` when fileSignature(paths) changes; `reload` says
// what it loaded ("12 identities", or nothing) for the log line. A failed reload
// is logged with its Status and not retried until the files change again, so one broken
// change logs one line; the owner keeps its previous content (the reload function must
// leave it untouched on failure).
class FileWatcher {
 public:
  using Reload = std::function<Result<std::string>()>;
  FileWatcher(std::string what, FileWatcherOptions options, Reload reload,
              Clock& clock = systemClock());
  ~FileWatcher();
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  // Starts watching. `loaded_signature` is the fileSignature() the owner took before it
  // last read the files, so a change made while it was reading is still seen.
  void start(std::string loaded_signature) EXCLUDES(mutex_);
  void stop();

  // Checks the files now (what every poll does).
  void check() EXCLUDES(mutex_);
  std::uint64_t failedReloads() const { return failed_reloads_.load(); }

 private:
  void watchDirectories(const std::stop_token& stop);

  const std::string what_;
  const FileWatcherOptions options_;
  const Reload reload_;
  Clock& clock_;
  std::atomic<std::uint64_t> failed_reloads_{0};
  Mutex mutex_;
  std::string seen_signature_ GUARDED_BY(mutex_);
  int inotify_fd_ = -1;
  int stop_fd_ = -1;
  std::unique_ptr<PeriodicTask> poll_;
  StoppableThread directory_events_;
};

}  // namespace irsa::concurrency
