// The local platform's rollout history files (platform/local/local_history.h): records appended
// in order and bounded, the checkpoint written, read back and removed by the append, and an
// unreadable file reported with its path.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "platform/local/local_history.h"

namespace aviary::platform::local {
namespace {

api::Canary canary() {
  api::Canary c;
  c.metadata.name = "podinfo";
  c.metadata.namespace_ = "test";
  return c;
}

controller::RolloutRecord record(const std::string& revision, const std::string& verdict) {
  controller::RolloutRecord r;
  r.revision = revision;
  r.start = "2026-12-06T10:00:00Z";
  r.verdict = verdict;
  r.steps.push_back({"2026-12-06T10:01:00Z", "Progressing", 10, 0, 0});
  return r;
}

class FileHistoryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("aviary-history-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(FileHistoryStoreTest, CheckpointIsReadBackAndDroppedByTheAppend) {
  FileHistoryStore store(dir_.string());
  EXPECT_FALSE(store.checkpointOf("test", "podinfo")->has_value());
  auto open = record("rev1", "");
  open.resumed.push_back("2026-12-06T10:05:00Z");
  ASSERT_TRUE(store.checkpoint(canary(), open).ok());
  auto back = store.checkpointOf("test", "podinfo");
  ASSERT_TRUE(back.ok());
  ASSERT_TRUE(back->has_value());
  EXPECT_EQ((*back)->revision, "rev1");
  EXPECT_EQ((*back)->resumed, open.resumed);
  ASSERT_EQ((*back)->steps.size(), 1u);
  EXPECT_EQ((*back)->steps[0].canaryWeight, 10);

  ASSERT_TRUE(store.append(canary(), record("rev1", "Succeeded")).ok());
  EXPECT_FALSE(store.checkpointOf("test", "podinfo")->has_value());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "history/test/podinfo.open.json"));
  auto list = store.list("test", "podinfo");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].verdict, "Succeeded");
}

TEST_F(FileHistoryStoreTest, KeepsTheLastTenInOrder) {
  FileHistoryStore store(dir_.string());
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(store.append(canary(), record("rev" + std::to_string(i), "Failed")).ok());
  auto list = *store.list("test", "podinfo");
  ASSERT_EQ(list.size(), controller::kHistoryLimit);
  EXPECT_EQ(list.front().revision, "rev2");
  EXPECT_EQ(list.back().revision, "rev11");
}

TEST_F(FileHistoryStoreTest, AnUnreadableCheckpointIsAnErrorNamingTheFile) {
  FileHistoryStore store(dir_.string());
  std::filesystem::create_directories(dir_ / "history/test");
  std::ofstream(dir_ / "history/test/podinfo.open.json") << "[1, 2";
  auto r = store.checkpointOf("test", "podinfo");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Invalid);
  EXPECT_NE(r.error().message.find("podinfo.open.json: expected a JSON rollout record"), std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace aviary::platform::local
