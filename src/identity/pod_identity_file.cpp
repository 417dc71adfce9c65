#include "irsa/identity/pod_identity_file.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace irsa::identity {

std::variant<PodIdentitySet, PodIdentityFileError> parsePodIdentityFile(const std::string& text) {
  PodIdentitySet identities;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return identities;
  const auto document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    return PodIdentityFileError{"not a JSON object"};
  }
  const auto list = document.find("identities");
  if (list == document.end() || list->is_null()) return identities;
  if (!list->is_array()) return PodIdentityFileError{"\"identities\" must be a list"};
  for (const auto& entry : *list) {
    const auto ns = entry.is_object() ? entry.find("namespace") : entry.end();
    const auto sa = entry.is_object() ? entry.find("serviceAccount") : entry.end();
    if (!entry.is_object() || ns == entry.end() || sa == entry.end() || !ns->is_string() ||
        !sa->is_string()) {
      return PodIdentityFileError{"each identity needs string fields namespace and serviceAccount"};
    }
    identities.emplace(ns->get<std::string>(), sa->get<std::string>());
  }
  return identities;
}

PodIdentityFile::PodIdentityFile(std::string path) : path_(std::move(path)) {}

PodIdentityFile::~PodIdentityFile() {
  if (stop_fd_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(stop_fd_, &one, sizeof one);
  }
  if (watcher_.joinable()) watcher_.join();
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

std::string PodIdentityFile::signature() const {
  struct stat info {};
  if (::stat(path_.c_str(), &info) != 0) return "missing";
  return std::to_string(info.st_ino) + ":" + std::to_string(info.st_size) + ":" +
         std::to_string(info.st_mtim.tv_sec) + "." + std::to_string(info.st_mtim.tv_nsec);
}

bool PodIdentityFile::reload() {
  const std::string current_signature = signature();
  std::string text;
  if (current_signature != "missing") {
    std::ifstream in(path_);
    std::ostringstream content;
    content << in.rdbuf();
    text = content.str();
  }
  auto parsed = parsePodIdentityFile(text);
  std::lock_guard lock(mutex_);
  loaded_signature_ = current_signature;
  if (auto* error = std::get_if<PodIdentityFileError>(&parsed)) {
    spdlog::error("Pod Identity file {} is malformed ({}); keeping the previous {} identities",
                  path_, error->message, identities_->size());
    return false;
  }
  auto identities =
      std::make_shared<const PodIdentitySet>(std::move(std::get<PodIdentitySet>(parsed)));
  spdlog::info("Pod Identity file {} loaded: {} identities", path_, identities->size());
  identities_ = std::move(identities);
  return true;
}

void PodIdentityFile::watch() {
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
  const std::string directory = std::filesystem::path(path_).parent_path().string();
  if (inotify_fd_ >= 0 &&
      ::inotify_add_watch(inotify_fd_, directory.empty() ? "." : directory.c_str(),
                          IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE) <
          0) {
    spdlog::warn("cannot watch {} with inotify; polling it instead", directory);
  }
  watcher_ = std::thread([this] {
    while (true) {
      pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
      const int ready = ::poll(fds, inotify_fd_ >= 0 ? 2 : 1, 2000);
      if (ready > 0 && (fds[0].revents & POLLIN) != 0) return;
      if (ready > 0 && (fds[1].revents & POLLIN) != 0) {
        char buffer[4096];
        while (::read(inotify_fd_, buffer, sizeof buffer) > 0) {
        }
      }
      bool changed = false;
      {
        std::lock_guard lock(mutex_);
        changed = signature() != loaded_signature_;
      }
      if (changed) reload();
    }
  });
}

bool PodIdentityFile::contains(const std::string& namespace_name,
                               const std::string& service_account) const {
  std::shared_ptr<const PodIdentitySet> identities;
  {
    std::lock_guard lock(mutex_);
    identities = identities_;
  }
  return identities->count({namespace_name, service_account}) > 0;
}

std::size_t PodIdentityFile::size() const {
  std::lock_guard lock(mutex_);
  return identities_->size();
}

}  // namespace irsa::identity
