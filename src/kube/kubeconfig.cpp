// kubeconfig reading with yaml-cpp (already a dependency). Follows client-go's clientcmd rules
// that matter here: merging several files, the current context, relative paths, *-data fields.
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "kube/config.h"

namespace aviary::kube {

namespace {

struct Named {
  YAML::Node node;
  std::string dir;  // directory of the file that defined it, for relative paths
};

std::string dirOf(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string resolve(const std::string& p, const std::string& dir) {
  if (p.empty() || p[0] == '/') return p;
  return dir + "/" + p;
}

std::string scalar(const YAML::Node& n, const char* key) {
  if (!n.IsMap() || !n[key] || !n[key].IsScalar()) return "";
  return n[key].as<std::string>();
}

}  // namespace

Result<std::string> decodeBase64(const std::string& text) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  int bits = 0, acc = 0;
  for (char c : text) {
    if (c == '=' || c == '\n' || c == '\r' || c == ' ') continue;
    int v = val(c);
    if (v < 0) return makeError(ErrorCode::Invalid, std::string("expected base64, found the character '") + c + "'");
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::vector<std::string> defaultKubeconfigFiles() {
  std::vector<std::string> files;
  if (const char* env = std::getenv("KUBECONFIG"); env && *env) {
    std::stringstream ss(env);
    std::string part;
    while (std::getline(ss, part, ':')) {
      if (!part.empty()) files.push_back(part);
    }
    return files;
  }
  if (const char* home = std::getenv("HOME")) files.push_back(std::string(home) + "/.kube/config");
  return files;
}

Result<ClusterConfig> loadKubeconfig(const std::vector<std::string>& files, const std::string& context) {
  std::map<std::string, Named> clusters, users, contexts;
  std::string current;
  ErrorList errors;
  bool anyRead = false;
  for (const auto& file : files) {
    YAML::Node root;
    try {
      root = YAML::LoadFile(file);
    } catch (const YAML::BadFile&) {
      // kubectl skips missing files of a KUBECONFIG list; only "none readable" is an error.
      continue;
    } catch (const YAML::Exception& e) {
      errors.push_back(makeError(ErrorCode::Invalid, file + ":" + std::to_string(e.mark.line + 1) + ":" +
                                                         std::to_string(e.mark.column + 1) + ": " + e.msg));
      continue;
    }
    anyRead = true;
    if (!root.IsMap()) continue;
    if (current.empty()) current = scalar(root, "current-context");
    for (auto [section, into] : {std::pair{"clusters", &clusters}, {"users", &users}, {"contexts", &contexts}}) {
      const YAML::Node list = root[section];
      if (!list) continue;
      if (!list.IsSequence()) {
        errors.push_back(makeError(ErrorCode::Invalid, file + ": " + section + ": expected a list, found another node"));
        continue;
      }
      for (const auto& item : list) {
        std::string name = scalar(item, "name");
        if (name.empty()) {
          errors.push_back(makeError(ErrorCode::Invalid, file + ": " + section + "[].name: expected a name, found none"));
          continue;
        }
        into->emplace(name, Named{item, dirOf(file)});  // the first definition wins
      }
    }
  }
  if (!anyRead && errors.empty()) {
    std::string list;
    for (const auto& f : files) list += (list.empty() ? "" : ", ") + f;
    return makeError(ErrorCode::Io, "no kubeconfig could be read (tried: " + (list.empty() ? "none" : list) + ")");
  }
  std::string ctxName = context.empty() ? current : context;
  if (errors.empty() && ctxName.empty()) {
    errors.push_back(makeError(ErrorCode::Invalid, "current-context: expected a context name, found none (pass --context)"));
  }
  ClusterConfig cfg;
  cfg.contextName = ctxName;
  if (errors.empty()) {
    auto ctx = contexts.find(ctxName);
    if (ctx == contexts.end()) {
      errors.push_back(makeError(ErrorCode::Invalid, "contexts: expected a context named \"" + ctxName + "\", found none"));
    } else {
      const YAML::Node c = ctx->second.node["context"];
      std::string clusterName = scalar(c, "cluster"), userName = scalar(c, "user");
      if (std::string ns = scalar(c, "namespace"); !ns.empty()) cfg.ns = ns;
      auto cl = clusters.find(clusterName);
      if (cl == clusters.end()) {
        errors.push_back(makeError(ErrorCode::Invalid, "contexts[" + ctxName + "].context.cluster: expected a cluster defined in clusters, found \"" + clusterName + "\""));
      } else {
        const YAML::Node n = cl->second.node["cluster"];
        cfg.server = scalar(n, "server");
        if (cfg.server.empty()) errors.push_back(makeError(ErrorCode::Invalid, "clusters[" + clusterName + "].cluster.server: expected a URL, found none"));
        cfg.caFile = resolve(scalar(n, "certificate-authority"), cl->second.dir);
        cfg.insecureSkipVerify = scalar(n, "insecure-skip-tls-verify") == "true";
        cfg.tlsServerName = scalar(n, "tls-server-name");
        if (auto d = scalar(n, "certificate-authority-data"); !d.empty()) {
          auto pem = decodeBase64(d);
          if (!pem) {
            errors.push_back(makeError(ErrorCode::Invalid, "clusters[" + clusterName + "].cluster.certificate-authority-data: " + pem.error().message));
          } else {
            cfg.caData = *pem;
          }
        }
      }
      auto us = users.find(userName);
      if (!userName.empty() && us == users.end()) {
        errors.push_back(makeError(ErrorCode::Invalid, "contexts[" + ctxName + "].context.user: expected a user defined in users, found \"" + userName + "\""));
      } else if (us != users.end()) {
        const YAML::Node n = us->second.node["user"];
        cfg.token = scalar(n, "token");
        cfg.tokenFile = resolve(scalar(n, "tokenFile"), us->second.dir);
        cfg.username = scalar(n, "username");
        cfg.password = scalar(n, "password");
        cfg.clientCertFile = resolve(scalar(n, "client-certificate"), us->second.dir);
        cfg.clientKeyFile = resolve(scalar(n, "client-key"), us->second.dir);
        for (auto [key, into] : {std::pair{"client-certificate-data", &cfg.clientCertData}, {"client-key-data", &cfg.clientKeyData}}) {
          if (auto d = scalar(n, key); !d.empty()) {
            auto pem = decodeBase64(d);
            if (!pem) {
              errors.push_back(makeError(ErrorCode::Invalid, "users[" + userName + "].user." + key + ": " + pem.error().message));
            } else {
              *into = *pem;
            }
          }
        }
        if (n.IsMap() && n["exec"]) {
          errors.push_back(makeError(ErrorCode::Invalid, "users[" + userName + "].user.exec: expected a token or certificate, found an exec plugin (not supported)"));
        }
      }
    }
  }
  if (!errors.empty()) {
    Error e = errors.front();
    for (size_t i = 1; i < errors.size(); ++i) e.message += "\n" + errors[i].message;
    return e;
  }
  return cfg;
}

Result<ClusterConfig> inClusterConfig(const std::string& accountDir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !*host || !port || !*port) {
    return makeError(ErrorCode::NotFound, "not running in a pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set");
  }
  ClusterConfig cfg;
  std::string h = host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6
  cfg.server = "https://" + h + ":" + port;
  cfg.tokenFile = accountDir + "/token";
  cfg.caFile = accountDir + "/ca.crt";
  std::ifstream tf(cfg.tokenFile);
  if (!tf) return makeError(ErrorCode::Io, "cannot read the service account token " + cfg.tokenFile);
  std::ifstream nf(accountDir + "/namespace");
  std::string ns;
  if (nf && std::getline(nf, ns) && !ns.empty()) cfg.ns = ns;
  return cfg;
}

}  // namespace aviary::kube
