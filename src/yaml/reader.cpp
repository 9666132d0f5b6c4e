#include "yaml/reader.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace aviary::yaml {
namespace {

std::string joinNames(const std::vector<std::string_view>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

}  // namespace

SourcePos Sink::pos(const Node& node) const {
  if (!node.isDefined()) return SourcePos{file_, 0, 0};
  return SourcePos{file_, node.line(), node.column()};
}

void Sink::error(const SourcePos& at, std::string path, std::string message) {
  errors_.push_back(Error{ErrorCode::Invalid, escapeInvalidUtf8(message), escapeInvalidUtf8(path), at});
}

void Sink::warn(const SourcePos& at, std::string path, std::string message) {
  warnings_.push_back(Error{ErrorCode::Invalid, escapeInvalidUtf8(message), escapeInvalidUtf8(path), at});
}

std::string joinPath(const std::string& base, std::string_view name) {
  if (base.empty()) return std::string(name);
  std::string out = base;
  out += '.';
  out += name;
  return out;
}

std::string indexPath(const std::string& base, size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

ObjectReader::ObjectReader(Sink& sink, const Node& node, std::string path, LineCol anchor)
    : sink_(sink), path_(std::move(path)), anchor_(anchor) {
  auto k = kindOf(node);
  if (k == ScalarKind::Null) return;
  present_ = true;
  if (k != ScalarKind::Object) {
    sink_.error(sink_.pos(node), path_.empty() ? "(document)" : path_, "expected an object, found " + describe(node));
    return;
  }
  isObject_ = true;
  anchor_ = lineCol(node);
  known_.reserve(32);
  entries_.reserve(node.size());
  for (size_t i = 0, n = node.size(); i < n; ++i) {
    Entry e;
    e.keyNode = node.key(i);
    e.value = node.value(i);
    if (e.keyNode.isScalar()) {
      e.key = e.keyNode.scalar();
    } else {
      sink_.error(sink_.pos(e.keyNode), path_, "expected a string key, found " + describe(e.keyNode));
      e.used = true;
    }
    for (const auto& prev : entries_) {
      if (!e.used && prev.key == e.key) {
        sink_.error(sink_.pos(e.keyNode), joinPath(path_, e.key),
                    "duplicate key, first given at line " + std::to_string(sink_.pos(prev.keyNode).line));
        e.used = true;  // reported once, as a duplicate (the first value is the one decoded)
        break;
      }
    }
    entries_.push_back(std::move(e));
  }
}

ObjectReader::~ObjectReader() {
  finish();
}

ObjectReader::Entry* ObjectReader::find(std::string_view name) {
  for (auto& e : entries_)
    if (e.key == name) return &e;
  return nullptr;
}

Node ObjectReader::field(std::string_view name) {
  known_.emplace_back(name);
  Entry* e = find(name);
  if (!e) return Node();
  e->used = true;
  if (kindOf(e->value) == ScalarKind::Null) return Node();
  sink_.record(path_, name, e->value);
  return e->value;
}

LineCol ObjectReader::keyLineCol(std::string_view name) const {
  for (const auto& e : entries_)
    if (e.key == name) return lineCol(e.keyNode);
  return anchor_;
}

SourcePos ObjectReader::keyPos(std::string_view name) const {
  return sink_.pos(keyLineCol(name));
}

bool ObjectReader::require(std::string_view name) {
  Entry* e = find(name);
  if (e && kindOf(e->value) != ScalarKind::Null) return true;
  if (!isObject_ && present_) return false;  // already reported as "expected an object"
  sink_.error(e ? sink_.pos(e->keyNode) : sink_.pos(anchor_), fieldPath(name),
              e ? "required field is null" : "required field is missing");
  return false;
}

ObjectReader ObjectReader::child(std::string_view name) {
  Node n = field(name);
  return ObjectReader(sink_, n, fieldPath(name), keyLineCol(name));
}

bool ObjectReader::str(std::string_view name, std::string& out, bool required) {
  Node n = field(name);
  if (!n.isDefined()) return required ? require(name) : false;
  if (kindOf(n) == ScalarKind::String) {  // the common case, without building the path
    out.assign(n.scalar());
    return true;
  }
  return readString(sink_, n, fieldPath(name), out);
}

bool ObjectReader::oneOf(std::string_view name, std::string& out, std::initializer_list<const char*> allowed,
                         bool required) {
  std::string v;
  if (!str(name, v, required)) return false;
  for (const char* a : allowed) {
    if (v == a) {
      out = v;
      return true;
    }
  }
  std::string list;
  for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + (*a ? a : "\"\"");
  sink_.error(sink_.pos(field(name)), fieldPath(name), "must be one of " + list + ", found " + quoteValue(v));
  return false;
}

bool ObjectReader::boolean(std::string_view name, bool& out) {
  Node n = field(name);
  if (!n.isDefined()) return false;
  if (kindOf(n) != ScalarKind::Bool) {
    sink_.error(sink_.pos(n), fieldPath(name), "expected true or false, found " + describe(n));
    return false;
  }
  out = n.scalar()[0] == 't' || n.scalar()[0] == 'T';
  return true;
}

bool ObjectReader::int32(std::string_view name, std::optional<int32_t>& out, int64_t min, int64_t max, bool required) {
  Node n = field(name);
  if (!n.isDefined()) return required ? require(name) : false;
  int64_t v = 0;
  if (kindOf(n) == ScalarKind::Int) {  // the common case, without building the path
    errno = 0;
    long long x = std::strtoll(n.scalar().data(), nullptr, 10);
    if (errno != ERANGE && x >= std::max<int64_t>(min, INT32_MIN) && x <= std::min<int64_t>(max, INT32_MAX)) {
      out = static_cast<int32_t>(x);
      return true;
    }
  }
  if (!readInt(sink_, n, fieldPath(name), std::max<int64_t>(min, INT32_MIN), std::min<int64_t>(max, INT32_MAX), v))
    return false;
  out = static_cast<int32_t>(v);
  return true;
}

bool ObjectReader::int32(std::string_view name, int32_t& out, int64_t min, int64_t max, bool required) {
  std::optional<int32_t> v;
  if (!int32(name, v, min, max, required)) return false;
  out = *v;
  return true;
}

bool ObjectReader::number(std::string_view name, std::optional<double>& out) {
  Node n = field(name);
  if (!n.isDefined()) return false;
  auto k = kindOf(n);
  if (k != ScalarKind::Int && k != ScalarKind::Float) {
    sink_.error(sink_.pos(n), fieldPath(name), "expected a number, found " + describe(n));
    return false;
  }
  double d = parseFloat(n.scalar());
  if (!std::isfinite(d)) {
    sink_.error(sink_.pos(n), fieldPath(name), "expected a finite number, found " + n.str());
    return false;
  }
  out = d;
  return true;
}

bool ObjectReader::duration(std::string_view name, std::string& text, std::optional<Duration>* parsed) {
  if (!str(name, text)) return false;
  auto d = parseDuration(text);
  if (!d.ok()) {
    sink_.error(sink_.pos(field(name)), fieldPath(name),
                "expected a Go duration such as 30s, 1m or 1m30s, found " + quoteValue(text));
    return false;
  }
  if (d.value().count() < 0) {
    sink_.error(sink_.pos(field(name)), fieldPath(name), "must not be negative, found " + quoteValue(text));
    return false;
  }
  if (parsed) *parsed = d.value();
  return true;
}

bool ObjectReader::stringMap(std::string_view name, std::map<std::string, std::string>& out) {
  Node n = field(name);
  if (!n.isDefined()) return false;
  if (kindOf(n) != ScalarKind::Object) {
    sink_.error(sink_.pos(n), fieldPath(name), "expected a map of strings, found " + describe(n));
    return false;
  }
  bool ok = true;
  std::string base = fieldPath(name);
  for (size_t i = 0, size = n.size(); i < size; ++i) {
    Node key = n.key(i);
    if (!key.isScalar()) {
      sink_.error(sink_.pos(key), base, "expected a string key, found " + describe(key));
      ok = false;
      continue;
    }
    std::string v;
    Node value = n.value(i);
    if (kindOf(value) == ScalarKind::Null) {
      out[key.str()] = "";
      continue;
    }
    if (kindOf(value) == ScalarKind::String) {
      out[key.str()] = value.str();
      continue;
    }
    if (readString(sink_, value, joinPath(base, key.scalar()), v)) {
      out[key.str()] = std::move(v);
    } else {
      ok = false;
    }
  }
  return ok;
}

std::vector<Node> ObjectReader::list(std::string_view name) {
  std::vector<Node> out;
  Node n = field(name);
  if (!n.isDefined()) return out;
  if (kindOf(n) != ScalarKind::List) {
    sink_.error(sink_.pos(n), fieldPath(name), "expected a list, found " + describe(n));
    return out;
  }
  out.reserve(n.size());
  std::string base = fieldPath(name);
  for (size_t i = 0, size = n.size(); i < size; ++i) {
    Node item = n.item(i);
    sink_.recordIndex(base, i, item);
    out.push_back(item);
  }
  return out;
}

bool ObjectReader::stringList(std::string_view name, std::vector<std::string>& out) {
  bool ok = true;
  size_t i = 0;
  for (const auto& item : list(name)) {
    std::string v;
    if (kindOf(item) == ScalarKind::String) {
      out.push_back(item.str());
      ++i;
      continue;
    }
    if (readString(sink_, item, indexPath(fieldPath(name), i++), v)) {
      out.push_back(std::move(v));
    } else {
      ok = false;
    }
  }
  return ok;
}

bool ObjectReader::intList(std::string_view name, std::vector<int32_t>& out, int64_t min, int64_t max) {
  bool ok = true;
  size_t i = 0;
  for (const auto& item : list(name)) {
    int64_t v = 0;
    if (readInt(sink_, item, indexPath(fieldPath(name), i++), min, max, v)) {
      out.push_back(static_cast<int32_t>(v));
    } else {
      ok = false;
    }
  }
  return ok;
}

bool ObjectReader::json(std::string_view name, Json& out) {
  Node n = field(name);
  if (!n.isDefined()) return false;
  return toJson(sink_, n, fieldPath(name), out);
}

void ObjectReader::finish() {
  if (finished_) return;
  finished_ = true;
  for (const auto& e : entries_) {
    if (e.used) continue;
    std::vector<std::string_view> names = known_;
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    sink_.error(sink_.pos(e.keyNode), joinPath(path_, e.key),
                "unknown field " + quoteValue(e.key) + ", expected one of: " + joinNames(names));
  }
}

}  // namespace aviary::yaml
