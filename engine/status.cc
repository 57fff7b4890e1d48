#include "engine/status.h"

namespace cm {

const std::string& Status::message() const {
  static const std::string kEmpty;
  return state_ ? state_->message : kEmpty;
}

std::string Status::ToString() const {
  if (!state_) return "OK";
  const char* prefix = "";
  switch (state_->code) {
    case Code::kOk: prefix = "OK"; break;
    case Code::kCorruption: prefix = "Corruption"; break;
    case Code::kIOError: prefix = "IO error"; break;
    case Code::kInvalidArgument: prefix = "Invalid argument"; break;
    case Code::kNotFound: prefix = "Not found"; break;
    case Code::kHalted: prefix = "Halted"; break;
  }
  return std::string(prefix) + ": " + state_->message;
}

}  // namespace cm
