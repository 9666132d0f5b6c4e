// Builds yaml_tree.h documents from libyaml events (yaml_parser_parse).
#include "yaml/tree.h"

#include <yaml.h>

#include <algorithm>
#include <cstdio>
#include <limits>

namespace aviary::yaml {
namespace {

// The length of the valid UTF-8 sequence at s[i] (same rules as detail::isValidUtf8: no overlong
// forms, no surrogates, at most U+10FFFF), 0 when the byte at i does not start one.
size_t utf8SequenceAt(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 ? 1 : 0;
  if (n == 0 || c > 0xF4 || i + n >= s.size()) return 0;
  uint32_t cp = c & (0x3F >> n);
  for (size_t k = 1; k <= n; ++k) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n + 1;
}

// libyaml marks count characters and treat \r, NEL, LS and PS as line breaks; yaml-cpp (whose
// positions the corpus and users know) counted bytes and '\n' only, like the document splitter.
// Plain ASCII text without '\r' maps 1:1; anything else goes through byte offsets.
class Locator {
 public:
  Locator(std::string_view text, int lineOffset, bool simple) : text_(text), lineOffset_(lineOffset), simple_(simple) {
    if (simple_) return;
    byteOfChar_.reserve(text.size() + 1);
    for (size_t i = 0; i < text.size(); ++i)
      if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) byteOfChar_.push_back(static_cast<uint32_t>(i));
    byteOfChar_.push_back(static_cast<uint32_t>(text.size()));
  }

  size_t byteOffset(const yaml_mark_t& m) const {
    if (simple_) return m.index;
    return byteOfChar_[std::min(m.index, byteOfChar_.size() - 1)];
  }

  void at(const yaml_mark_t& m, int32_t& line, int32_t& column) {
    if (simple_) {
      line = static_cast<int32_t>(m.line) + 1 + lineOffset_;
      column = static_cast<int32_t>(m.column) + 1;
      return;
    }
    atByte(byteOffset(m), line, column);
  }

  bool atEnd(const yaml_mark_t& m) const { return byteOffset(m) >= text_.size(); }

  // Where yaml-cpp placed things found at the end of the input: column 1 of the last line.
  void endPosition(int32_t& line, int32_t& column) {
    atByte(text_.size(), line, column);
    column = 1;
  }

  void atByte(size_t offset, int32_t& line, int32_t& column) {
    if (lineStarts_.empty()) {
      lineStarts_.push_back(0);
      for (size_t i = 0; i < text_.size(); ++i)
        if (text_[i] == '\n') lineStarts_.push_back(static_cast<uint32_t>(i + 1));
    }
    offset = std::min(offset, text_.size());
    auto it = std::upper_bound(lineStarts_.begin(), lineStarts_.end(), offset) - 1;
    line = static_cast<int32_t>(it - lineStarts_.begin()) + 1 + lineOffset_;
    column = static_cast<int32_t>(offset - *it) + 1;
  }

 private:
  std::string_view text_;
  int lineOffset_;
  bool simple_;
  std::vector<uint32_t> byteOfChar_;
  std::vector<uint32_t> lineStarts_;
};

struct Open {
  uint32_t node;
  uint32_t pendingStart;
  std::string anchor;
  bool flow;
};

class Builder {
 public:
  Builder(Document& doc, Locator& loc, const std::vector<uint32_t>& invalidBytes)
      : doc_(doc), loc_(loc), invalidBytes_(invalidBytes) {}

