#pragma once
// The files of `aviary run DIR`: every *.yaml, *.yml and *.json file under DIR (sub-folders too,
// except those starting with '.'), loaded with the one position-aware reader and validated
// together, then applied to the local platform. sync() is called at start and then every poll
// interval: a changed file is loaded again; a file with any error (`FILE:LINE:COL: field.path:
// expected…, found…`, every problem listed) is reported and ignored — what it applied before keeps
// running untouched; objects that disappear from a valid file, or whose file is deleted, are
// deleted. Kinds other than Canary, MetricTemplate, AlertProvider, Workload and
// HorizontalPodAutoscaler (autoscaling/v2, v2beta2) — a Gateway — are reported once and ignored.
//
// Not thread-safe: one thread calls sync().
#include <map>
#include <set>
#include <string>
#include <vector>

#include "api/decode.h"
#include "platform/local/local_platform.h"

namespace aviary::platform::local {

class ManifestDir {
 public:
  ManifestDir(std::string dir, LocalPlatform& platform) : dir_(std::move(dir)), platform_(platform) {}

  struct Report {
    std::vector<std::string> errors;    // formatted, one per problem (files rejected this sync)
    std::vector<std::string> warnings;  // formatted
    std::vector<std::string> applied;   // "Kind ns/name" created, changed or deleted
    bool changed = false;               // any file was (re)loaded or removed
  };
  Report sync();

  // The files currently accepted (tests).
  size_t files() const { return files_.size(); }

 private:
  struct FileState {
    std::string content;    // as last read (valid or not)
    bool valid = false;
    api::LoadResult loaded;  // the last valid load
  };
  std::map<std::string, std::string> readAll(std::vector<std::string>& errors) const;
  void applyDiff(const api::LoadResult* before, const api::LoadResult* after, Report& report);

  std::string dir_;
  LocalPlatform& platform_;
  std::map<std::string, FileState> files_;
  std::set<std::string> reportedOthers_;
};

}  // namespace aviary::platform::local
