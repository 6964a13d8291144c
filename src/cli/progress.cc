#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace walfs::cli {

bool ShowProgress(std::optional<bool> flag) { return flag ? *flag : ::isatty(2) == 1; }

std::string HumanBytes(double bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  char b[32];
  std::snprintf(b, sizeof b, u == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[u]);
  return b;
}

Progress::Progress(std::string label, std::optional<uint64_t> total, bool enabled)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled),
      start_(std::chrono::steady_clock::now()) {
  if (!enabled_) return;
  drawer_ = std::thread([this] {
    while (!stop_) {
      Draw(false);
      for (int i = 0; i < 5 && !stop_; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

Progress::~Progress() { Finish(); }

void Progress::Finish() {
  if (!enabled_ || stop_.exchange(true)) return;
  if (drawer_.joinable()) drawer_.join();
  Draw(true);
}

void Progress::Draw(bool last) {
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double done = static_cast<double>(done_.load());
  double rate = secs > 0 ? done / secs : 0;
  std::string line = label_ + "  " + HumanBytes(done);
  if (total_) {
    double total = static_cast<double>(*total_);
    double frac = total > 0 ? done / total : 1;
    int filled = static_cast<int>(frac * 24);
    line += " / " + HumanBytes(total) + "  [" + std::string(static_cast<size_t>(filled), '#') +
            std::string(static_cast<size_t>(24 - filled), ' ') + "] ";
    char pct[16];
    std::snprintf(pct, sizeof pct, "%3.0f%%", frac * 100);
    line += pct;
  }
  line += "  " + HumanBytes(rate) + "/s";
  if (total_ && rate > 0 && !last) {
    double left = (static_cast<double>(*total_) - done) / rate;
    char eta[32];
    std::snprintf(eta, sizeof eta, "  ETA %d:%02d", static_cast<int>(left) / 60,
                  static_cast<int>(left) % 60);
    line += eta;
  }
  std::fprintf(stderr, "\r%s\033[K%s", line.c_str(), last ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace walfs::cli
