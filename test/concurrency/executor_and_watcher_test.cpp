// BoundedExecutor and FileWatcher. The watcher runs on a ManualClock: a test changes the
// files, advances one poll interval and waits until the poll has finished (the watcher
// begins its next wait) before asserting what the poll did.

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>

#include "irsa/concurrency/bounded_executor.h"
#include "irsa/concurrency/file_watcher.h"
#include "irsa/concurrency/manual_clock.h"
#include "support/tls_test_files.h"

namespace irsa::concurrency {
namespace {

using namespace std::chrono_literals;

TEST(BoundedExecutor, RefusesWorkBeyondItsQueueAndRunsTheRest) {
  BoundedExecutor executor("test", 1, 2);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  std::atomic<int> done{0};
  ASSERT_TRUE(executor
                  .submit([&] {
                    started.set_value();
                    released.wait();
                    ++done;
                  })
                  .ok());
  started.get_future().wait();  // the worker is busy; the queue is empty
  EXPECT_TRUE(executor.submit([&] { ++done; }).ok());
  EXPECT_TRUE(executor.submit([&] { ++done; }).ok());
  const Status refused = executor.submit([&] { ++done; });
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted) << refused.message();
  release.set_value();
  executor.stop();  // runs what is queued
  EXPECT_EQ(done.load(), 3);
  EXPECT_EQ(executor.submit([] {}).code(), StatusCode::kFailedPrecondition);
}

TEST(BoundedExecutor, AThrowingTaskDoesNotEndItsWorker) {
  BoundedExecutor executor("test", 1, 4);
  std::promise<void> ran;
  ASSERT_TRUE(executor.submit([] { throw std::runtime_error("task fails"); }).ok());
  ASSERT_TRUE(executor.submit([&] { ran.set_value(); }).ok());
  EXPECT_EQ(ran.get_future().wait_for(10s), std::future_status::ready);
}

class FileWatcherTest : public ::testing::Test {
 protected:
  void startWatcher() {
    watcher_ = std::make_unique<FileWatcher>(
        "test file", FileWatcherOptions{{path_}, 1s, false},
        [this] {
          ++reloads_;
          if (test::readFile(path_) == "broken")
            return Result<std::string>(invalidArgument("broken"));
          return Result<std::string>("");
        },
        clock_);
    watcher_->start(fileSignature({path_}));
    ASSERT_TRUE(clock_.awaitWaitsBegun(1));
  }
  // One poll interval passes; returns once that poll is over.
  void poll() {
    const std::uint64_t waits = clock_.waitsBegun();
    clock_.advance(1s);
    ASSERT_TRUE(clock_.awaitWaitsBegun(waits + 1));
  }

  test::TempDir dir_;
  const std::string path_ = dir_.file("watched");
  ManualClock clock_;
  std::atomic<int> reloads_{0};
  std::unique_ptr<FileWatcher> watcher_;
};

TEST_F(FileWatcherTest, ReloadsOnlyWhenTheFileChanges) {
  test::writeFile(path_, "one");
  startWatcher();
  poll();
  EXPECT_EQ(reloads_.load(), 0) << "unchanged since the owner loaded it";
  test::writeFile(path_, "two, longer");
  poll();
  EXPECT_EQ(reloads_.load(), 1);
  poll();
  EXPECT_EQ(reloads_.load(), 1);
  std::filesystem::remove(path_);
  poll();
  EXPECT_EQ(reloads_.load(), 2) << "a removed file is a change too";
}

TEST_F(FileWatcherTest, AFailedReloadIsCountedOncePerChange) {
  test::writeFile(path_, "good");
  startWatcher();
  test::writeFile(path_, "broken");
  poll();
  poll();
  EXPECT_EQ(reloads_.load(), 1);
  EXPECT_EQ(watcher_->failedReloads(), 1u);
}

TEST_F(FileWatcherTest, DirectoryEventsTriggerACheckWithoutWaitingForThePoll) {
  test::writeFile(path_, "one");
  watcher_ = std::make_unique<FileWatcher>(
      "test file", FileWatcherOptions{{path_}, 1h, true},
      [this] {
        ++reloads_;
        return Result<std::string>("");
      },
      clock_);
  watcher_->start(fileSignature({path_}));
  ASSERT_TRUE(clock_.awaitWaitsBegun(1));
  test::writeFile(path_, "two, longer");
  EXPECT_TRUE(clock_.awaitWaitsBegun(2)) << "the inotify event ran a check";
  EXPECT_EQ(reloads_.load(), 1);
}

}  // namespace
}  // namespace irsa::concurrency
