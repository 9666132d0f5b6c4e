#include "loadtester/command_line.h"

#include <unistd.h>

#include <cctype>
#include <cstring>

namespace aviary::loadtester {

Result<std::vector<std::string>> splitCommandLine(const std::string& cmd) {
  std::vector<std::string> words;
  std::string cur;
  bool inWord = false;
  for (size_t i = 0; i < cmd.size(); ++i) {
    char c = cmd[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (inWord) words.push_back(std::move(cur));
      cur.clear();
      inWord = false;
    } else if (c == '\'') {
      size_t end = cmd.find('\'', i + 1);
      if (end == std::string::npos) return makeError(ErrorCode::Invalid, "unterminated single quote in cmd", "metadata.cmd");
      cur.append(cmd, i + 1, end - i - 1);
      inWord = true;
      i = end;
    } else if (c == '"') {
      size_t j = i + 1;
      for (; j < cmd.size() && cmd[j] != '"'; ++j) {
        if (cmd[j] == '\\' && j + 1 < cmd.size() && std::strchr("\"\\$`", cmd[j + 1])) ++j;
        cur += cmd[j];
      }
      if (j >= cmd.size()) return makeError(ErrorCode::Invalid, "unterminated double quote in cmd", "metadata.cmd");
      inWord = true;
      i = j;
    } else if (c == '\\') {
      if (i + 1 < cmd.size()) cur += cmd[++i];
      inWord = true;
    } else if (std::strchr("|&;<>()$`", c)) {
      return makeError(ErrorCode::Invalid,
                       std::string("cmd contains the shell operator '") + c +
                           "' but type \"cmd\" runs without a shell; use \"type: bash\" (or start the load "
                           "tester with --cmd-shell for flagger-loadtester's sh -c behaviour)",
                       "metadata.cmd");
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push_back(std::move(cur));
  if (words.empty()) return makeError(ErrorCode::Invalid, "cmd not found in metadata", "metadata.cmd");
  return words;
}

std::vector<std::string> splitFields(const std::string& cmd) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : cmd) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::string lookPath(const std::string& name, const std::string& path) {
  if (name.empty()) return "";
  if (name.find('/') != std::string::npos) return name;
  size_t start = 0;
  while (start <= path.size()) {
    size_t colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    std::string full = dir.empty() ? std::string(".") : dir;
    full.append("/").append(name);
    if (::access(full.c_str(), X_OK) == 0) return full;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return "";
}

}  // namespace aviary::loadtester
