#include "app/review_handler_construction.h"

#include <random>

#include "irsa/app/identity_lookup.h"
#include "irsa/app/options_from_config.h"

namespace irsa::app {
namespace {

// Pod Identity expiration jitter: one generator per worker thread, no locking.
std::int64_t randomBetween(std::int64_t low, std::int64_t high) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return std::uniform_int_distribution<std::int64_t>(low, high)(generator);
}

}  // namespace

admission::IdentityLookup identityLookup(const identity::IdentityResolver& resolver) {
  return [&resolver](const std::string& ns, const std::string& sa) {
    const identity::Resolution resolution = resolver.resolve(ns, sa);
    return admission::LookupResult{resolution.identity, resolution.service_account_found};
  };
}

std::unique_ptr<admission::ReviewHandler> makeReviewHandler(
    const config::Config& config, const identity::IdentityResolver& resolver) {
  return std::make_unique<admission::ReviewHandler>(mutationOptions(config),
                                                    identityLookup(resolver), &randomBetween);
}

}  // namespace irsa::app
