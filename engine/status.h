#pragma once
// Status: the error channel for I/O, corruption and recovery (never for business rejections,
// which are ResultCodes carried in events). OK costs one null pointer.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace cm {

class [[nodiscard]] Status {
 public:
  enum class Code { kOk, kCorruption, kIOError, kInvalidArgument, kNotFound, kHalted };

  Status() = default;
  static Status OK() { return Status(); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  static Status InvalidArgument(std::string_view msg) { return Status(Code::kInvalidArgument, msg); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  // The pipeline stopped taking writes (fail-stop); retrying later, after a restart, may work.
  static Status Halted(std::string_view msg) { return Status(Code::kHalted, msg); }

  bool ok() const { return state_ == nullptr; }
  Code code() const { return state_ ? state_->code : Code::kOk; }
  bool IsCorruption() const { return code() == Code::kCorruption; }
  bool IsIOError() const { return code() == Code::kIOError; }
  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsHalted() const { return code() == Code::kHalted; }
  bool IsInvalidArgument() const { return code() == Code::kInvalidArgument; }
  const std::string& message() const;
  std::string ToString() const;

  Status(const Status& o) : state_(o.state_ ? std::make_unique<State>(*o.state_) : nullptr) {}
  Status& operator=(const Status& o) {
    state_ = o.state_ ? std::make_unique<State>(*o.state_) : nullptr;
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

 private:
  struct State {
    Code code;
    std::string message;
  };
  Status(Code c, std::string_view msg) : state_(std::make_unique<State>(State{c, std::string(msg)})) {}
  std::unique_ptr<State> state_;
};

// A value or the Status that explains its absence.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status s) : status_(std::move(s)) {}     // NOLINT: REQUIRES: !s.ok()
  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace cm
