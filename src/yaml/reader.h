#pragma once
// Typed, position-aware reading of YAML nodes (yaml/tree.h), shared by every file Aviary reads
// (resources, proxy config, simulate scenarios). Every problem is appended to the sink's error
// list as `FILE:LINE:COL: field.path: expected..., found...`; nothing throws.
//
// An ObjectReader remembers which field names were asked for; finish() reports every key that
// was not asked for as an unknown field and lists the valid names at that path. So a decoder
// must ask for every field it knows, unconditionally.
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "common/result.h"
#include "yaml/positions.h"
#include "yaml/tree.h"

namespace aviary::yaml {

using Json = nlohmann::json;

// The resolved YAML 1.2 core-schema type of a node (plain scalars are typed by their text,
// quoted scalars are strings).
enum class ScalarKind { Null, Bool, Int, Float, String, List, Object };
ScalarKind kindOf(const Node& node);
// "string \"abc\"", "integer 150", "a list", "an object", "true", "null".
std::string describe(const Node& node);

// Where problems go. Node positions are absolute in the file (see yaml_tree.h).
class Sink {
 public:
  Sink(std::string file, ErrorList& errors, ErrorList& warnings)
      : file_(std::move(file)), errors_(errors), warnings_(warnings) {}
  SourcePos pos(const Node& node) const;
  SourcePos pos(LineCol at) const { return SourcePos{file_, at.line, at.column}; }
  void error(const SourcePos& at, std::string path, std::string message);
  void warn(const SourcePos& at, std::string path, std::string message);
  const std::string& file() const { return file_; }
  size_t errorCount() const { return errors_.size(); }
  // When set, every field read through an ObjectReader records its value's position here.
  void recordPositions(FieldPositions* positions) { positions_ = positions; }
  void record(std::string_view base, std::string_view name, const Node& value) {
    if (positions_ && value.isDefined()) positions_->add(base, name, LineCol{value.line(), value.column()});
  }
  void recordIndex(std::string_view base, size_t index, const Node& value) {
    if (positions_ && value.isDefined()) positions_->addIndex(base, index, LineCol{value.line(), value.column()});
  }

 private:
  std::string file_;
  ErrorList& errors_;
  ErrorList& warnings_;
  FieldPositions* positions_ = nullptr;
};

// A node's position (0:0 for an undefined node).
inline LineCol lineCol(const Node& node) {
  return LineCol{node.line(), node.column()};
}
inline LineCol lineCol(const SourcePos& pos) {
  return LineCol{pos.line, pos.column};
}

std::string joinPath(const std::string& base, std::string_view name);
std::string indexPath(const std::string& base, size_t i);

class ObjectReader {
 public:
  // `node` may be undefined or null (an absent object: every field reads as absent). `anchor` is
  // where "missing field" errors point (the key of this object in its parent).
  ObjectReader(Sink& sink, const Node& node, std::string path, LineCol anchor);
  ObjectReader(Sink& sink, const Node& node, std::string path, const SourcePos& anchor)
      : ObjectReader(sink, node, std::move(path), LineCol{anchor.line, anchor.column}) {}
  ObjectReader(const ObjectReader&) = delete;
  ObjectReader& operator=(const ObjectReader&) = delete;

  bool isObject() const { return isObject_; }
  bool present() const { return present_; }
  const std::string& path() const { return path_; }
  Sink& sink() { return sink_; }
  std::string fieldPath(std::string_view name) const { return joinPath(path_, name); }

  // The value of `name` (undefined when absent or null); marks the name as valid.
  Node field(std::string_view name);
  // Position of the key `name` (or of this object when absent).
  SourcePos keyPos(std::string_view name) const;
  // Error "required field is missing" at this object's anchor when `name` is absent.
  bool require(std::string_view name);
  // A nested object reader for `name`.
  ObjectReader child(std::string_view name);

  // Typed fields. Each returns true when the field was present and well-typed.
  bool str(std::string_view name, std::string& out, bool required = false);
  bool oneOf(std::string_view name, std::string& out, std::initializer_list<const char*> allowed,
             bool required = false);
  bool boolean(std::string_view name, bool& out);
  bool int32(std::string_view name, std::optional<int32_t>& out, int64_t min, int64_t max, bool required = false);
  bool int32(std::string_view name, int32_t& out, int64_t min, int64_t max, bool required = false);
  bool number(std::string_view name, std::optional<double>& out);
  // Go duration: keeps the text and the parsed value.
  bool duration(std::string_view name, std::string& text, std::optional<Duration>* parsed = nullptr);
  bool stringMap(std::string_view name, std::map<std::string, std::string>& out);
  bool stringList(std::string_view name, std::vector<std::string>& out);
  bool intList(std::string_view name, std::vector<int32_t>& out, int64_t min, int64_t max);
  bool json(std::string_view name, Json& out);
  // The sequence at `name` (empty when absent; an error when it is not a list).
  std::vector<Node> list(std::string_view name);

  // Reports unknown keys. Called by the destructor if not called explicitly.
  void finish();
  ~ObjectReader();

 private:
  struct Entry {
    std::string_view key;  // into the document's text
    Node keyNode;
    Node value;
    bool used = false;
  };
  Entry* find(std::string_view name);
  LineCol keyLineCol(std::string_view name) const;

  Sink& sink_;
  std::string path_;
  LineCol anchor_;
  bool present_ = false;
  bool isObject_ = false;
  bool finished_ = false;
  std::vector<Entry> entries_;
  std::vector<std::string_view> known_;  // the names asked for (string literals or document text)
};

// `"value"` for messages: escaped, cut after 60 characters (at a UTF-8 boundary).
std::string quoteValue(std::string_view s);
// A YAML int or float scalar's value (.inf/.nan included).
double parseFloat(std::string_view s);
// Strict UTF-8 (no overlong forms, no surrogates, at most U+10FFFF). Hand-written: nlohmann::json
// only rejects invalid UTF-8 when dumping (by throwing), and no allowed package exposes a check.
bool isValidUtf8(std::string_view s);
// `s` with every byte that is not part of a valid UTF-8 sequence written as \xNN.
std::string escapeInvalidUtf8(std::string_view s);
// Finds the first key or scalar (in document order) whose source bytes were not valid UTF-8
// (undefined when all are valid): every string we keep must be valid UTF-8 to be encoded as JSON.
Node findInvalidUtf8(const Node& node);

// Scalar conversions with messages ("expected an integer, found string \"x\"").
bool readString(Sink& sink, const Node& node, const std::string& path, std::string& out);
bool readInt(Sink& sink, const Node& node, const std::string& path, int64_t min, int64_t max, int64_t& out);
// Any YAML value as JSON (maps with string keys, typed scalars). Depth-limited.
bool toJson(Sink& sink, const Node& node, const std::string& path, Json& out, int depth = 0);

}  // namespace aviary::yaml
