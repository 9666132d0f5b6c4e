#include "platform/kubernetes/config_tracker.h"

#include <openssl/evp.h>

#include <fmt/format.h>

#include "common/log.h"
#include "platform/kubernetes/resources.h"

namespace aviary::platform::kubernetes {
namespace {

using kube::Json;

// Go's encoding/json for a string: HTML-safe escapes (<, >, &) and U+2028/U+2029 escaped, which
// nlohmann's dump does not do; byte equality with Flagger's checksum depends on it.
std::string goString(const std::string& s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else if (c == 0xe2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                   (static_cast<unsigned char>(s[i + 2]) == 0xa8 || static_cast<unsigned char>(s[i + 2]) == 0xa9)) {
          out += static_cast<unsigned char>(s[i + 2]) == 0xa8 ? "\\u2028" : "\\u2029";
          i += 2;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

struct Ref {
  std::string kind, name;
  bool optional = false;
};

void addRef(std::map<std::string, Ref>& refs, const char* kind, const Json& holder, const char* field) {
  if (!holder.is_object() || !holder.contains(field) || !holder[field].is_string()) return;
  Ref r{kind, holder[field], holder.value("optional", false)};
  refs[std::string(kind) + "/" + r.name] = r;  // the last occurrence decides
}

std::map<std::string, Ref> discover(const Json& podSpec) {
  std::map<std::string, Ref> refs;
  for (const auto& v : podSpec.value("volumes", Json::array())) {
    if (v.contains("configMap")) addRef(refs, "configmap", v["configMap"], "name");
    if (v.contains("secret")) addRef(refs, "secret", v["secret"], "secretName");
    if (v.contains("projected"))
      for (const auto& s : v["projected"].value("sources", Json::array())) {
        if (s.contains("configMap")) addRef(refs, "configmap", s["configMap"], "name");
        if (s.contains("secret")) addRef(refs, "secret", s["secret"], "name");
      }
  }
  for (const char* list : {"containers", "initContainers"}) {
    for (const auto& c : podSpec.value(list, Json::array())) {
      for (const auto& e : c.value("env", Json::array())) {
        if (!e.contains("valueFrom")) continue;
        const auto& vf = e["valueFrom"];
        if (vf.contains("configMapKeyRef")) addRef(refs, "configmap", vf["configMapKeyRef"], "name");
        if (vf.contains("secretKeyRef")) addRef(refs, "secret", vf["secretKeyRef"], "name");
      }
      for (const auto& e : c.value("envFrom", Json::array())) {
        if (e.contains("configMapRef")) addRef(refs, "configmap", e["configMapRef"], "name");
        if (e.contains("secretRef")) addRef(refs, "secret", e["secretRef"], "name");
      }
    }
  }
  return refs;
}

}  // namespace

std::string configChecksum(const Json& data) {
  std::string enc;
  if (!data.is_object()) {
    enc = "null";
  } else {
    enc = "{";
    bool first = true;
    for (auto it = data.begin(); it != data.end(); ++it) {  // nlohmann keeps keys sorted by bytes
      if (!first) enc += ",";
      first = false;
      enc += goString(it.key()) + ":" + (it->is_string() ? goString(it->get<std::string>()) : it->dump());
    }
    enc += "}";
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(enc.data(), enc.size(), md, &len, EVP_sha256(), nullptr);
  std::string hex;
  for (int i = 0; i < 8; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

Result<TrackedConfigs> ConfigTracker::scan(const api::Canary& c, const Json& target) const {
  TrackedConfigs out;
  if (!ctx_.configTracking) return out;
  const std::string& ns = c.metadata.namespace_;
  const Json podSpec = target["spec"].value("template", Json::object()).value("spec", Json::object());
  for (const auto& [key, ref] : discover(podSpec)) {
    const bool isMap = ref.kind == "configmap";
    auto obj = (isMap ? ctx_.configMaps : ctx_.secrets)->get(ns, ref.name);
    if (!obj) {
      if (ref.optional) {
        spdlog::info("{} {}.{} not found (optional), not tracked", isMap ? "configmap" : "secret", ref.name, ns);
        continue;
      }
      return makeError(ErrorCode::NotFound, fmt::format("{} {}.{} get query error: not found",
                                                        isMap ? "configmap" : "secret", ref.name, ns));
    }
    const auto anns = stringMap((*obj)["metadata"].value("annotations", Json()));
    if (auto a = anns.find("flagger.app/config-tracking"); a != anns.end() && a->second.rfind("disable", 0) == 0)
      continue;
    if (!isMap) {
      const std::string type = obj->value("type", "Opaque");
      if (type != "Opaque" && type != "kubernetes.io/basic-auth" && type != "kubernetes.io/ssh-auth" &&
          type != "kubernetes.io/tls") {
        continue;
      }
    }
    out[key] = TrackedConfig{ref.kind, ref.name, configChecksum(obj->value("data", Json())), obj};
  }
  return out;
}

controller::ConfigChecksums ConfigTracker::checksums(const TrackedConfigs& configs) {
  controller::ConfigChecksums out;
  for (const auto& [k, v] : configs) out[k] = v.checksum;
  return out;
}

TrackedNames ConfigTracker::names(const TrackedConfigs& configs) {
  TrackedNames out;
  for (const auto& [k, v] : configs) out.insert(k);
  return out;
}

Status ConfigTracker::writePrimaries(const api::Canary& c, const TrackedConfigs& configs) const {
  const std::string& ns = c.metadata.namespace_;
  for (const auto& [key, cfg] : configs) {
    const bool isMap = cfg.kind == "configmap";
    ObjectCache* cache = isMap ? ctx_.configMaps : ctx_.secrets;
    const auto& res = isMap ? kConfigMaps : kSecrets;
    const std::string name = cfg.name + "-primary";
    Json owners = ownerReferenceTo(c);
    auto cur = cache->get(ns, name);
    if (cur) {
      for (auto r : (*cur)["metadata"].value("ownerReferences", Json::array())) {
        if (r.value("kind", "") == "Canary" && r.value("name", "") == c.metadata.name) continue;
        r["controller"] = false;
        owners.push_back(r);
      }
    }
    Json want = {{"apiVersion", "v1"},
                 {"kind", isMap ? "ConfigMap" : "Secret"},
                 {"metadata",
                  {{"name", name},
                   {"namespace", ns},
                   {"labels", includeByPrefix(stringMap((*cfg.object)["metadata"].value("labels", Json())),
                                              ctx_.includeLabelPrefix)},
                   {"ownerReferences", owners}}},
                 {"data", cfg.object->value("data", Json::object())}};
    if (!isMap) want["type"] = cfg.object->value("type", "Opaque");
    if (cur && (*cur).value("data", Json::object()) == want["data"] &&
        (*cur)["metadata"].value("ownerReferences", Json()) == owners &&
        (isMap || (*cur).value("type", "") == want["type"])) {
      continue;  // the copy is current: no write
    }
    auto r = cur ? ctx_.client->update(res, ns, want) : ctx_.client->create(res, ns, want);
    if (!r && r.error().code == ErrorCode::NotFound) r = ctx_.client->create(res, ns, want);
    if (!r)
      return makeError(r.error().code, fmt::format("{} {}.{} write error: {}", cfg.kind, name, ns, r.error().message));
    cache->put(*r);
  }
  return okStatus();
}

}  // namespace aviary::platform::kubernetes
