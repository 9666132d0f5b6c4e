// Hand-written Go text/template subset. Why not a library: Debian 12 packages no Go-template
// engine for C++ (inja/mustache/ctemplate use other syntaxes: none has Go's niladic function
// calls, `variables.KEY` chains on a function result, or the `{{-`/`-}}` trim semantics), and the
// queries must render byte for byte like Flagger's. The subset is listed in query_template.h;
// the parser is in query_template_parse.cpp.
//
// Like Go, the whole template is parsed before anything is executed, so an unknown function is
// reported even when it sits after a failing map lookup.
#include "metrics/query_template.h"
#include "common/quote.h"

#include <cstdio>
#include <optional>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "metrics/query_template_parse.h"

namespace aviary::metrics {
namespace {

using tmpl::Command;
using tmpl::isModelFunction;
using tmpl::isSpace;
using tmpl::Operand;
using tmpl::Pipeline;

using Map = std::map<std::string, std::string>;
struct Value {
  std::variant<std::string, double, const Map*> v;
};

std::string formatNumber(double d) {
  if (d == static_cast<double>(static_cast<long long>(d))) return std::to_string(static_cast<long long>(d));
  return fmt::format("{}", d);
}

std::string toText(const Value& val) {
  if (auto* s = std::get_if<std::string>(&val.v)) return *s;
  if (auto* d = std::get_if<double>(&val.v)) return formatNumber(*d);
  std::string out = "map[";
  bool first = true;
  for (const auto& [k, v] : *std::get<const Map*>(val.v)) {
    if (!first) out += ' ';
    first = false;
    out += k + ":" + v;
  }
  return out + "]";
}

std::string keysOf(const Map& m) {
  if (m.empty()) return "none: templateVariables is empty";
  std::string out;
  for (const auto& [k, v] : m) out += (out.empty() ? "" : ", ") + k;
  return out;
}

class Executor {
 public:
  explicit Executor(const QueryModel& m) : m_(m) {}

  Result<Value> run(const Pipeline& p, int line) {
    line_ = line;
    std::optional<Value> piped;
    for (const auto& cmd : p.commands) {
      auto v = command(cmd, piped);
      if (!v.ok()) return v.error();
      piped = std::move(*v);
    }
    return *piped;
  }

 private:
  Error fail(const std::string& what) const {
    return makeError(ErrorCode::Invalid, fmt::format("template execution failed: line {}: {}", line_, what));
  }

  Result<Value> command(const Command& cmd, const std::optional<Value>& piped) {
    const Operand& head = cmd.front();
    if (head.kind != Operand::Kind::Func) {
      if (cmd.size() > 1 || piped) return fail("can't give argument to non-function");
      return operandValue(head);
    }
    std::vector<Value> args;
    for (size_t i = 1; i < cmd.size(); ++i) {
      auto v = operandValue(cmd[i]);
      if (!v.ok()) return v.error();
      args.push_back(std::move(*v));
    }
    if (piped) args.push_back(*piped);
    auto result = call(head.text, args);
    if (!result.ok()) return result;
    return fields(std::move(*result), head.fields);
  }

  Result<Value> operandValue(const Operand& op) {
    switch (op.kind) {
      case Operand::Kind::String:
        return Value{op.text};
      case Operand::Kind::Number:
        return Value{op.number};
      case Operand::Kind::Paren: {
        auto v = run(*op.sub, line_);
        if (!v.ok()) return v;
        return fields(std::move(*v), op.fields);
      }
      case Operand::Kind::Func: {
        auto v = call(op.text, {});
        if (!v.ok()) return v;
        return fields(std::move(*v), op.fields);
      }
    }
    return fail("bad operand");
  }

  Result<Value> fields(Value v, const std::vector<std::string>& chain) {
    for (const auto& f : chain) {
      auto* map = std::get_if<const Map*>(&v.v);
      if (map == nullptr) return fail(fmt::format("can't evaluate field {} in type string", f));
      auto it = (*map)->find(f);
      if (it == (*map)->end()) {
        return fail(fmt::format("map has no entry for key {} (templateVariables has: {})", quote(f), keysOf(**map)));
      }
      v = Value{it->second};
    }
    return v;
  }

