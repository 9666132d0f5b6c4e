// Multi-document loading and per-kind dispatch. Documents are split on `---` lines and parsed one
// at a time (libyaml, into yaml_tree.h documents): a syntax error in one document does not hide
// the others, and memory stays bounded by the largest document rather than the whole file
// (bench/validate loads 10,000 Canaries).
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "api/decode.h"
#include "api/decode_parts.h"

namespace aviary::api {
namespace {

using detail::Node;
using detail::ObjectReader;
using detail::Sink;

constexpr size_t kParallelMinDocuments = 256;
constexpr size_t kMaxWorkers = 8;

bool isDns1123Subdomain(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  char prev = '.';
  for (char c : s) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && c != '-' && c != '.') return false;
    if (c == '.' && (prev == '.' || prev == '-')) return false;
    if (c == '-' && prev == '.') return false;
    prev = c;
  }
  return prev != '-' && prev != '.';
}

bool isDns1123Label(const std::string& s) {
  return s.size() <= 63 && s.find('.') == std::string::npos && isDns1123Subdomain(s);
}

std::string scalarOr(const Node& map, const char* key) {
  Node n = map.get(key);
  return n.isScalar() ? n.str() : std::string();
}

void decodeMetadata(ObjectReader& root, ObjectMeta& meta) {
  root.require("metadata");
  auto m = root.child("metadata");
  if (!m.isObject()) return;
  detail::decodeMeta(m, meta);
  Sink& sink = root.sink();
  if (!meta.name.empty() && !isDns1123Subdomain(meta.name))
    sink.error(
        sink.pos(m.field("name")), m.fieldPath("name"),
        "expected a lowercase DNS-1123 name (a-z, 0-9, '-', '.'; at most 253 characters), found \"" + meta.name + "\"");
  if (!meta.namespace_.empty() && !isDns1123Label(meta.namespace_))
    sink.error(sink.pos(m.field("namespace")), m.fieldPath("namespace"),
               "expected a lowercase DNS-1123 label (a-z, 0-9, '-'; at most 63 characters), found \"" +
                   meta.namespace_ + "\"");
}

// Decodes a flagger.app document into `out` (a Canary, MetricTemplate or AlertProvider).
template <typename T, typename SpecFn, typename StatusFn>
void decodeResource(ObjectReader& root, T& out, SpecFn spec, StatusFn status) {
  root.sink().recordPositions(&out.positions);
  root.str("apiVersion", out.apiVersion);
  root.str("kind", out.kind);
  decodeMetadata(root, out.metadata);
  root.require("spec");
  auto s = root.child("spec");
  if (s.isObject()) spec(s, out);
  auto st = root.child("status");
  if (st.isObject()) status(st, out);
  root.finish();
  root.sink().recordPositions(nullptr);
}

// The apiVersion/kind checks of an aviary.dev document (or of a Workload under another version).
void decodeLocal(const Node& node, const DocumentInfo& info, Sink& sink) {
  if (info.apiVersion != kLocalApiVersion)
    sink.error(sink.pos(node.get("apiVersion")), "apiVersion",
               std::string("must be ") + kLocalApiVersion + " for a " + info.kind + ", found \"" + info.apiVersion +
                   "\"");
  if (info.kind != kWorkloadKind)
    sink.error(sink.pos(node.get("kind")), "kind",
               std::string("must be ") + kWorkloadKind + " for " + info.apiVersion + ", found \"" + info.kind + "\"");
}

// Records where every field of `node` was written, as `path.key` / `path[i]`, down to a depth
// that covers pod templates (spec.template.spec.containers[0].envFrom[0].configMapRef.name).
void recordAll(const Node& node, const std::string& path, FieldPositions& out, int depth = 0) {
  if (depth > 12) return;
  if (node.isMap()) {
    for (size_t i = 0; i < node.size(); ++i) {
      if (!node.key(i).isScalar()) continue;
      const std::string key = node.key(i).str();
      out.add(path, key, yaml::LineCol{node.value(i).line(), node.value(i).column()});
      recordAll(node.value(i), path.empty() ? key : path + "." + key, out, depth + 1);
    }
  } else if (node.isSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      out.addIndex(path, i, yaml::LineCol{node.item(i).line(), node.item(i).column()});
      recordAll(node.item(i), path + "[" + std::to_string(i) + "]", out, depth + 1);
    }
  }
}

void ignoreStatus(ObjectReader& st, auto&) {
  // MetricTemplate/AlertProvider status.conditions exist in the CRD but are never written.
  Json discard;
  st.json("conditions", discard);
}

}  // namespace

