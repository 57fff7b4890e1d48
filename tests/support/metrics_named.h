#pragma once
// The metrics deploy/ names (the alerts' rules and the Grafana dashboard), so tests can check
// that a server exports each of them.

#include <set>
#include <string>
#include <vector>

namespace cm::test {

// The metric families a file names (cm_..., histogram series reduced to their family).
std::set<std::string> MetricsNamedIn(const std::string& path);

// Each family starting with `prefix` that the alerts or the dashboard name and `exposition`
// (a /metrics text) does not declare, as "<file> names <family>".
std::vector<std::string> MissingFamilies(const std::string& exposition, const std::string& prefix);

}  // namespace cm::test
