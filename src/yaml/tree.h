#pragma once
// A small YAML document tree with source positions, built from libyaml's
// event parser. Why hand-written: no Debian package gives a positional DOM over libyaml, and
// yaml-cpp (which has one) parses our inputs 8-10x slower than libyaml.
//
// One Document owns every node of one YAML document in three flat arrays (nodes, child indices,
// scalar text), so building a tree costs a handful of allocations that are reused from one
// document to the next. A Node is a (document, index) handle; copying it is free.
//
// Typing follows what yaml-cpp 0.7 produced before (the decoders and the corpus rely on it):
// plain untagged scalars "", "~", "null", "Null", "NULL" are Null nodes; quoted, literal and
// folded scalars are strings; an explicit tag is kept as a Style. Aliases refer to the anchored
// node (the tree is a DAG); `<<` merge keys are ordinary keys.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aviary::yaml {

enum class Kind : uint8_t { Undefined, Null, Scalar, Sequence, Map };

// How a scalar was written, as far as YAML 1.2 core-schema typing cares.
enum class Style : uint8_t {
  Plain,     // plain, no tag: typed by its text
  Quoted,    // single/double quoted, literal, folded, or the non-specific tag "!": a string
  TagStr,    // !!str
  TagInt,    // !!int
  TagFloat,  // !!float
  TagOther,  // any other explicit tag (typed as a string)
};

// The Style of a scalar written with the explicit tag `tag` ("!" is the non-specific tag of a
// quoted scalar).
Style styleOfTag(std::string_view tag);
// True for the texts a plain, untagged scalar spells null with: "", "~", "null", "Null", "NULL".
// The builder turns such scalars into Kind::Null nodes.
bool isNullText(std::string_view s);

struct NodeData {
  int32_t line = 0;    // 1-based, absolute in the file
  int32_t column = 0;  // 1-based, in bytes (as yaml-cpp counted)
  uint32_t begin = 0;  // scalar: offset into Document::text; collection: offset into Document::kids
  uint32_t count = 0;  // scalar: length; sequence: items; map: pairs (2 * count kids)
  Kind kind = Kind::Undefined;
  Style style = Style::Plain;
  bool invalidUtf8 = false;  // the source bytes of this scalar were not valid UTF-8
};

class Document;

class Node {
 public:
  Node() = default;
  Node(const Document* doc, uint32_t index) : doc_(doc), index_(index) {}

  bool isDefined() const { return doc_ != nullptr; }
  Kind kind() const { return doc_ ? data().kind : Kind::Undefined; }
  bool isNull() const { return kind() == Kind::Null; }
  bool isScalar() const { return kind() == Kind::Scalar; }
  bool isMap() const { return kind() == Kind::Map; }
  bool isSequence() const { return kind() == Kind::Sequence; }
  // The scalar's text (empty for other kinds); always followed by a NUL byte in memory.
  std::string_view scalar() const;
  std::string str() const { return std::string(scalar()); }
  Style style() const { return doc_ ? data().style : Style::Plain; }
  int line() const { return doc_ ? data().line : 0; }
  int column() const { return doc_ ? data().column : 0; }
  bool invalidUtf8() const { return doc_ && data().invalidUtf8; }
  // Items of a sequence, pairs of a map, 0 otherwise.
  size_t size() const { return doc_ && (isMap() || isSequence()) ? data().count : 0; }
  Node item(size_t i) const;   // sequence item i
  Node key(size_t i) const;    // map pair i's key
  Node value(size_t i) const;  // map pair i's value
  // The value of the first pair whose key is the scalar `name` (undefined when absent).
  Node get(std::string_view name) const;

  const Document* document() const { return doc_; }
  uint32_t index() const { return index_; }
  bool operator==(const Node& o) const { return doc_ == o.doc_ && index_ == o.index_; }

 private:
  const NodeData& data() const;
  const Document* doc_ = nullptr;
  uint32_t index_ = 0;
};

class Document {
 public:
  Node root() const { return nodes.empty() ? Node() : Node(this, root_); }
  void clear();

  std::vector<NodeData> nodes;
  std::vector<uint32_t> kids;  // sequence items / map key,value pairs, by node index
  std::string text;            // scalar texts, each followed by '\0'
  uint32_t root_ = 0;
  bool hasInvalidUtf8 = false;
  uint32_t firstInvalidUtf8 = 0;  // in document order, when hasInvalidUtf8
};

inline const NodeData& Node::data() const {
  return doc_->nodes[index_];
}
inline std::string_view Node::scalar() const {
  if (!doc_ || data().kind != Kind::Scalar) return {};
  return std::string_view(doc_->text.data() + data().begin, data().count);
}
inline Node Node::item(size_t i) const {
  return Node(doc_, doc_->kids[data().begin + i]);
}
inline Node Node::key(size_t i) const {
  return Node(doc_, doc_->kids[data().begin + 2 * i]);
}
inline Node Node::value(size_t i) const {
  return Node(doc_, doc_->kids[data().begin + 2 * i + 1]);
}

// Limits that keep hostile input linear: nesting depth, and the number of nodes that aliases
// may add to a document when it is expanded (a "billion laughs" document is rejected).
inline constexpr int kMaxNesting = 256;
inline constexpr uint64_t kMaxAliasExpansion = 100000;

struct ParseError {
  std::string message;  // without the "invalid YAML: " prefix
  int line = 0;         // absolute, 1-based
  int column = 0;       // 1-based; 0 when unknown
};

// Parses the first YAML document in `text`, whose first line is line `lineOffset + 1` of the
// file, into `doc` (cleared first). An empty document leaves `doc.root()` undefined. Returns
// false with `error` on a syntax error or an exceeded limit. Bytes that are not valid UTF-8 do
// not stop the parse: the scalars holding them are flagged (NodeData::invalidUtf8).
bool parseDocument(std::string_view text, int lineOffset, Document& doc, ParseError& error);

}  // namespace aviary::yaml
