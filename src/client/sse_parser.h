// SseParser: Server-Sent Events (the WHATWG format) from bytes as they
// arrive: lines "field: value", events ended by a blank line, comment
// lines (":") ignored. Used by `walfs watch` and the tests.
// Thread-safety: a value; one reader.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace walfs {

struct SseEvent {
  std::string event;  // empty: "message"
  std::string id;
  std::string data;  // several data lines joined with '\n'
};

class SseParser {
 public:
  // Feeds bytes; calls on_event for each event they complete. Lines are
  // bounded: one over max_line_bytes is cut (and its event dropped).
  void Feed(std::string_view bytes, const std::function<void(const SseEvent&)>& on_event);
  static constexpr size_t kMaxLineBytes = 1 << 20;

 private:
  void Line(std::string_view line, const std::function<void(const SseEvent&)>& on_event);
  std::string line_;
  SseEvent cur_;
  bool has_data_ = false, broken_ = false;
};

}  // namespace walfs
