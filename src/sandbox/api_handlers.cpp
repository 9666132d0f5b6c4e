// CRUD on resources: the HTTP side of the Store's semantics (store.h), plus lists with selectors
// and pagination, Tables for kubectl, and CRDs registering the types they define.
#include <algorithm>

#include "sandbox/api_internal.h"
#include "sandbox/patch.h"

namespace aviary::sandbox {

namespace {

IncludeObject includeOf(const http::ServerRequest& req) {
  std::string v = req.queryParam("includeObject");
  if (v == "None") return IncludeObject::None;
  if (v == "Object") return IncludeObject::Object;
  return IncludeObject::Metadata;
}

std::string objectKey(const Json& o) {
  const Json& m = o["metadata"];
  return m.value("namespace", "") + "/" + m.value("name", "");
}

// An opaque continue token: the key of the last item returned, hex-encoded.
std::string encodeToken(const std::string& key) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : key) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::optional<std::string> decodeToken(const std::string& token) {
  if (token.size() % 2) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < token.size(); i += 2) {
    auto val = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    int hi = val(token[i]), lo = val(token[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

// Bodies of create and update must be JSON: kubectl's typed commands (create configmap, …) send
// protobuf, which the sandbox does not decode; 415 tells the client so.
std::optional<http::ServerResponse> notJson(const http::ServerRequest& req) {
  std::string ct = req.header("content-type");
  std::string base = ct.substr(0, ct.find(';'));
  if (base.empty() || base == "application/json" || base == "*/*") return std::nullopt;
  return statusResponse(415, "UnsupportedMediaType",
                        "the sandbox accepts application/json bodies only, found \"" + base + "\"");
}

// The namespace and kind in a body must agree with the request's.
std::optional<std::string> bodyMismatch(const ResourceRequest& r, const Json& body) {
  if (!body.is_object()) return std::string("expected a JSON object, found ") + body.type_name();
  if (body.contains("kind") && body["kind"].is_string() && body["kind"] != r.type.kind) {
    return "kind: expected \"" + r.type.kind + "\", found \"" + body["kind"].get<std::string>() + "\"";
  }
  if (body.contains("metadata") && !body["metadata"].is_object()) return "metadata: expected an object";
  if (r.type.namespaced && body.contains("metadata")) {
    const Json& m = body["metadata"];
    if (m.contains("namespace") && m["namespace"].is_string() && !m["namespace"].get<std::string>().empty() &&
        m["namespace"] != r.ns) {
      return "the namespace of the provided object does not match the namespace sent on the request";
    }
  }
  return std::nullopt;
}

}  // namespace

Json ApiServerImpl::asVersion(const ResourceType& t, Json o) const {
  if (o.is_object()) o["apiVersion"] = t.apiVersion();
  return o;
}

http::ServerResponse ApiServerImpl::objectResponse(int code, const ResourceRequest& r, const http::ServerRequest& req,
                                                   const Json& o) const {
  if (wantsTable(req.header("accept"))) {
    Json meta = {{"resourceVersion", o["metadata"].value("resourceVersion", "")}};
    return jsonResponse(code, renderTable(r.type, {asVersion(r.type, o)}, meta, includeOf(req), clock_.now()));
  }
  return jsonResponse(code, asVersion(r.type, o));
}

http::ServerResponse ApiServerImpl::getOne(const ResourceRequest& r, const http::ServerRequest& req) {
  auto o = store_.get(r.type, r.ns, r.name);
  if (!o) return errorResponse(o.error());
  return objectResponse(200, r, req, *o);
}

http::ServerResponse ApiServerImpl::list(const ResourceRequest& r, const http::ServerRequest& req) {
  auto labels = Selector::parse(req.queryParam("labelSelector"), true);
  if (!labels) return statusResponse(400, "BadRequest", labels.error().message);
  auto fields = Selector::parse(req.queryParam("fieldSelector"), false);
  if (!fields) return statusResponse(400, "BadRequest", fields.error().message);
  if (parseBool(req.queryParam("watch"))) return watch(r, req, *labels, *fields);

  uint64_t rv = 0;
  std::vector<Json> items;
  for (auto& o : store_.list(r.type, r.ns, &rv)) {
    if (labels->matches(o) && fields->matches(o)) items.push_back(asVersion(r.type, std::move(o)));
  }
  std::string cont = req.queryParam("continue");
  if (!cont.empty()) {
    auto after = decodeToken(cont);
    if (!after) return statusResponse(400, "BadRequest", "continue: expected a token from an earlier list, found \"" + cont + "\"");
    items.erase(items.begin(), std::find_if(items.begin(), items.end(), [&](const Json& o) { return objectKey(o) > *after; }));
  }
  Json meta = {{"resourceVersion", std::to_string(rv)}};
  std::string limitText = req.queryParam("limit");
  if (!limitText.empty()) {
    long long limit = 0;
    try {
      limit = std::stoll(limitText);
    } catch (const std::exception&) {
      return statusResponse(400, "BadRequest", "limit: expected an integer, found \"" + limitText + "\"");
    }
    if (limit > 0 && static_cast<size_t>(limit) < items.size()) {
      meta["remainingItemCount"] = items.size() - static_cast<size_t>(limit);
      items.resize(static_cast<size_t>(limit));
      meta["continue"] = encodeToken(objectKey(items.back()));
    }
  }
  if (wantsTable(req.header("accept"))) {
    return jsonResponse(200, renderTable(r.type, items, meta, includeOf(req), clock_.now()));
  }
  return jsonResponse(200, {{"kind", r.type.kind + "List"}, {"apiVersion", r.type.apiVersion()}, {"metadata", meta},
                            {"items", items}});
}

http::ServerResponse ApiServerImpl::create(const ResourceRequest& r, const http::ServerRequest& req) {
  if (auto refused = notJson(req)) return *refused;
  auto body = decodeBody(req.body);
  if (!body) return errorResponse(body.error());
  if (auto why = bodyMismatch(r, *body)) return statusResponse(400, "BadRequest", *why);
  if (!req.queryParam("dryRun").empty()) return statusResponse(400, "BadRequest", "dryRun is not supported by the sandbox");
  Json o = std::move(body.value());
  if (o["metadata"].is_object() && o["metadata"].contains("resourceVersion") && !o["metadata"]["resourceVersion"].is_null() &&
      o["metadata"]["resourceVersion"] != "") {
    return statusResponse(500, "InternalError", "resourceVersion should not be set on objects to be created");
  }
  bool isCrd = r.type.kind == "CustomResourceDefinition";
  if (isCrd) {
    std::string name = o["metadata"].is_object() ? o["metadata"].value("name", "") : "";
    if (store_.get(r.type, "", name)) return statusResponse(409, "AlreadyExists", r.type.groupResource() + " \"" + name + "\" already exists");
    if (auto why = registry_.addCrd(o)) {
      return statusResponse(422, "Invalid", "CustomResourceDefinition.apiextensions.k8s.io \"" + name + "\" is invalid: " + *why);
    }
  }
  auto created = store_.create(r.type, r.ns, std::move(o));
  if (!created) {
    if (isCrd) registry_.removeCrd(body->value("metadata", Json::object()).value("name", ""));
    return errorResponse(created.error());
  }
  Json result = *created;
  if (isCrd) {
    crdWritten(result);
    if (auto now = store_.get(r.type, "", result["metadata"].value("name", ""))) result = *now;
  }
  return objectResponse(201, r, req, result);
}

http::ServerResponse ApiServerImpl::replace(const ResourceRequest& r, const http::ServerRequest& req) {
  if (auto refused = notJson(req)) return *refused;
  auto body = decodeBody(req.body);
  if (!body) return errorResponse(body.error());
  if (auto why = bodyMismatch(r, *body)) return statusResponse(400, "BadRequest", *why);
  bool isCrd = r.type.kind == "CustomResourceDefinition";
  if (isCrd && r.subresource.empty()) {
    if (auto why = registry_.addCrd(*body)) return statusResponse(422, "Invalid", *why);
  }
  WritePart part = r.subresource == "status" ? WritePart::Status : WritePart::Main;
  auto out = store_.update(r.type, r.ns, r.name, part, [&](const Json&) -> Result<Json> { return *body; });
  if (!out) return errorResponse(out.error());
  if (isCrd) {
    auto current = store_.get(r.type, "", r.name);
    if (current) crdWritten(*current);
  }
  return objectResponse(200, r, req, *out);
}

http::ServerResponse ApiServerImpl::patch(const ResourceRequest& r, const http::ServerRequest& req) {
  PatchType type = patchTypeOf(req.header("content-type"));
  if (type == PatchType::Unknown || type == PatchType::Apply) {
    return statusResponse(415, "UnsupportedMediaType",
                          "the body of the request was in an unknown format - accepted media types include: "
                          "application/json-patch+json, application/merge-patch+json, "
                          "application/strategic-merge-patch+json (server-side apply is not supported by the sandbox)");
  }
  auto body = decodeBody(req.body);
  if (!body) return errorResponse(body.error());
  WritePart part = r.subresource == "status" ? WritePart::Status : WritePart::Main;
  auto out = store_.update(r.type, r.ns, r.name, part, [&](const Json& current) -> Result<Json> {
    auto next = applyPatch(type, current, *body);
    if (!next) return makeError(ErrorCode::Invalid, next.error().message, "BadRequest");
    if (!next->is_object() || !(*next)["metadata"].is_object()) {
      return makeError(ErrorCode::Invalid, "the patched object is not an object with metadata", "BadRequest");
    }
    if (r.type.kind == "CustomResourceDefinition" && part == WritePart::Main) {
      if (auto why = registry_.addCrd(*next)) return makeError(ErrorCode::Invalid, *why, "Invalid");
    }
    return next;
  });
  if (!out) return errorResponse(out.error());
  if (r.type.kind == "CustomResourceDefinition") crdWritten(*out);
  return objectResponse(200, r, req, *out);
}

http::ServerResponse ApiServerImpl::remove(const ResourceRequest& r, const http::ServerRequest& req) {
  auto out = store_.remove(r.type, r.ns, r.name);
  if (!out) return errorResponse(out.error());
  if (r.type.kind == "CustomResourceDefinition" && !store_.get(r.type, "", r.name)) crdDeleted(r.name);
  return objectResponse(200, r, req, *out);
}

void ApiServerImpl::crdWritten(const Json& crd) {
  // The apiextensions controllers' part: names accepted, the CRD established.
  auto type = registry_.find("apiextensions.k8s.io", "v1", "customresourcedefinitions");
  std::string name = crd["metadata"].value("name", "");
  if (crd["metadata"].contains("deletionTimestamp")) return;
  std::string now = formatTime(clock_.now());
  (void)store_.update(*type, "", name, WritePart::Status, [&](const Json& current) -> Result<Json> {
    Json next = current;
    const Json& spec = current.value("spec", Json::object());
    Json stored = Json::array();
    for (const auto& v : spec.value("versions", Json::array())) {
      if (v.is_object() && v.value("storage", false)) stored.push_back(v.value("name", ""));
    }
    Json conditions = Json::array();
    for (const char* t : {"NamesAccepted", "Established"}) {
      conditions.push_back({{"type", t}, {"status", "True"}, {"reason", t == std::string("Established") ? "InitialNamesAccepted" : "NoConflicts"},
                            {"message", t == std::string("Established") ? "the initial names have been accepted" : "no conflicts found"},
                            {"lastTransitionTime", now}});
    }
    Json old = current.value("status", Json::object());
    if (old.is_object() && old.contains("conditions")) conditions = old["conditions"];
    next["status"] = {{"acceptedNames", spec.value("names", Json::object())}, {"storedVersions", stored},
                      {"conditions", conditions}};
    return next;
  });
}

void ApiServerImpl::crdDeleted(const std::string& name) {
  for (const auto& t : registry_.removeCrd(name)) store_.removeAll(t.groupResource());
}

}  // namespace aviary::sandbox