  // Returns false with `error` set when the event breaks a limit.
  bool onEvent(const yaml_event_t& ev, ParseError& error) {
    if (emptyNode_ != kNone) {
      // yaml-cpp placed an empty value at the token after it (e.g. the next key): so do we.
      NodeData& n = doc_.nodes[emptyNode_];
      if (loc_.atEnd(ev.start_mark)) {
        loc_.endPosition(n.line, n.column);
      } else {
        loc_.at(ev.start_mark, n.line, n.column);
      }
      emptyNode_ = kNone;
    }
    switch (ev.type) {
      case YAML_SCALAR_EVENT:
        return onScalar(ev, error);
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        bool map = ev.type == YAML_MAPPING_START_EVENT;
        if (open_.size() >= static_cast<size_t>(kMaxNesting)) {
          fail(ev.start_mark, "nested too deeply (more than " + std::to_string(kMaxNesting) + " levels)", error);
          return false;
        }
        uint32_t idx = newNode(ev.start_mark, map ? Kind::Map : Kind::Sequence);
        const yaml_char_t* anchor = map ? ev.data.mapping_start.anchor : ev.data.sequence_start.anchor;
        bool flow = map ? ev.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                        : ev.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
        open_.push_back(Open{idx, static_cast<uint32_t>(pending_.size()),
                             anchor ? reinterpret_cast<const char*>(anchor) : "", flow});
        return true;
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: {
        Open o = std::move(open_.back());
        open_.pop_back();
        NodeData& n = doc_.nodes[o.node];
        n.begin = static_cast<uint32_t>(doc_.kids.size());
        size_t count = pending_.size() - o.pendingStart;
        n.count = static_cast<uint32_t>(n.kind == Kind::Map ? count / 2 : count);
        uint64_t size = 1;
        for (size_t i = o.pendingStart; i < pending_.size(); ++i) {
          doc_.kids.push_back(pending_[i]);
          size += expanded_[pending_[i]];
        }
        expanded_[o.node] = static_cast<uint32_t>(std::min<uint64_t>(size, std::numeric_limits<uint32_t>::max()));
        pending_.resize(o.pendingStart);
        if (!o.anchor.empty()) anchors_.emplace_back(std::move(o.anchor), o.node);
        add(o.node);
        return true;
      }
      case YAML_ALIAS_EVENT: {
        std::string_view name(reinterpret_cast<const char*>(ev.data.alias.anchor));
        auto it = std::find_if(anchors_.rbegin(), anchors_.rend(), [&](const auto& a) { return a.first == name; });
        if (it == anchors_.rend()) {
          fail(ev.start_mark, "alias *" + std::string(name) + " refers to an undefined anchor", error);
          return false;
        }
        aliasExpansion_ += expanded_[it->second];
        if (aliasExpansion_ > kMaxAliasExpansion) {
          fail(ev.start_mark,
               "aliases expand to more than " + std::to_string(kMaxAliasExpansion) + " nodes in this document", error);
          return false;
        }
        add(it->second);
        return true;
      }
      default:
        return true;
    }
  }

  bool done() const { return rootSet_; }

 private:
  void fail(const yaml_mark_t& m, std::string message, ParseError& error) {
    error.message = std::move(message);
    loc_.at(m, error.line, error.column);
  }

  uint32_t newNode(const yaml_mark_t& m, Kind kind) {
    NodeData n;
    n.kind = kind;
    loc_.at(m, n.line, n.column);
    doc_.nodes.push_back(n);
    expanded_.push_back(1);
    return static_cast<uint32_t>(doc_.nodes.size() - 1);
  }

  void add(uint32_t idx) {
    if (open_.empty()) {
      if (!rootSet_) doc_.root_ = idx;
      rootSet_ = true;
    } else {
      pending_.push_back(idx);
    }
  }

  bool onScalar(const yaml_event_t& ev, ParseError&) {
    const auto& s = ev.data.scalar;
    std::string_view value(reinterpret_cast<const char*>(s.value), s.length);
    Kind kind = Kind::Scalar;
    Style style = Style::Plain;
    if (s.tag) {
      style = styleOfTag(reinterpret_cast<const char*>(s.tag));
    } else if (s.style != YAML_PLAIN_SCALAR_STYLE) {
      style = Style::Quoted;
    } else if (isNullText(value)) {
      kind = Kind::Null;
    }
    uint32_t idx = newNode(ev.start_mark, kind);
    NodeData& n = doc_.nodes[idx];
    n.style = style;
    if (kind == Kind::Scalar) {
      n.begin = static_cast<uint32_t>(doc_.text.size());
      n.count = static_cast<uint32_t>(value.size());
      doc_.text.append(value);
      doc_.text.push_back('\0');
    }
    if (!invalidBytes_.empty()) {
      size_t from = loc_.byteOffset(ev.start_mark), to = loc_.byteOffset(ev.end_mark);
      auto it = std::lower_bound(invalidBytes_.begin(), invalidBytes_.end(), from);
      if (it != invalidBytes_.end() && *it < to) {
        n.invalidUtf8 = true;
        if (!doc_.hasInvalidUtf8) doc_.firstInvalidUtf8 = idx;
        doc_.hasInvalidUtf8 = true;
      }
    }
    // (In flow collections libyaml already places it at the next token, ',' or the closing bracket.)
    if (kind == Kind::Null && value.empty() && ev.start_mark.index == ev.end_mark.index &&
        (open_.empty() || !open_.back().flow))
      emptyNode_ = idx;
    if (s.anchor) anchors_.emplace_back(reinterpret_cast<const char*>(s.anchor), idx);
    add(idx);
    return true;
  }

