#pragma once
// The differential test's query corpus: Flagger's builtin queries for every mesh and ingress
// provider that uses Prometheus (rendered for namespace "test", target/ingress/route "podinfo",
// interval 1m, then whitespace-collapsed as Flagger sends them), the seed's 404 MetricTemplate,
// MetricTemplate examples in the style of Flagger's docs, and edge cases.
#include <string>
#include <vector>

namespace aviary::tsdb::testing {

struct CorpusQuery {
  std::string name;
  std::string query;
};

const std::vector<CorpusQuery>& differentialCorpus();
// Queries outside the subset: Prometheus answers them, the embedded server names the construct.
const std::vector<CorpusQuery>& unsupportedCorpus();

}  // namespace aviary::tsdb::testing