namespace detail {

void decodeDocument(const Node& node, const std::string& file, LoadResult& out, int listDepth) {
  DocumentInfo info;
  info.errorsBegin = out.errors.size();
  info.warningsBegin = out.warnings.size();
  Sink sink(file, out.errors, out.warnings);
  info.pos = sink.pos(node);

  auto finishInfo = [&](DocumentInfo::Type type, int index) {
    info.type = type;
    info.errorsEnd = out.errors.size();
    info.warningsEnd = out.warnings.size();
    info.index = info.errorsEnd == info.errorsBegin ? index : -1;
    out.documents.push_back(std::move(info));
  };

  // A clean resource goes to its typed list, one with structural errors to the rejected list.
  auto keep = [&](auto& resource, auto& list, auto& rejected, DocumentInfo::Type type) {
    if (out.errors.size() == info.errorsBegin) {
      list.push_back(std::move(resource));
    } else {
      info.rejectedIndex = static_cast<int>(rejected.size());
      rejected.push_back(std::move(resource));
    }
    finishInfo(type, static_cast<int>(list.size()) - 1);
  };

  if (auto bad = detail::findInvalidUtf8(node); bad.isDefined()) {
    sink.error(sink.pos(bad), "", "expected UTF-8 text, found invalid bytes");
    finishInfo(DocumentInfo::Type::Unparsed, -1);
    return;
  }
  if (!node.isMap()) {
    sink.error(info.pos, "", "expected an object with apiVersion and kind, found " + detail::describe(node));
    finishInfo(DocumentInfo::Type::Unparsed, -1);
    return;
  }
  info.apiVersion = scalarOr(node, "apiVersion");
  info.kind = scalarOr(node, "kind");
  Node meta = node.get("metadata");
  if (meta.isMap()) {
    info.name = scalarOr(meta, "name");
    info.namespace_ = scalarOr(meta, "namespace");
  }

  // `kubectl get ... -o yaml` wraps several objects in a v1 List: each item is a document of its own
  // (positions stay exact; field paths start at the item).
  if (Node items = node.get("items");
      info.kind == "List" && info.apiVersion == "v1" && items.isSequence() && listDepth < 4) {
    for (size_t i = 0; i < items.size(); ++i) decodeDocument(items.item(i), file, out, listDepth + 1);
    return;
  }
  // A Workload under flagger.app/ or a group-less version is a mistaken version of ours; another
  // group's Workload (Kueue has one) is another object.
  const bool local = info.apiVersion.rfind("aviary.dev/", 0) == 0 ||
                     (info.kind == kWorkloadKind && (info.apiVersion.rfind("flagger.app/", 0) == 0 ||
                                                     info.apiVersion.find('/') == std::string::npos));
  bool ours = info.apiVersion.rfind("flagger.app/", 0) == 0 || local;
  if (isHpa(info.apiVersion, info.kind)) {
    // Kubernetes' own kind, read so that the local platform can run it (api/hpa.h).
    ObjectReader root(sink, node, "", info.pos);
    HorizontalPodAutoscaler h;
    h.pos = info.pos;
    decodeResource(
        root, h, [](ObjectReader& s, HorizontalPodAutoscaler& r) { detail::decodeHpaSpec(s, r); },
        [](ObjectReader& s, HorizontalPodAutoscaler&) {
          // The status is the controller's (currentReplicas, conditions…): read and dropped.
          for (const char* f : {"currentReplicas", "desiredReplicas", "currentMetrics", "conditions",
                                "lastScaleTime", "observedGeneration"}) {
            Json discard;
            s.json(f, discard);
          }
        });
    {
      ErrorList ignoredErrors, ignoredWarnings;  // the typed decode above reported them
      Sink objectSink(file, ignoredErrors, ignoredWarnings);
      if (!yaml::toJson(objectSink, node, "", h.object)) h.object = nullptr;
    }
    keep(h, out.autoscalers, out.rejectedAutoscalers, DocumentInfo::Type::HorizontalPodAutoscaler);
    return;
  }
  if (!ours && !info.apiVersion.empty() && !info.kind.empty()) {
    OtherObject other{info.apiVersion, info.kind, info.name, info.namespace_, info.pos, {}, {}, {}};
    ErrorList ignoredWarnings;
    Sink objectSink(file, other.errors, ignoredWarnings);
    if (!yaml::toJson(objectSink, node, "", other.object)) other.object = nullptr;
    recordAll(node, "", other.positions);
    out.others.push_back(std::move(other));
    finishInfo(DocumentInfo::Type::Other, static_cast<int>(out.others.size()) - 1);
    return;
  }

  ObjectReader root(sink, node, "", info.pos);
  if (info.apiVersion.empty() || info.kind.empty()) {
    root.require("apiVersion");
    root.require("kind");
    // Report the kind/version fields' types too, but nothing else: we do not know the schema.
    std::string ignore;
    root.str("apiVersion", ignore);
    root.str("kind", ignore);
    for (size_t i = 0; i < node.size(); ++i)
      if (node.key(i).isScalar()) root.field(node.key(i).scalar());
    finishInfo(DocumentInfo::Type::Unparsed, -1);
    return;
  }
  if (local) {
    decodeLocal(node, info, sink);
    if (info.kind == kWorkloadKind) {
      Workload w;
      w.pos = info.pos;
      decodeResource(
          root, w, [](ObjectReader& s, Workload& r) { detail::decodeWorkloadSpec(s, r.spec); },
          [](ObjectReader& s, Workload& r) { ignoreStatus(s, r); });
      keep(w, out.workloads, out.rejectedWorkloads, DocumentInfo::Type::Workload);
    } else {
      for (size_t i = 0; i < node.size(); ++i)
        if (node.key(i).isScalar()) root.field(node.key(i).scalar());
      finishInfo(DocumentInfo::Type::Unparsed, -1);
    }
    return;
  }
  if (info.apiVersion != kApiVersion) {
    sink.error(
        sink.pos(node.get("apiVersion")), "apiVersion",
        std::string("must be ") + kApiVersion + " (the only version Aviary reads), found \"" + info.apiVersion + "\"");
  }
  if (info.kind == "Canary") {
    Canary c;
    c.pos = info.pos;
    decodeResource(
        root, c, [](ObjectReader& s, Canary& r) { detail::decodeCanarySpec(s, r.spec); },
        [](ObjectReader& s, Canary& r) { detail::decodeCanaryStatus(s, r.status); });
    keep(c, out.canaries, out.rejectedCanaries, DocumentInfo::Type::Canary);
  } else if (info.kind == "MetricTemplate") {
    MetricTemplate t;
    t.pos = info.pos;
    decodeResource(root, t, detail::decodeMetricTemplateSpec,
                   [](ObjectReader& s, MetricTemplate& r) { ignoreStatus(s, r); });
    keep(t, out.templates, out.rejectedTemplates, DocumentInfo::Type::MetricTemplate);
  } else if (info.kind == "AlertProvider") {
    AlertProvider p;
    p.pos = info.pos;
    decodeResource(root, p, detail::decodeAlertProviderSpec,
                   [](ObjectReader& s, AlertProvider& r) { ignoreStatus(s, r); });
    keep(p, out.alertProviders, out.rejectedAlertProviders, DocumentInfo::Type::AlertProvider);
  } else {
    sink.error(sink.pos(node.get("kind")), "kind",
               "must be one of Canary, MetricTemplate, AlertProvider for " + info.apiVersion + ", found \"" +
                   info.kind + "\"");
    for (size_t i = 0; i < node.size(); ++i)
      if (node.key(i).isScalar()) root.field(node.key(i).scalar());
    finishInfo(DocumentInfo::Type::Unparsed, -1);
  }
}

}  // namespace detail

