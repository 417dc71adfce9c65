#pragma once

// The one adapter from the identity module's resolver to what the admission layer asks,
// shared by the server and `irsa-webhook mutate`, so both pick the same identity.

#include "irsa/admission/identity_lookup.h"
#include "irsa/identity/identity_resolver.h"

namespace irsa::app {

// The resolver must outlive the returned function.
admission::IdentityLookup identityLookup(const identity::IdentityResolver& resolver);

}  // namespace irsa::app
