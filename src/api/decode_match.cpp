// Istio HTTPMatchRequest decoding (spec.service.match and spec.analysis.match).
#include <re2/re2.h>

#include "api/decode_parts.h"

namespace aviary::api::detail {
namespace {

// Istio fields that Aviary keeps verbatim (no behaviour attached) in HttpMatch::extra.
constexpr std::initializer_list<const char*> kPassthrough = {"gateways", "sourceNamespace", "statPrefix"};

std::optional<StringMatch> decodeStringMatch(Sink& sink, const Node& node, const std::string& path, LineCol anchor) {
  ObjectReader r(sink, node, path, anchor);
  if (!r.isObject()) {
    if (!r.present())
      sink.error(sink.pos(node), path, "expected an object with exact, prefix, suffix or regex, found null");
    return std::nullopt;
  }
  StringMatch m;
  int set = 0;
  set += r.str("exact", m.exact);
  set += r.str("prefix", m.prefix);
  set += r.str("suffix", m.suffix);
  if (r.str("regex", m.regex)) {
    ++set;
    RE2::Options opts;
    opts.set_log_errors(false);
    RE2 re(m.regex, opts);
    if (!re.ok())
      sink.error(sink.pos(r.field("regex")), r.fieldPath("regex"),
                 "expected an RE2 regular expression, found \"" + m.regex + "\" (" +
                     re.error().substr(0, re.error().find(':')) + ")");
  }
  if (set != 1) {
    sink.error(sink.pos(node), path,
               "must set exactly one of exact, prefix, suffix or regex, found " + std::to_string(set));
  }
  return m;
}

void decodeStringMatchMap(ObjectReader& parent, std::string_view name, std::map<std::string, StringMatch>& out) {
  Node n = parent.field(name);
  if (!n.isDefined()) return;
  Sink& sink = parent.sink();
  std::string base = parent.fieldPath(name);
  if (kindOf(n) != ScalarKind::Object) {
    sink.error(sink.pos(n), base, "expected a map of name to {exact|prefix|suffix|regex}, found " + describe(n));
    return;
  }
  for (size_t i = 0, size = n.size(); i < size; ++i) {
    Node k = n.key(i);
    std::string key = k.isScalar() ? k.str() : "";
    if (auto m = decodeStringMatch(sink, n.value(i), joinPath(base, key), lineCol(k))) out[key] = *m;
  }
}

void decodeMatch(ObjectReader& r, HttpMatch& out) {
  r.str("name", out.name);
  for (auto [field, target] : {std::pair<const char*, std::optional<StringMatch>*>{"uri", &out.uri},
                               {"scheme", &out.scheme},
                               {"method", &out.method},
                               {"authority", &out.authority}}) {
    Node n = r.field(field);
    if (n.isDefined()) *target = decodeStringMatch(r.sink(), n, r.fieldPath(field), lineCol(r.keyPos(field)));
  }
  decodeStringMatchMap(r, "headers", out.headers);
  decodeStringMatchMap(r, "queryParams", out.queryParams);
  decodeStringMatchMap(r, "withoutHeaders", out.withoutHeaders);
  r.stringMap("sourceLabels", out.sourceLabels);
  std::optional<int32_t> port;
  if (r.int32("port", port, 1, 65535)) out.port = static_cast<uint32_t>(*port);
  bool ignoreCase = false;
  if (r.boolean("ignoreUriCase", ignoreCase)) out.ignoreUriCase = ignoreCase;
  for (const char* name : kPassthrough) {
    Json j;
    if (r.json(name, j)) out.extra[name] = std::move(j);
  }
}

}  // namespace

void decodeMatches(ObjectReader& parent, std::string_view name, std::vector<HttpMatch>& out) {
  auto items = parent.list(name);
  std::string base = parent.fieldPath(name);
  for (size_t i = 0; i < items.size(); ++i) {
    std::string path = indexPath(base, i);
    ObjectReader r(parent.sink(), items[i], path, lineCol(items[i]));
    HttpMatch m;
    if (r.isObject()) {
      decodeMatch(r, m);
    } else if (!r.present()) {
      parent.sink().error(parent.sink().pos(items[i]), path, "expected an object, found null");
    }
    out.push_back(std::move(m));
  }
}

}  // namespace aviary::api::detail
