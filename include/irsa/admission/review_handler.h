#pragma once

#include <string_view>

#include "irsa/admission/identity_lookup.h"
#include "irsa/admission/outcome.h"
#include "irsa/admission/review.h"
#include "irsa/mutate/options.h"

namespace irsa::admission {

// decodeReview -> identity lookup -> decide -> encodeReview for one request body. Thread-safe:
// one instance serves all worker threads. Exceptions from the lookup propagate: the server's
// barrier turns them into HTTP 500.
class ReviewHandler {
 public:
  ReviewHandler(mutate::MutationOptions options, IdentityLookup lookup,
                mutate::RandomInt random_int, ReviewLimits limits = {});

  ReviewResult handle(std::string_view body) const;

 private:
  mutate::MutationOptions options_;
  IdentityLookup lookup_;
  mutate::RandomInt random_int_;
  ReviewFormat format_;  // built once
};

}  // namespace irsa::admission
