#include "platform/kubernetes/render.h"

#include <fmt/format.h>

#include "platform/kubernetes/config_tracker.h"
#include "platform/kubernetes/primary_spec.h"
#include "platform/kubernetes/service_target.h"
#include "platform/kubernetes/services.h"
#include "router/istio/istio_objects.h"

namespace aviary::platform::kubernetes {
namespace {

using kube::Json;

// Where a finding about `path` of a document points: the field's value when it was recorded,
// else the document's start.
SourcePos positionOf(const SourcePos& doc, const yaml::FieldPositions& positions, const std::string& path) {
  if (const yaml::LineCol* at = positions.find(path)) return SourcePos{doc.file, at->line, at->column};
  return doc;
}

// Collects the problems of one Canary, each placed on the document and field it is about.
class Problems {
 public:
  Problems(const api::Canary& canary, ErrorList& out) : canary_(canary), out_(out), start_(out.size()) {}
  void canary(const std::string& path, std::string message) {
    out_.push_back(
        Error{ErrorCode::Invalid, std::move(message), path, positionOf(canary_.pos, canary_.positions, path)});
  }
  void object(const api::OtherObject& o, const std::string& path, std::string message) {
    out_.push_back(Error{ErrorCode::Invalid, std::move(message), path, positionOf(o.pos, o.positions, path)});
  }
  void option(const std::string& flag, std::string message) {
    out_.push_back(Error{ErrorCode::Invalid, std::move(message), flag, {}});
  }
  bool any() const { return out_.size() > start_; }
  size_t count() const { return out_.size(); }

