#pragma once
// Source positions kept per field path while a YAML document is read (yaml/reader.h records them,
// resources keep them for messages about values that passed decoding).
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace aviary::yaml {

// A 1-based line/column in the file named by the resource's `pos`.
struct LineCol {
  int line = 0;
  int column = 0;
};
// Where each decoded field's value was written, keyed by field path ("spec.analysis.stepWeight",
// "spec.analysis.metrics[0]"). Filled by the decoder, used for messages; never encoded.
// Flat storage (one string of paths, one vector of entries): the decoder records ~70 paths per
// Canary and lookups only happen when a finding is reported, so appending is what must be cheap.
class FieldPositions {
 public:
  // Records `base` + "." + `name` (just `name` when `base` is empty); a later record of the same
  // path wins.
  void add(std::string_view base, std::string_view name, LineCol pos) {
    const size_t off = paths_.size();
    if (!base.empty()) {
      paths_.append(base);
      paths_ += '.';
    }
    paths_.append(name);
    push(off, pos);
  }
  // Records `base` + "[" + index + "]".
  void addIndex(std::string_view base, size_t index, LineCol pos) {
    const size_t off = paths_.size();
    paths_.append(base).append("[").append(std::to_string(index)).append("]");
    push(off, pos);
  }
  // The position of `path`, nullptr when it was not recorded.
  const LineCol* find(std::string_view path) const {
    for (size_t i = entries_.size(); i-- > 0;)
      if (std::string_view(paths_).substr(entries_[i].offset, entries_[i].length) == path) return &entries_[i].pos;
    return nullptr;
  }
  LineCol at(std::string_view path) const {
    if (const LineCol* p = find(path)) return *p;
    throw std::out_of_range("no position for " + std::string(path));
  }
  bool empty() const { return entries_.empty(); }
  void clear() {
    paths_.clear();
    entries_.clear();
  }

 private:
  struct Entry {
    uint32_t offset;
    uint32_t length;
    LineCol pos;
  };
  // Records the path appended to paths_ since `offset`.
  void push(size_t offset, LineCol pos) {
    entries_.push_back(Entry{static_cast<uint32_t>(offset), static_cast<uint32_t>(paths_.size() - offset), pos});
  }
  std::string paths_;
  std::vector<Entry> entries_;
};

}  // namespace aviary::yaml
