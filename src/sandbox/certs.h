#pragma once
// A throwaway certificate authority for the sandbox's HTTPS: a CA and a server certificate for
// 127.0.0.1 / localhost / ::1 signed by it, EC P-256 keys, made with the OpenSSL API at start.
// The CA goes into the kubeconfig as certificate-authority-data; nothing is written elsewhere.
#include <string>
#include <vector>

#include "common/result.h"

namespace aviary::sandbox {

struct GeneratedTls {
  std::string caCertPem;
  std::string serverCertPem;
  std::string serverKeyPem;
};

// A CA ("aviary sandbox CA") and a server certificate for the given DNS names and IP addresses,
// valid from an hour ago for `days`. Error (Internal) naming the OpenSSL call that failed.
Result<GeneratedTls> generateTls(const std::vector<std::string>& dnsNames, const std::vector<std::string>& ips,
                                 int days = 30);

// Base64 (standard alphabet, padded) for kubeconfig *-data fields.
std::string encodeBase64(const std::string& bytes);

}  // namespace aviary::sandbox
