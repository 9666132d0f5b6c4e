#pragma once
// hey's output formats, byte for byte where the data allows: the summary (Summary, Response
// time histogram, Latency distribution, Details, Status code and Error distribution) and -o csv.
#include <string>

#include "loadtester/hey_engine.h"

namespace aviary::loadtester {

std::string formatHeySummary(const HeyResult& result);
std::string formatHeyCsv(const HeyResult& result);

// Percentile (0-100) of the successful responses' latency in seconds, hey's rank rule; 0 if none.
double heyPercentile(const HeyStats& stats, int percentile);

}  // namespace aviary::loadtester
