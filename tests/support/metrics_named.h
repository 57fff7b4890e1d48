#pragma once
// The metrics deploy/ names (the alerts' rules and the Grafana dashboard), so tests can check
// that a server exports each of them.

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace cm::test {

// Each family starting with `prefix`, and with none of `except`, that the alerts or the
// dashboard name and `exposition` (a /metrics text) does not declare, as
// "<file> names <family>".
std::vector<std::string> MissingFamilies(const std::string& exposition, std::string_view prefix,
                                         std::initializer_list<std::string_view> except = {});

}  // namespace cm::test
