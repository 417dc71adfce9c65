#pragma once

// The one place the admission handler is constructed from the flags and the identity
// resolver.

#include <memory>

#include "irsa/admission/review_handler.h"
#include "irsa/config/config.h"
#include "irsa/identity/identity_resolver.h"

namespace irsa::app {

std::unique_ptr<admission::ReviewHandler> makeReviewHandler(
    const config::Config& config, const identity::IdentityResolver& resolver);

}  // namespace irsa::app