  Document& doc_;
  Locator& loc_;
  const std::vector<uint32_t>& invalidBytes_;
  std::vector<Open> open_;
  std::vector<uint32_t> pending_;
  std::vector<uint32_t> expanded_;  // node -> size of its expansion (aliases followed), saturated
  std::vector<std::pair<std::string, uint32_t>> anchors_;
  uint64_t aliasExpansion_ = 0;
  bool rootSet_ = false;
  static constexpr uint32_t kNone = UINT32_MAX;
  uint32_t emptyNode_ = kNone;  // an empty scalar whose position is the next event's
};

std::string libyamlError(const yaml_parser_t& p, Locator& loc, ParseError& error) {
  std::string msg = p.problem ? p.problem : "syntax error";
  if (p.error == YAML_READER_ERROR) {
    loc.atByte(p.problem_offset, error.line, error.column);
    if (p.problem_value >= 0) {
      char buf[16];
      std::snprintf(buf, sizeof buf, " (U+%04X)", static_cast<unsigned>(p.problem_value));
      msg += buf;
    }
    return msg;
  }
  if (p.error == YAML_MEMORY_ERROR) return "out of memory";
  loc.at(p.problem_mark, error.line, error.column);
  if (p.context) {
    int32_t line = 0, column = 0;
    loc.at(p.context_mark, line, column);
    msg += std::string(" (") + p.context + " started at line " + std::to_string(line) + " col " +
           std::to_string(column) + ")";
  }
  return msg;
}

struct Parser {
  yaml_parser_t p;
  Parser() { yaml_parser_initialize(&p); }
  ~Parser() { yaml_parser_delete(&p); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
};

struct Event {
  yaml_event_t e{};
  bool live = false;
  ~Event() { reset(); }
  void reset() {
    if (live) yaml_event_delete(&e);
    live = false;
  }
};

}  // namespace

Style styleOfTag(std::string_view tag) {
  return tag == "!"                         ? Style::Quoted
         : tag == "tag:yaml.org,2002:str"   ? Style::TagStr
         : tag == "tag:yaml.org,2002:int"   ? Style::TagInt
         : tag == "tag:yaml.org,2002:float" ? Style::TagFloat
                                            : Style::TagOther;
}

bool isNullText(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

void Document::clear() {
  nodes.clear();
  kids.clear();
  text.clear();
  root_ = 0;
  hasInvalidUtf8 = false;
  firstInvalidUtf8 = 0;
}

Node Node::get(std::string_view name) const {
  if (!isMap()) return Node();
  for (size_t i = 0, n = size(); i < n; ++i) {
    Node k = key(i);
    if (k.isScalar() && k.scalar() == name) return value(i);
  }
  return Node();
}

bool parseDocument(std::string_view text, int lineOffset, Document& doc, ParseError& error) {
  doc.clear();
  if (text.size() >= std::numeric_limits<uint32_t>::max()) {  // offsets are 32-bit
    error = ParseError{"document larger than 4 GiB", lineOffset + 1, 1};
    return false;
  }
  // Invalid UTF-8 would stop libyaml's reader; such bytes are replaced by 'x' (one byte for one,
  // so positions stay) and the scalars that held them are flagged for the decoder to report.
  bool simple = true;
  std::vector<uint32_t> invalidBytes;
  std::string patched;
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c == '\r') simple = false;
      ++i;
      continue;
    }
    simple = false;
    size_t n = utf8SequenceAt(text, i);
    if (n == 0) {
      if (patched.empty()) patched.assign(text);
      patched[i] = 'x';
      invalidBytes.push_back(static_cast<uint32_t>(i));
      n = 1;
    }
    i += n;
  }
  if (!patched.empty()) text = patched;

  Locator loc(text, lineOffset, simple);
  Builder builder(doc, loc, invalidBytes);
  Parser parser;
  yaml_parser_set_input_string(&parser.p, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  yaml_parser_set_encoding(&parser.p, YAML_UTF8_ENCODING);
  Event ev;
  for (;;) {
    if (!yaml_parser_parse(&parser.p, &ev.e)) {
      error.message = libyamlError(parser.p, loc, error);
      doc.clear();
      return false;
    }
    ev.live = true;
    yaml_event_type_t type = ev.e.type;
    if (!builder.onEvent(ev.e, error)) {
      doc.clear();
      return false;
    }
    ev.reset();
    if (type == YAML_DOCUMENT_END_EVENT || type == YAML_STREAM_END_EVENT) break;
  }
  if (!builder.done()) doc.clear();
  return true;
}

}  // namespace aviary::yaml
