#pragma once
// Runs a shell command from a test and keeps what it printed.

#include <string>

namespace cm::test {

struct ShellResult {
  int exit_code = -1;  // -1 when the command did not exit normally
  std::string output;  // its stdout (add 2>&1 to the command for stderr)
};

ShellResult RunShell(const std::string& command);

}  // namespace cm::test