 private:
  const api::Canary& canary_;
  ErrorList& out_;
  size_t start_;
};

std::string describeKind(const std::string& kind, const std::string& ns, const std::string& name) {
  return fmt::format("{} {}/{}", kind, ns, name);
}

// The input of `kind` named `name` in `ns` (an input without a namespace is in every one); a
// second one is a problem (which would the controller see?).
const api::OtherObject* findInput(const std::vector<api::OtherObject>& inputs, const std::string& kind,
                                  const std::string& ns, const std::string& name, Problems& problems) {
  const api::OtherObject* found = nullptr;
  for (const auto& o : inputs) {
    if (o.kind != kind || o.name != name || (!o.namespace_.empty() && o.namespace_ != ns)) continue;
    if (found) {
      problems.object(o, "metadata.name",
                      fmt::format("expected one {} among the inputs, found a second one (the first at {}:{}:{})",
                                  describeKind(kind, ns, name), found->pos.file, found->pos.line, found->pos.column));
      continue;
    }
    if (!o.errors.empty() || !o.object.is_object()) {
      for (const auto& e : o.errors) problems.object(o, e.path, e.message);
      continue;
    }
    found = &o;
  }
  return found;
}

// The object as the API server would hand it to the controller: namespace set.
Json asStored(const api::OtherObject& o, const std::string& ns) {
  Json j = o.object;
  j["metadata"]["namespace"] = ns;
  return j;
}

constexpr std::pair<const char*, RenderPhase> kPhaseNames[] = {
    {"Initialized", RenderPhase::Initialized}, {"Progressing", RenderPhase::Progressing},
    {"Promoting", RenderPhase::Promoting},     {"Finalising", RenderPhase::Finalising},
    {"Succeeded", RenderPhase::Succeeded},     {"Failed", RenderPhase::Failed}};

const char* phaseName(RenderPhase p) {
  for (const auto& [n, q] : kPhaseNames)
    if (p == q) return n;
  return "?";
}

bool weightedPhase(RenderPhase p) {
  return p == RenderPhase::Progressing || p == RenderPhase::Promoting;
}

bool promotedPhase(RenderPhase p) {
  return p == RenderPhase::Promoting || p == RenderPhase::Finalising || p == RenderPhase::Succeeded;
}

void checkOptions(const api::Canary& c, const RenderOptions& o, Problems& problems) {
  if (o.canaryWeight < 0 || o.canaryWeight > 100) {
    problems.option("--canary-weight", fmt::format("expected a weight from 0 to 100, found {}", o.canaryWeight));
  } else if (o.canaryWeight != 0 && !weightedPhase(o.phase)) {
    problems.option("--canary-weight", fmt::format("expected 0 in phase {} (the controller routes all traffic to the "
                                                   "primary then; use --phase Progressing or Promoting), found {}",
                                                   phaseName(o.phase), o.canaryWeight));
  }
  if (o.mirror) {
    if (!c.spec.analysis || !c.spec.analysis->mirror)
      problems.canary("spec.analysis.mirror", "expected true for --mirror (Flagger mirrors only then), found false");
    if (o.phase != RenderPhase::Progressing)
      problems.option("--mirror", "expected phase Progressing (traffic is mirrored during the analysis only)");
  }
}

void checkShape(const api::OtherObject& in, bool workload, Problems& problems) {
  const Json& o = in.object;
  const auto expectObject = [&](const Json& parent, const char* key, const std::string& path) -> const Json* {
    if (!parent.is_object() || !parent.contains(key)) return nullptr;
    const Json& v = parent[key];
    if (!v.is_object()) problems.object(in, path, fmt::format("expected an object, found {}", v.dump()));
    return v.is_object() ? &v : nullptr;
  };
  const Json* meta = expectObject(o, "metadata", "metadata");
  if (meta) {
    expectObject(*meta, "labels", "metadata.labels");
    expectObject(*meta, "annotations", "metadata.annotations");
  }
  const Json* spec = expectObject(o, "spec", "spec");
  if (!workload || !spec) return;
  if (const Json* sel = expectObject(*spec, "selector", "spec.selector"))
    expectObject(*sel, "matchLabels", "spec.selector.matchLabels");
  const Json* tpl = expectObject(*spec, "template", "spec.template");
  if (!tpl) return;
  if (const Json* tm = expectObject(*tpl, "metadata", "spec.template.metadata")) {
    expectObject(*tm, "labels", "spec.template.metadata.labels");
    expectObject(*tm, "annotations", "spec.template.metadata.annotations");
  }
  expectObject(*tpl, "spec", "spec.template.spec");
}

std::vector<Json> renderChecked(const api::Canary& input, const std::vector<api::OtherObject>& inputs,
                                const RenderOptions& o, ErrorList& errors);

}  // namespace

std::vector<api::OtherObject> renderInputs(const api::LoadResult& loaded) {
  std::vector<api::OtherObject> out;
  for (const auto& d : loaded.documents) {
    if (d.index < 0) continue;
    const auto at = static_cast<size_t>(d.index);
    if (d.type == api::DocumentInfo::Type::Other && at < loaded.others.size()) {
      out.push_back(loaded.others[at]);
    } else if (d.type == api::DocumentInfo::Type::HorizontalPodAutoscaler && at < loaded.autoscalers.size()) {
      const auto& h = loaded.autoscalers[at];
      out.push_back(api::OtherObject{h.apiVersion, h.kind, h.metadata.name, h.metadata.namespace_, h.pos, h.object,
                                     h.positions, {}});
    }
  }
  return out;
}

std::vector<Json> renderCanary(const api::Canary& input, const std::vector<api::OtherObject>& inputs,
                               const RenderOptions& o, ErrorList& errors) {
  const size_t before = errors.size();
  try {
    return renderChecked(input, inputs, o, errors);
  } catch (const nlohmann::json::exception& e) {
    // A value of a type the builders did not expect, deeper than checkShape looks: the inputs
    // are wrong, not the program; say so rather than crash.
    errors.resize(before);
    errors.push_back(Error{ErrorCode::Invalid,
                           fmt::format("expected Kubernetes objects of the usual shape among the inputs of this "
                                       "Canary, found a value of another type: {}",
                                       e.what()),
                           "spec.targetRef", positionOf(input.pos, input.positions, "spec.targetRef")});
    return {};
  }
}

namespace {

std::vector<Json> renderChecked(const api::Canary& input, const std::vector<api::OtherObject>& inputs,
                                const RenderOptions& o, ErrorList& errors) {
  api::Canary c = input;
  if (c.metadata.namespace_.empty()) c.metadata.namespace_ = "default";
  if (c.metadata.uid.empty()) c.metadata.uid = o.canaryUid;
  const std::string& ns = c.metadata.namespace_;
  Problems problems(input, errors);
  checkOptions(c, o, problems);

  const std::string provider = c.spec.provider.empty() ? o.meshProvider : c.spec.provider;
  const bool istio = provider == "istio";
  if (!istio && provider != "kubernetes") {
    const std::string msg =
        fmt::format("expected istio or kubernetes (the providers aviary render writes), found \"{}\"", provider);
    if (c.spec.provider.empty()) {
      problems.option("--mesh-provider", msg);
    } else {
      problems.canary("spec.provider", msg);
    }
  }

  // The target (§1.2, §1.10): Deployment, DaemonSet or Service.
  const std::string& kind = c.spec.targetRef.kind;
  const WorkloadKind wk = kind == "DaemonSet" ? WorkloadKind::DaemonSet : WorkloadKind::Deployment;
  const api::OtherObject* target = nullptr;
  const bool serviceKind = kind == "Service";
  if (kind != "Deployment" && kind != "DaemonSet" && !serviceKind) {
    problems.canary("spec.targetRef.kind",
                    fmt::format("expected Deployment, DaemonSet or Service (the target kinds aviary render writes), "
                                "found \"{}\"",
                                kind));
  } else {
    const size_t before = problems.count();
    target = findInput(inputs, kind, ns, c.spec.targetRef.name, problems);
    if (!target && problems.count() == before) {
      problems.canary("spec.targetRef.name", fmt::format("expected the {} among the inputs (-f), found none",
                                                         describeKind(kind, ns, c.spec.targetRef.name)));
    }
  }
  Json targetObj;
  TargetMetadata meta;
  if (target) {
    const size_t before = problems.count();
    checkShape(*target, !serviceKind, problems);
    if (problems.count() != before) target = nullptr;
  }
  if (target) targetObj = asStored(*target, ns);
  if (target && !serviceKind) {
    auto m = targetMetadata(c, targetObj, o.selectorLabels, wk);
    if (!m) {
      const Json labels =
          targetObj.value("spec", Json::object()).value("selector", Json::object()).value("matchLabels", Json());
      problems.object(*target, "spec.selector.matchLabels",
                      fmt::format("expected one of the selector labels [{}] (-selector-labels), found {}",
                                  fmt::join(o.selectorLabels, " "), labels.is_null() ? "none" : labels.dump()));
    } else {
      meta = *m;
    }
    if (wk == WorkloadKind::DaemonSet) {
      const std::string type = targetObj["spec"].value("updateStrategy", Json::object()).value("type", "");
      if (!type.empty() && type != "RollingUpdate")
        problems.object(
            *target, "spec.updateStrategy.type",
            fmt::format("expected RollingUpdate (Flagger's DaemonSet canaries need it), found \"{}\"", type));
    }
  }

  // Tracked ConfigMaps and Secrets (§1.12): a missing mandatory one stops the controller too.
  TrackedConfigs configs;
  if (target && o.configTracking && !serviceKind) {
    const Json podSpec = targetObj["spec"].value("template", Json::object()).value("spec", Json::object());
    std::map<std::string, JsonPtr> found;
    for (const auto& [key, ref] : configRefs(podSpec)) {
      const std::string k = ref.kind == "configmap" ? "ConfigMap" : "Secret";
      const size_t before = problems.count();
      if (const auto* in = findInput(inputs, k, ns, ref.name, problems)) {
        checkShape(*in, false, problems);
        found[key] = std::make_shared<const Json>(asStored(*in, ns));
      } else if (!ref.optional && problems.count() == before) {
        problems.object(*target, "spec.template.spec." + ref.path,
                        fmt::format("expected the {} among the inputs (-f) (the controller waits for it; "
                                    "or mark the reference optional), found none",
                                    describeKind(k, ns, ref.name)));
      }
    }
    auto tracked = trackConfigs(c, targetObj, [&](const std::string& k, const std::string& name) {
      auto it = found.find(k + "/" + name);
      return it == found.end() ? JsonPtr() : it->second;
    });
    if (tracked) configs = std::move(*tracked);
  }

  // The primary autoscaler: an HPA (§1.13) or a KEDA ScaledObject (§1.14).
  const api::OtherObject* scaler = nullptr;
  if (c.spec.autoscalerRef && !serviceKind) {
    const auto& ref = *c.spec.autoscalerRef;
    if (ref.kind != "HorizontalPodAutoscaler" && ref.kind != "ScaledObject") {
      problems.canary("spec.autoscalerRef.kind",
                      fmt::format("expected HorizontalPodAutoscaler or ScaledObject, found \"{}\"", ref.kind));
    } else if (const size_t before = problems.count();
               !(scaler = findInput(inputs, ref.kind, ns, ref.name, problems)) && problems.count() == before) {
      problems.canary("spec.autoscalerRef.name", fmt::format("expected the {} among the inputs (-f), found none",
                                                             describeKind(ref.kind, ns, ref.name)));
    }
  }

  // The Istio objects (§3): what the router refuses, the controller refuses too.
  if (istio) {
    if (auto st = router::istio::checkCanary(c); !st) problems.canary("spec.service", st.error().message);
  }
  if (scaler) checkShape(*scaler, false, problems);
  if (problems.any()) return {};

  std::vector<Json> out;
  if (serviceKind) {
    // §1.10: the user's Service copied; no workload, no Services of the Kubernetes router.
    out.push_back(serviceTargetCopy(c, targetObj, c.spec.targetRef.name + "-canary", nullptr));
    Json primary = serviceTargetCopy(c, targetObj, c.spec.targetRef.name + "-primary", nullptr);
    if (promotedPhase(o.phase)) primary = promotedServiceTarget(c, targetObj, primary, o.includeLabelPrefix);
    out.push_back(std::move(primary));
  }
  for (const auto& [key, cfg] : configs) out.push_back(primaryConfigCopy(c, cfg, o.includeLabelPrefix, nullptr));
  if (!serviceKind) {
    SeededRandom targetRandom(o.seed ^ 0x5bd1e995u);  // the target's own stream, as in the controller
    const PrimaryOptions po{o.selectorLabels, o.includeLabelPrefix, wk};
    const TrackedNames names = ConfigTracker::names(configs);
    Json primary = newPrimaryDeployment(c, targetObj, meta, names, po, targetRandom);
    if (promotedPhase(o.phase)) promoteInto(primary, c, targetObj, meta, names, po, targetRandom);
    out.push_back(std::move(primary));
    if (scaler) {
      const Json source = asStored(*scaler, ns);
      out.push_back(scaler->kind == "ScaledObject" ? primaryScaledObject(c, source) : primaryHpa(c, source));
    }
    for (auto role : {ServiceRole::Apex, ServiceRole::Primary, ServiceRole::Canary})
      out.push_back(Services::desired(c, role, meta));
  }
  if (istio) {
    const auto names = router::istio::serviceNames(c);
    const router::istio::ObjectOptions io{!c.metadata.uid.empty()};
    out.push_back(router::istio::destinationRule(c, names.canary, io));
    out.push_back(router::istio::destinationRule(c, names.primary, io));
    api::CanaryStatus status = c.status;
    SeededRandom routerRandom(o.seed);
    const int32_t weight = weightedPhase(o.phase) ? o.canaryWeight : 0;
    auto vs = router::istio::virtualServiceAt(c, status, router::Weights::withCanary(weight),
                                              o.mirror ? router::Mirror::Yes : router::Mirror::No, routerRandom, io);
    if (!vs) {
      problems.canary("spec.service", vs.error().message);
      return {};
    }
    out.push_back(std::move(*vs));
  }
  if (c.metadata.uid.empty()) {
    for (auto& obj : out) obj["metadata"].erase("ownerReferences");
  }
  return out;
}

}  // namespace

Json renderList(const std::vector<Json>& objects) {
  return {{"apiVersion", "v1"}, {"kind", "List"}, {"items", objects}};
}

std::optional<RenderPhase> parseRenderPhase(const std::string& name) {
  for (const auto& [n, p] : kPhaseNames)
    if (name == n) return p;
  return std::nullopt;
}

// The parts of an input the shared builders read without checking types (the controller's
// objects come from an API server that validated them; render's from any file).
}  // namespace aviary::platform::kubernetes
