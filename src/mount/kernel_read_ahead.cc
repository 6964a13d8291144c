#include "mount/kernel_read_ahead.h"

#include <fstream>
#include <sstream>

namespace walfs {
namespace {

// mountinfo's escapes: \ooo for space, tab, newline and backslash.
std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      std::string oct = s.substr(i + 1, 3);
      if (oct.find_first_not_of("01234567") == std::string::npos) {
        out += static_cast<char>(std::stoi(oct, nullptr, 8));
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

}  // namespace

std::string MountDevice(const std::string& mountinfo, const std::string& mountpoint) {
  std::istringstream lines(mountinfo);
  std::string line, device;
  while (std::getline(lines, line)) {
    // ID PARENT MAJOR:MINOR ROOT MOUNTPOINT ...
    std::istringstream f(line);
    std::string id, parent, dev, root, point;
    if (!(f >> id >> parent >> dev >> root >> point)) continue;
    if (Unescape(point) == mountpoint) device = dev;
  }
  return device;
}

Status SetKernelReadAhead(const std::string& mountpoint, unsigned kib) {
  std::ifstream in("/proc/self/mountinfo");
  std::stringstream text;
  text << in.rdbuf();
  std::string dev = MountDevice(text.str(), mountpoint);
  if (dev.empty()) return Status(Code::kNotFound, mountpoint + " is not in /proc/self/mountinfo");
  std::string knob = "/sys/class/bdi/" + dev + "/read_ahead_kb";
  std::ofstream out(knob);
  out << kib << "\n";
  out.flush();
  if (!out) return Status(Code::kIoError, "cannot write " + knob + " (needs root)");
  return Status::Ok();
}

}  // namespace walfs
