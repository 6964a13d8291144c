// Progress: a one-line progress bar on stderr for long transfers (bytes,
// rate, ETA when the total is known), redrawn a few times a second by its
// own thread while the transfer's threads add what they moved.
// Thread-safety: Add from any thread; construction and Finish from one.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

namespace walfs::cli {

// Whether to draw one: --progress / --no-progress, else when stderr is a
// terminal.
bool ShowProgress(std::optional<bool> flag);

// "1.5 GiB", "12.0 MiB".
std::string HumanBytes(double bytes);

class Progress {
 public:
  // total: nullopt when not known (stdin). With enabled false it draws
  // nothing.
  Progress(std::string label, std::optional<uint64_t> total, bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Add(uint64_t bytes) { done_ += bytes; }
  uint64_t done() const { return done_; }
  // Draws the last line and ends it.
  void Finish();

 private:
  void Draw(bool last);
  std::string label_;
  std::optional<uint64_t> total_;
  bool enabled_;
  std::atomic<uint64_t> done_{0};
  std::atomic<bool> stop_{false};
  std::chrono::steady_clock::time_point start_;
  std::thread drawer_;
};

}  // namespace walfs::cli