  Result<Value> call(const std::string& fn, const std::vector<Value>& args) {
    if (isModelFunction(fn)) {
      if (!args.empty()) return fail(fmt::format("wrong number of args for {}: want 0 got {}", fn, args.size()));
      if (fn == "variables") return Value{&m_.variables};
      if (fn == "name") return Value{m_.name};
      if (fn == "namespace") return Value{m_.namespace_};
      if (fn == "target") return Value{m_.target};
      if (fn == "service") return Value{m_.service};
      if (fn == "ingress") return Value{m_.ingress};
      if (fn == "route") return Value{m_.route};
      return Value{m_.interval};
    }
    if (fn == "print") {
      std::string out;
      for (size_t i = 0; i < args.size(); ++i) {
        bool bothNonString = i > 0 && !std::holds_alternative<std::string>(args[i].v) &&
                             !std::holds_alternative<std::string>(args[i - 1].v);
        if (bothNonString) out += ' ';
        out += toText(args[i]);
      }
      return Value{out};
    }
    if (fn == "len") {
      if (args.size() != 1) return fail(fmt::format("wrong number of args for len: want 1 got {}", args.size()));
      if (auto* m = std::get_if<const Map*>(&args[0].v)) return Value{static_cast<double>((*m)->size())};
      return Value{static_cast<double>(toText(args[0]).size())};
    }
    if (fn == "index") {
      if (args.size() != 2) return fail(fmt::format("wrong number of args for index: want 2 got {}", args.size()));
      auto* m = std::get_if<const Map*>(&args[0].v);
      if (m == nullptr) return fail("index of untyped nil: first argument must be a map such as variables");
      auto it = (*m)->find(toText(args[1]));
      return Value{it == (*m)->end() ? std::string() : it->second};  // Go's index yields the zero value
    }
    return printf(args);
  }

  Result<Value> printf(const std::vector<Value>& args) {
    if (args.empty()) return fail("wrong number of args for printf: want at least 1 got 0");
    std::string format = toText(args[0]);
    std::string out;
    size_t next = 1;
    for (size_t i = 0; i < format.size(); ++i) {
      if (format[i] != '%') {
        out += format[i];
        continue;
      }
      size_t specStart = i;
      ++i;
      while (i < format.size() && std::string_view("+-# 0123456789.").find(format[i]) != std::string_view::npos) ++i;
      if (i >= format.size()) return fail("printf: format ends in the middle of a verb");
      char verb = format[i];
      if (verb == '%') {
        out += '%';
        continue;
      }
      if (next >= args.size()) {
        out += fmt::format("%!{}(MISSING)", verb);
        continue;
      }
      const Value& a = args[next++];
      std::string flags = format.substr(specStart, i - specStart);
      const double* num = std::get_if<double>(&a.v);
      if (verb == 's' || verb == 'v') {
        out += toText(a);
      } else if (verb == 'q') {
        out += quote(toText(a));
      } else if ((verb == 'd' || verb == 'f' || verb == 'g' || verb == 'e') && num != nullptr) {
        char buf[64];
        std::string spec = flags + (verb == 'd' ? "lld" : std::string(1, verb));
        if (verb == 'd') {
          std::snprintf(buf, sizeof buf, spec.c_str(), static_cast<long long>(*num));
        } else {
          std::snprintf(buf, sizeof buf, spec.c_str(), *num);
        }
        out += buf;
      } else {
        out += fmt::format("%!{}({})", verb, toText(a));
      }
    }
    for (; next < args.size(); ++next) out += fmt::format("%!(EXTRA {})", toText(args[next]));
    return Value{out};
  }

  const QueryModel& m_;
  int line_ = 1;
};

}  // namespace

QueryModel makeQueryModel(const api::Canary& canary, const api::CanaryMetric& metric) {
  QueryModel m;
  m.name = canary.metadata.name;
  m.namespace_ = canary.metadata.namespace_.empty() ? "default" : canary.metadata.namespace_;
  m.target = canary.spec.targetRef.name;
  m.service = canary.serviceName();
  m.ingress = canary.spec.ingressRef && !canary.spec.ingressRef->name.empty() ? canary.spec.ingressRef->name : m.target;
  m.route = canary.spec.routeRef && !canary.spec.routeRef->name.empty() ? canary.spec.routeRef->name : m.target;
  if (!metric.intervalText.empty()) {
    m.interval = metric.intervalText;
  } else if (metric.interval) {
    m.interval = formatDuration(*metric.interval);
  } else {
    m.interval = kDefaultMetricInterval;
  }
  m.variables = metric.templateVariables;
  return m;
}

Result<std::string> renderQuery(std::string_view text, const QueryModel& model) {
  auto nodes = tmpl::parseTemplate(text);
  if (!nodes.ok()) return nodes.error();
  Executor exec(model);
  std::string out;
  for (const auto& node : *nodes) {
    if (!node.pipeline) {
      out += node.text;
      continue;
    }
    auto v = exec.run(*node.pipeline, node.line);
    if (!v.ok()) return v.error();
    out += toText(*v);
  }
  return out;
}

std::string collapseWhitespace(std::string_view query) {
  std::string out;
  out.reserve(query.size());
  bool inRun = false;
  for (char c : query) {
    if (isSpace(c)) {
      if (!inRun) out += ' ';
      inRun = true;
    } else {
      out += c;
      inRun = false;
    }
  }
  return out;
}

}  // namespace aviary::metrics
