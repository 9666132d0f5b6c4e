#pragma once
// What the evaluator reads: a source of series. The embedded store (src/tsdb) implements it; tests
// implement it over fixed data.
#include <vector>

#include "promql/matcher.h"
#include "promql/value.h"

namespace aviary::promql {

class Queryable {
 public:
  virtual ~Queryable() = default;
  // Copies of the series that match every matcher and have at least one sample in [mint, maxt]
  // (both ends included, as in Prometheus 2.x), each with exactly its samples in that range, in
  // time order; staleness markers (isStaleNaN) included. The caller owns the copies, so an
  // implementation may hold its lock only for the copy. Thread-safe.
  virtual std::vector<Series> select(const Matchers& matchers, Millis mint, Millis maxt) const = 0;

  // Like select(), but each series carries only its newest sample in [mint, maxt] (what an
  // instant selector needs). The default filters select(); stores override it to copy less.
  virtual std::vector<Series> selectLatest(const Matchers& matchers, Millis mint, Millis maxt) const {
    auto out = select(matchers, mint, maxt);
    for (auto& s : out) s.samples.erase(s.samples.begin(), s.samples.end() - 1);
    return out;
  }
};

}  // namespace aviary::promql
