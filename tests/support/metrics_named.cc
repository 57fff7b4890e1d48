#include "tests/support/metrics_named.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>

namespace cm::test {
namespace {

// The metric families a file names (cm_..., histogram series reduced to their family).
std::set<std::string> MetricsNamedIn(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::regex name(R"(\bcm_[a-z_]+)");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), name);
       it != std::sregex_iterator(); ++it) {
    std::string n = it->str();
    for (const char* suffix : {"_bucket", "_sum", "_count"})
      if (n.ends_with(suffix)) n.resize(n.size() - std::string(suffix).size());
    names.insert(n);
  }
  return names;
}

}  // namespace

double MetricSample(const std::string& exposition, const std::string& series) {
  const auto at = exposition.find("\n" + series + " ");
  return at == std::string::npos ? -1 : std::stod(exposition.substr(at + series.size() + 2));
}

std::vector<std::string> MissingFamilies(const std::string& exposition, std::string_view prefix,
                                         std::initializer_list<std::string_view> except) {
  std::vector<std::string> missing;
  for (const char* file : {CM_SOURCE_DIR "/deploy/prometheus/rules.yml",
                           CM_SOURCE_DIR "/deploy/grafana/concertmania.json"})
    for (const std::string& name : MetricsNamedIn(file)) {
      const bool excepted = std::any_of(except.begin(), except.end(),
                                        [&](std::string_view e) { return name.starts_with(e); });
      if (name.starts_with(prefix) && !excepted &&
          exposition.find("# TYPE " + name + " ") == std::string::npos)
        missing.push_back(std::string(file) + " names " + name);
    }
  return missing;
}

}  // namespace cm::test
