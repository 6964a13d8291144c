#include "client/sse_parser.h"

namespace walfs {

void SseParser::Feed(std::string_view bytes, const std::function<void(const SseEvent&)>& on_event) {
  for (char c : bytes) {
    if (c == '\n') {
      if (!line_.empty() && line_.back() == '\r') line_.pop_back();
      Line(line_, on_event);
      line_.clear();
    } else if (line_.size() < kMaxLineBytes) {
      line_ += c;
    } else {
      broken_ = true;
    }
  }
}

void SseParser::Line(std::string_view line, const std::function<void(const SseEvent&)>& on_event) {
  if (line.empty()) {
    if (has_data_ && !broken_) on_event(cur_);
    cur_ = {};
    has_data_ = broken_ = false;
    return;
  }
  if (line[0] == ':') return;  // a comment (a keepalive)
  size_t colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
  if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  if (field == "data") {
    if (has_data_) cur_.data += '\n';
    cur_.data += value;
    has_data_ = true;
  } else if (field == "event") {
    cur_.event = value;
  } else if (field == "id") {
    cur_.id = value;
  }
}

}  // namespace walfs
