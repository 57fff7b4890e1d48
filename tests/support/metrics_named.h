#pragma once
// The metrics deploy/ names (the alerts' rules and the Grafana dashboard), so tests can check
// that a server exports each of them.

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace cm::test {

// The value of an unlabelled sample `series` in `exposition` (a /metrics text); -1 when absent.
double MetricSample(const std::string& exposition, const std::string& series);

// Each family starting with `prefix`, and with none of `except`, that the alerts or the
// dashboard name and `exposition` (a /metrics text) does not declare, as
// "<file> names <family>".
std::vector<std::string> MissingFamilies(const std::string& exposition, std::string_view prefix,
                                         std::initializer_list<std::string_view> except = {});

}  // namespace cm::test
