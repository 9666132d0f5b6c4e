#pragma once
// Result<T>: a value or an Error, without exceptions. Used on every fallible path, including the
// proxy's data path. Error carries a branchable code, a field path ("spec.analysis.stepWeight")
// and, for config input, the source position.
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace aviary {

enum class ErrorCode {
  Invalid,      // input does not satisfy a schema or semantic rule
  NotFound,     // a referenced object or key does not exist
  NoValues,     // a metric query returned no data (Flagger's ErrNoValuesFound)
  Unavailable,  // a remote peer could not be reached
  Timeout,      // a deadline passed
  Conflict,     // optimistic concurrency failure (resource version)
  Io,           // local file or socket error
  Internal,     // a bug: should never reach users
};

const char* toString(ErrorCode code);

// Position in a source file; line/column are 1-based, 0 = unknown.
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;
};

struct Error {
  ErrorCode code = ErrorCode::Internal;
  std::string message;
  std::string path;  // field path, may be empty
  SourcePos pos;     // may be unknown

  // "file:line:col: path: message" with the parts that are known.
  std::string format() const;
};

inline Error makeError(ErrorCode code, std::string message, std::string path = {}) {
  return Error{code, std::move(message), std::move(path), {}};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}      // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(v_); }
  T valueOr(T fallback) const { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : e_(std::move(error)) {}  // NOLINT
  bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *e_; }

 private:
  std::optional<Error> e_;
};

using Status = Result<void>;
inline Status okStatus() { return Status{}; }

// Collects every problem found (validation reports all at once, never only the first).
using ErrorList = std::vector<Error>;

}  // namespace aviary
