#include "irsa/identity/pod_identity_file.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace irsa::identity {

Result<PodIdentitySet> parsePodIdentityFile(const std::string& text) {
  PodIdentitySet identities;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return identities;
  const auto document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    return invalidArgument("not a JSON object");
  }
  const auto list = document.find("identities");
  if (list == document.end() || list->is_null()) return identities;
  if (!list->is_array()) return invalidArgument("\"identities\" must be a list");
  for (const auto& entry : *list) {
    const auto ns = entry.is_object() ? entry.find("namespace") : entry.end();
    const auto sa = entry.is_object() ? entry.find("serviceAccount") : entry.end();
    if (!entry.is_object() || ns == entry.end() || sa == entry.end() || !ns->is_string() ||
        !sa->is_string()) {
      return invalidArgument("each identity needs string fields namespace and serviceAccount");
    }
    identities.emplace(ns->get<std::string>(), sa->get<std::string>());
  }
  return identities;
}

PodIdentityFile::PodIdentityFile(std::string path, concurrency::Clock& clock)
    : path_(std::move(path)), clock_(clock) {}

PodIdentityFile::~PodIdentityFile() {
  if (watcher_) watcher_->stop();
}

Result<std::size_t> PodIdentityFile::loadNow() {
  // Taken before reading: a change made while reading is seen by the next check.
  const std::string signature = concurrency::fileSignature({path_});
  std::string text;
  if (signature != "missing") {
    std::ifstream in(path_);
    std::ostringstream content;
    content << in.rdbuf();
    text = content.str();
  }
  auto parsed = parsePodIdentityFile(text);
  concurrency::MutexLock lock(mutex_);
  loaded_signature_ = signature;
  if (!parsed.ok()) {
    return invalidArgument(path_ + " is malformed (" + parsed.status().message() +
                           "); keeping the previous " + std::to_string(identities_->size()) +
                           " identities");
  }
  identities_ = std::make_shared<const PodIdentitySet>(std::move(parsed).value());
  return identities_->size();
}

void PodIdentityFile::watch() {
  watcher_ = std::make_unique<concurrency::FileWatcher>(
      "Pod Identity file", concurrency::FileWatcherOptions{{path_}, std::chrono::seconds(2), true},
      [this]() -> Result<std::string> {
        const Result<std::size_t> loaded = loadNow();
        if (!loaded.ok()) return loaded.status();
        return std::to_string(*loaded) + " identities";
      },
      clock_);
  std::string signature;
  {
    concurrency::MutexLock lock(mutex_);
    signature = loaded_signature_;
  }
  watcher_->start(signature);
}

bool PodIdentityFile::contains(const std::string& namespace_name,
                               const std::string& service_account) const {
  std::shared_ptr<const PodIdentitySet> identities;
  {
    concurrency::MutexLock lock(mutex_);
    identities = identities_;
  }
  return identities->count({namespace_name, service_account}) > 0;
}

std::size_t PodIdentityFile::size() const {
  concurrency::MutexLock lock(mutex_);
  return identities_->size();
}

}  // namespace irsa::identity
