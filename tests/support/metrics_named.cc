#include "tests/support/metrics_named.h"

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <regex>

namespace cm::test {

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

std::vector<std::string> MissingFamilies(const std::string& exposition, const std::string& prefix) {
  std::vector<std::string> missing;
  for (const char* file : {CM_SOURCE_DIR "/deploy/prometheus/rules.yml",
                           CM_SOURCE_DIR "/deploy/grafana/concertmania.json"})
    for (const std::string& name : MetricsNamedIn(file))
      if (name.starts_with(prefix) &&
          exposition.find("# TYPE " + name + " ") == std::string::npos)
        missing.push_back(std::string(file) + " names " + name);
  return missing;
}

}  // namespace cm::test