namespace {

// True for a line that is blank, a comment or a directive (content that does not make a document).
bool isTrivia(std::string_view line) {
  size_t i = line.find_first_not_of(" \t\r");
  return i == std::string_view::npos || line[i] == '#' || (i == 0 && line[0] == '%');
}

bool isDocumentStart(std::string_view line) {
  return line.size() >= 3 && line.substr(0, 3) == "---" &&
         (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
}

void loadSegment(std::string_view text, const std::string& sourceName, int lineOffset, yaml::Document& doc,
                 LoadResult& out) {
  yaml::ParseError err;
  if (!yaml::parseDocument(text, lineOffset, doc, err)) {
    DocumentInfo info;
    info.errorsBegin = out.errors.size();
    info.warningsBegin = out.warnings.size();
    SourcePos at{sourceName, err.line, err.column};
    out.errors.push_back(Error{ErrorCode::Invalid, "invalid YAML: " + detail::escapeInvalidUtf8(err.message), "", at});
    info.pos = SourcePos{sourceName, lineOffset + 1, 1};
    info.errorsEnd = out.errors.size();
    info.warningsEnd = out.warnings.size();
    out.documents.push_back(std::move(info));
    return;
  }
  Node node = doc.root();
  if (!node.isDefined() || node.isNull()) return;  // an empty document
  detail::decodeDocument(node, sourceName, out);
}

}  // namespace

LoadResult loadNode(const yaml::Node& node, const std::string& sourceName) {
  LoadResult out;
  if (!node.isDefined() || node.isNull()) return out;
  detail::decodeDocument(node, sourceName, out);
  return out;
}

void LoadResult::append(LoadResult&& other) {
  size_t e = errors.size(), w = warnings.size();
  size_t nc = canaries.size(), nt = templates.size(), np = alertProviders.size(), no = others.size();
  size_t rc = rejectedCanaries.size(), rt = rejectedTemplates.size(), rp = rejectedAlertProviders.size();
  size_t nw = workloads.size(), rw = rejectedWorkloads.size();
  size_t nh = autoscalers.size(), rh = rejectedAutoscalers.size();
  for (auto& d : other.documents) {
    d.errorsBegin += e, d.errorsEnd += e, d.warningsBegin += w, d.warningsEnd += w;
    int* idx = d.index >= 0 ? &d.index : d.rejectedIndex >= 0 ? &d.rejectedIndex : nullptr;
    bool rejected = d.index < 0;
    if (idx) {
      switch (d.type) {
        case DocumentInfo::Type::Canary:
          *idx += static_cast<int>(rejected ? rc : nc);
          break;
        case DocumentInfo::Type::MetricTemplate:
          *idx += static_cast<int>(rejected ? rt : nt);
          break;
        case DocumentInfo::Type::AlertProvider:
          *idx += static_cast<int>(rejected ? rp : np);
          break;
        case DocumentInfo::Type::Workload:
          *idx += static_cast<int>(rejected ? rw : nw);
          break;
        case DocumentInfo::Type::HorizontalPodAutoscaler:
          *idx += static_cast<int>(rejected ? rh : nh);
          break;
        case DocumentInfo::Type::Other:
          *idx += static_cast<int>(no);
          break;
        case DocumentInfo::Type::Unparsed:
          break;
      }
    }
    documents.push_back(std::move(d));
  }
  auto move = [](auto& to, auto& from) {
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  };
  move(canaries, other.canaries);
  move(templates, other.templates);
  move(alertProviders, other.alertProviders);
  move(workloads, other.workloads);
  move(rejectedWorkloads, other.rejectedWorkloads);
  move(autoscalers, other.autoscalers);
  move(rejectedAutoscalers, other.rejectedAutoscalers);
  move(others, other.others);
  move(rejectedCanaries, other.rejectedCanaries);
  move(rejectedTemplates, other.rejectedTemplates);
  move(rejectedAlertProviders, other.rejectedAlertProviders);
  move(errors, other.errors);
  move(warnings, other.warnings);
  other = LoadResult{};
}

std::vector<DocumentText> splitDocuments(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<DocumentText> segments;
  size_t segStart = 0;
  int segLine = 0, line = 0;
  bool content = false;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view l = text.substr(pos, eol - pos);
    if (isDocumentStart(l) && content) {
      segments.push_back({text.substr(segStart, pos - segStart), segLine});
      segStart = pos;
      segLine = line;
      content = false;
    }
    if (!isTrivia(l)) content = true;
    ++line;
    pos = eol + 1;
  }
  if (content) segments.push_back({text.substr(segStart), segLine});
  return segments;
}

