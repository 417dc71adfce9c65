// The Pod Identity file and its watcher, on a ManualClock: after each change the test
// lets one poll interval pass and waits until that poll is over before asserting, so
// "the malformed file kept the old list" is checked after the file was read, not after a
// sleep that may have been too short.

#include "irsa/identity/pod_identity_file.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "irsa/concurrency/manual_clock.h"
#include "support/tls_test_files.h"

namespace irsa::identity {
namespace {

using namespace std::chrono_literals;

class PodIdentityFileTest : public ::testing::Test {
 protected:
  // One poll interval (2 s) passes; returns once the poll after it is over. A poll that
  // begins after a change sees it, whether or not an inotify event ran a check first.
  void pollAfterChange() {
    const std::uint64_t waits = clock_.waitsBegun();
    clock_.advance(2s);
    ASSERT_TRUE(clock_.awaitWaitsBegun(waits + 1));
  }

  test::TempDir dir_;
  const std::string path_ = dir_.file("identities.json");
  concurrency::ManualClock clock_;
  PodIdentityFile file_{path_, clock_};
};

TEST_F(PodIdentityFileTest, ReloadsOnChangeAndKeepsOldListWhenMalformed) {
  const Result<std::size_t> missing = file_.loadNow();
  ASSERT_TRUE(missing.ok()) << "a missing file means no identities";
  EXPECT_EQ(*missing, 0u);
  file_.watch();
  ASSERT_TRUE(clock_.awaitWaitsBegun(1));

  // Atomic replace, as kubelet does for ConfigMap volumes.
  test::writeFile(path_ + ".tmp", R"({"identities":[{"namespace":"a","serviceAccount":"b"}]})");
  std::filesystem::rename(path_ + ".tmp", path_);
  pollAfterChange();
  EXPECT_TRUE(file_.contains("a", "b"));

  test::writeFile(path_, R"({"identities": [ broken)");
  pollAfterChange();
  EXPECT_TRUE(file_.contains("a", "b")) << "malformed file keeps the previous list";

  test::writeFile(path_, R"({"identities":[{"namespace":"c","serviceAccount":"d"}]})");
  pollAfterChange();
  EXPECT_TRUE(file_.contains("c", "d"));
  EXPECT_FALSE(file_.contains("a", "b"));

  std::filesystem::remove(path_);
  pollAfterChange();
  EXPECT_EQ(file_.size(), 0u) << "deleted file means no identities";
}

TEST_F(PodIdentityFileTest, DirectoryEventsReloadWithoutWaitingForThePoll) {
  // The file exists already: rewriting it is one event (IN_CLOSE_WRITE), after the content.
  test::writeFile(path_, "{}");
  ASSERT_TRUE(file_.loadNow().ok());
  file_.watch();
  ASSERT_TRUE(clock_.awaitWaitsBegun(1));
  test::writeFile(path_, R"({"identities":[{"namespace":"a","serviceAccount":"b"}]})");
  ASSERT_TRUE(clock_.awaitWaitsBegun(2)) << "the inotify event ran a check";
  EXPECT_TRUE(file_.contains("a", "b"));
}

TEST_F(PodIdentityFileTest, AMalformedFileIsAnErrorStatusAndKeepsTheList) {
  test::writeFile(path_, R"({"identities":[{"namespace":"a","serviceAccount":"b"}]})");
  ASSERT_TRUE(file_.loadNow().ok());
  test::writeFile(path_, "{");
  const Result<std::size_t> broken = file_.loadNow();
  EXPECT_EQ(broken.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(broken.status().message(),
            path_ + " is malformed (not a JSON object); keeping the previous 1 identities");
  EXPECT_TRUE(file_.contains("a", "b"));
}

TEST(PodIdentityFile, ParserValidatesShape) {
  for (const char* empty : {"", " \n", "{}", R"({"identities":null})"}) {
    const Result<PodIdentitySet> parsed = parsePodIdentityFile(empty);
    ASSERT_TRUE(parsed.ok()) << empty;
    EXPECT_TRUE(parsed->empty()) << empty;
  }
  for (const char* bad :
       {"[", "[]", R"({"identities":{}})", R"({"identities":[{"namespace":"a"}]})",
        R"({"identities":[{"namespace":1,"serviceAccount":"b"}]})"}) {
    EXPECT_EQ(parsePodIdentityFile(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace irsa::identity
