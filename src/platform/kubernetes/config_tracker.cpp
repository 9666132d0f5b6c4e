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

void addRef(ConfigRefs& refs, const char* kind, const Json& holder, const char* field, const std::string& path) {
  if (!holder.is_object() || !holder.contains(field) || !holder[field].is_string()) return;
  ConfigRef r{kind, holder[field], path + "." + field, holder.value("optional", false)};
  refs[std::string(kind) + "/" + r.name] = r;  // the last occurrence decides
}

std::string at(const std::string& base, const char* list, size_t i) {
  return fmt::format("{}{}{}[{}]", base, base.empty() ? "" : ".", list, i);
}

Json arrayAt(const Json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_array() ? j[key] : Json::array();
}

}  // namespace

ConfigRefs configRefs(const Json& podSpec) {
  ConfigRefs refs;
  const Json volumes = arrayAt(podSpec, "volumes");
  for (size_t i = 0; i < volumes.size(); ++i) {
    const Json& v = volumes[i];
    const std::string p = at("", "volumes", i);
    if (v.contains("configMap")) addRef(refs, "configmap", v["configMap"], "name", p + ".configMap");
    if (v.contains("secret")) addRef(refs, "secret", v["secret"], "secretName", p + ".secret");
    if (!v.contains("projected")) continue;
    const Json sources = arrayAt(v["projected"], "sources");
    for (size_t k = 0; k < sources.size(); ++k) {
      const Json& s = sources[k];
      const std::string sp = at(p + ".projected", "sources", k);
      if (s.contains("configMap")) addRef(refs, "configmap", s["configMap"], "name", sp + ".configMap");
      if (s.contains("secret")) addRef(refs, "secret", s["secret"], "name", sp + ".secret");
    }
  }
  for (const char* list : {"containers", "initContainers"}) {
    const Json containers = arrayAt(podSpec, list);
    for (size_t ci = 0; ci < containers.size(); ++ci) {
      const Json& c = containers[ci];
      const std::string cp = at("", list, ci);
      const Json env = arrayAt(c, "env");
      for (size_t i = 0; i < env.size(); ++i) {
        if (!env[i].is_object() || !env[i].contains("valueFrom")) continue;
        const auto& vf = env[i]["valueFrom"];
        const std::string p = at(cp, "env", i) + ".valueFrom";
        if (vf.contains("configMapKeyRef"))
          addRef(refs, "configmap", vf["configMapKeyRef"], "name", p + ".configMapKeyRef");
        if (vf.contains("secretKeyRef")) addRef(refs, "secret", vf["secretKeyRef"], "name", p + ".secretKeyRef");
      }
      const Json envFrom = arrayAt(c, "envFrom");
      for (size_t i = 0; i < envFrom.size(); ++i) {
        const Json& e = envFrom[i];
        if (!e.is_object()) continue;
        const std::string p = at(cp, "envFrom", i);
        if (e.contains("configMapRef")) addRef(refs, "configmap", e["configMapRef"], "name", p + ".configMapRef");
        if (e.contains("secretRef")) addRef(refs, "secret", e["secretRef"], "name", p + ".secretRef");
      }
    }
  }
  return refs;
}

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

Result<TrackedConfigs> trackConfigs(const api::Canary& c, const Json& target, const ConfigLookup& lookup) {
  TrackedConfigs out;
  const std::string& ns = c.metadata.namespace_;
  const Json podSpec = target["spec"].value("template", Json::object()).value("spec", Json::object());
  for (const auto& [key, ref] : configRefs(podSpec)) {
    const bool isMap = ref.kind == "configmap";
    JsonPtr obj = lookup(ref.kind, ref.name);
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

Json primaryConfigCopy(const api::Canary& c, const TrackedConfig& cfg,
                       const std::vector<std::string>& includeLabelPrefix, const Json* existing) {
  const bool isMap = cfg.kind == "configmap";
  Json owners = ownerReferenceTo(c);
  if (existing) {
    for (auto r : (*existing)["metadata"].value("ownerReferences", Json::array())) {
      if (r.value("kind", "") == "Canary" && r.value("name", "") == c.metadata.name) continue;
      r["controller"] = false;
      owners.push_back(r);
    }
  }
  Json want = {
      {"apiVersion", "v1"},
      {"kind", isMap ? "ConfigMap" : "Secret"},
      {"metadata",
       {{"name", cfg.name + "-primary"},
        {"namespace", c.metadata.namespace_},
        {"labels", includeByPrefix(stringMap((*cfg.object)["metadata"].value("labels", Json())), includeLabelPrefix)},
        {"ownerReferences", owners}}},
      {"data", cfg.object->value("data", Json::object())}};
  if (!isMap) want["type"] = cfg.object->value("type", "Opaque");
  return want;
}

Result<TrackedConfigs> ConfigTracker::scan(const api::Canary& c, const Json& target) const {
  if (!ctx_.configTracking) return TrackedConfigs{};
  const std::string& ns = c.metadata.namespace_;
  return trackConfigs(c, target, [&](const std::string& kind, const std::string& name) {
    return (kind == "configmap" ? ctx_.configMaps : ctx_.secrets)->get(ns, name);
  });
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
    auto cur = cache->get(ns, name);
    const Json want = primaryConfigCopy(c, cfg, ctx_.includeLabelPrefix, cur ? cur.get() : nullptr);
    const Json& owners = want["metadata"]["ownerReferences"];
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
