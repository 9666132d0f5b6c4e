// Runs every invalid manifest under tests/api/corpus/ through decode + validate and compares the
// text report (exactly what `aviary validate` prints) with NAME.expected. A first line
// `# aviary-test: strict` validates with --strict. To regenerate after an intended message
// change: AVIARY_UPDATE_CORPUS=1 api_test --gtest_filter='Corpus*' and review the diff.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/decode.h"
#include "api/report.h"

namespace aviary::api {
namespace {

namespace fs = std::filesystem;
const fs::path kCorpus = fs::path(AVIARY_SOURCE_DIR) / "tests/api/corpus";

std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> corpusFiles() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(kCorpus))
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(Corpus, HasAtLeastFortyCases) {
  EXPECT_GE(corpusFiles().size(), 40u);
}

TEST(Corpus, EachCaseReportsExactlyTheExpectedErrors) {
  const bool update = std::getenv("AVIARY_UPDATE_CORPUS") != nullptr;
  for (const auto& file : corpusFiles()) {
    SCOPED_TRACE(file.filename().string());
    std::string text = readAll(file);
    bool strict = text.rfind("# aviary-test: strict", 0) == 0;
    auto reports = checkAll(loadString(text, file.filename().string()), strict);
    std::string got = formatText(reports);
    fs::path expectedPath = fs::path(file).replace_extension(".expected");
    if (update) std::ofstream(expectedPath, std::ios::binary) << got;
    ASSERT_TRUE(fs::exists(expectedPath)) << "missing " << expectedPath;
    EXPECT_EQ(got, readAll(expectedPath));
    // Every corpus manifest is invalid: at least one error, so `aviary validate` exits 1.
    EXPECT_TRUE(std::any_of(reports.begin(), reports.end(), [](const auto& r) { return !r.ok(); })) << got;
  }
}

}  // namespace
}  // namespace aviary::api