LoadResult loadString(std::string_view text, const std::string& sourceName) {
  const std::vector<DocumentText> segments = splitDocuments(text);

  // Large multi-document inputs are split across cores. Each worker fills its own LoadResult for
  // a contiguous range, merged in input order, and reuses one document tree's storage.
  const size_t workers = segments.size() >= kParallelMinDocuments
                             ? std::clamp<size_t>(std::thread::hardware_concurrency(), 1, kMaxWorkers)
                             : 1;
  std::vector<LoadResult> parts(workers);
  auto work = [&](size_t w) {
    size_t begin = segments.size() * w / workers, end = segments.size() * (w + 1) / workers;
    yaml::Document doc;
    for (size_t i = begin; i < end; ++i) loadSegment(segments[i].text, sourceName, segments[i].line, doc, parts[w]);
  };
  std::vector<std::thread> threads;
  for (size_t w = 1; w < workers; ++w) threads.emplace_back(work, w);
  work(0);
  for (auto& t : threads) t.join();
  LoadResult out = std::move(parts[0]);
  for (size_t w = 1; w < workers; ++w) out.append(std::move(parts[w]));
  return out;
}

Result<LoadResult> loadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(ErrorCode::Io, "cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return makeError(ErrorCode::Io, "cannot read " + path + ": " + std::strerror(errno));
  return loadString(buf.str(), path);
}

}  // namespace aviary::api
