#include "irsa/concurrency/file_watcher.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>

namespace irsa::concurrency {

std::string fileSignature(const std::vector<std::string>& paths) {
  std::string signature;
  for (const std::string& path : paths) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return "missing";
    signature += std::to_string(info.st_dev) + ":" + std::to_string(info.st_ino) + ":" +
                 std::to_string(info.st_size) + ":" + std::to_string(info.st_mtim.tv_sec) + "." +
                 std::to_string(info.st_mtim.tv_nsec) + ";";
  }
  return signature;
}

FileWatcher::FileWatcher(std::string what, FileWatcherOptions options, Reload reload, Clock& clock)
    : what_(std::move(what)),
      options_(std::move(options)),
      reload_(std::move(reload)),
      clock_(clock) {}

FileWatcher::~FileWatcher() {
  stop();
}

void FileWatcher::start(std::string loaded_signature) {
  {
    MutexLock lock(mutex_);
    seen_signature_ = std::move(loaded_signature);
  }
  poll_ = std::make_unique<PeriodicTask>(
      what_ + " watcher", options_.poll_interval, [this] { check(); }, clock_);
  if (!options_.notify_on_directory_change) return;
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
  std::set<std::string> directories;
  for (const std::string& path : options_.paths) {
    const std::string directory = std::filesystem::path(path).parent_path().string();
    directories.insert(directory.empty() ? "." : directory);
  }
  for (const std::string& directory : directories) {
    if (inotify_fd_ < 0 || ::inotify_add_watch(inotify_fd_, directory.c_str(),
                                               IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
                                                   IN_CREATE | IN_DELETE) < 0) {
      spdlog::warn("cannot watch {} with inotify; polling it instead", directory);
    }
  }
  if (inotify_fd_ >= 0 && stop_fd_ >= 0) {
    directory_events_ = StoppableThread(
        what_ + " inotify", [this](const std::stop_token& stop) { watchDirectories(stop); });
  }
}

void FileWatcher::stop() {
  directory_events_.stop();
  if (poll_) poll_->stop();
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
  inotify_fd_ = stop_fd_ = -1;
}

void FileWatcher::watchDirectories(const std::stop_token& stop) {
  // poll() cannot wait on a stop_token: the stop request writes to an eventfd it watches.
  const std::stop_callback on_stop(stop, [this] {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(stop_fd_, &one, sizeof one);
  });
  while (!stop.stop_requested()) {
    pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) <= 0) continue;
    if ((fds[0].revents & POLLIN) != 0) return;
    if ((fds[1].revents & POLLIN) != 0) {
      char buffer[4096];
      while (::read(inotify_fd_, buffer, sizeof buffer) > 0) {
      }
      poll_->wake();
    }
  }
}

void FileWatcher::check() {
  const std::string signature = fileSignature(options_.paths);
  {
    // Remembered before reloading, so broken files are reported once per change.
    MutexLock lock(mutex_);
    if (signature == seen_signature_) return;
    seen_signature_ = signature;
  }
  const Result<std::string> loaded = reload_();
  if (loaded.ok()) {
    spdlog::info("{} reloaded from {}{}", what_, options_.paths.front(),
                 loaded->empty() ? "" : ": " + *loaded);
    return;
  }
  failed_reloads_.fetch_add(1, std::memory_order_relaxed);
  spdlog::error("{} not reloaded, keeping the previous one: {}", what_, loaded.status().message());
}

}  // namespace irsa::concurrency
