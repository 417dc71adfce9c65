#pragma once

// Result<T>: a value or the Status saying why there is none (absl::StatusOr, reduced).
// Fallible construction goes through a static `create()` returning Result<T>.

#include <cassert>
#include <optional>
#include <utility>

#include "irsa/status/status.h"

namespace irsa {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!status_.ok() && "a Result without a value needs an error status");
    if (status_.ok()) status_ = internalError("Result built from an OK status without a value");
  }

  bool ok() const { return value_.has_value(); }
  // OK when there is a value.
  const Status& status() const { return status_; }

  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T& operator*() const& { return *value_; }
  T& operator*() & { return *value_; }
  const T* operator->() const { return &*value_; }
  T* operator->() { return &*value_; }

  template <typename U>
  T valueOr(U&& fallback) const& {
    return value_ ? *value_ : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace irsa
