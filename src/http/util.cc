#include "http/util.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include <charconv>
#include <ctime>

#include "core/path.h"

namespace walfs {

int HttpStatusFor(Code c) {
  switch (c) {
    case Code::kOk:
      return 200;
    case Code::kBadRequest:
    case Code::kInvalidPath:
    case Code::kRejected:
      return 400;
    case Code::kNotFound:
      return 404;
    case Code::kIsADirectory:
    case Code::kNotADirectory:
    case Code::kAlreadyExists:
    case Code::kNotEmpty:
      return 409;
    case Code::kPreconditionFailed:
      return 412;
    case Code::kTooLarge:
      return 413;
    case Code::kInvalidRange:
      return 416;
    case Code::kIdempotencyKeyReused:
      return 422;
    case Code::kLogUnavailable:
    case Code::kNotReady:
      return 503;
    case Code::kTimeout:
      return 504;
    case Code::kCorruption:
    case Code::kIoError:
    case Code::kUnsupported:
    case Code::kInternal:
      return 500;
    case Code::kMethodNotAllowed:
      return 405;
    case Code::kUnauthorized:
      return 401;
    case Code::kForbidden:
      return 403;
    case Code::kTooManyRequests:
      return 429;
    case Code::kCrossVolume:
      return 400;
    case Code::kGone:
      return 410;
  }
  return 500;
}

std::optional<uint64_t> ParseU64(std::string_view s) {
  uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

Result<ByteRange> ParseRange(std::string_view h, uint64_t size) {
  auto bad = [&](const char* why) { return Status(Code::kInvalidRange, why); };
  constexpr std::string_view kUnit = "bytes=";
  if (h.substr(0, kUnit.size()) != kUnit) return bad("Range must be bytes=a-b, a- or -n");
  h.remove_prefix(kUnit.size());
  if (h.find(',') != std::string_view::npos) return bad("only one range per request is served");
  auto dash = h.find('-');
  if (dash == std::string_view::npos) return bad("Range must be bytes=a-b, a- or -n");
  auto first = h.substr(0, dash), last = h.substr(dash + 1);
  if (first.empty()) {
    auto n = ParseU64(last);
    if (!n || *n == 0) return bad("bad suffix range");
    if (size == 0) return bad("the file is empty");
    uint64_t len = std::min(*n, size);
    return ByteRange{size - len, len};
  }
  auto a = ParseU64(first);
  if (!a) return bad("bad range start");
  if (*a >= size) return bad("range starts at or past the end of the file");
  uint64_t end = size - 1;
  if (!last.empty()) {
    auto b = ParseU64(last);
    if (!b || *b < *a) return bad("bad range end");
    end = std::min(*b, size - 1);
  }
  return ByteRange{*a, end - *a + 1};
}

Result<std::optional<ByteRange>> SelectRange(std::string_view h, uint64_t size) {
  constexpr std::string_view kUnit = "bytes=";
  if (h.empty() || h.size() < kUnit.size() ||
      !std::equal(kUnit.begin(), kUnit.end(), h.begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
      })) {
    return std::optional<ByteRange>();  // no Range, or a unit this server does not serve
  }
  if (h.find(',') != std::string_view::npos)
    return std::optional<ByteRange>();  // several: 200 whole
  auto r = ParseRange(std::string("bytes=").append(h.substr(kUnit.size())), size);
  if (!r.ok()) return r.status();
  return std::optional<ByteRange>(*r);
}

std::vector<std::string_view> CommaList(std::string_view value) {
  std::vector<std::string_view> out;
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::optional<std::vector<std::string>> ParseEtagList(std::string_view h) {
  std::vector<std::string> out;
  size_t i = 0;
  auto skip = [&] {
    while (i < h.size() && (h[i] == ' ' || h[i] == '\t' || h[i] == ',')) ++i;
  };
  skip();
  while (i < h.size()) {
    size_t start = i;
    if (h.substr(i, 2) == "W/") i += 2;
    if (i >= h.size() || h[i] != '"') return std::nullopt;
    size_t close = h.find('"', i + 1);
    if (close == std::string_view::npos) return std::nullopt;
    out.emplace_back(h.substr(start, close + 1 - start));
    i = close + 1;
    while (i < h.size() && (h[i] == ' ' || h[i] == '\t')) ++i;
    if (i < h.size() && h[i] != ',') return std::nullopt;
    skip();
  }
  if (out.empty()) return std::nullopt;
  return out;
}

bool EtagMatchesStrong(std::string_view tag, std::string_view etag) {
  return tag.substr(0, 2) != "W/" && etag.substr(0, 2) != "W/" && tag == etag;
}

bool EtagMatchesWeak(std::string_view tag, std::string_view etag) {
  if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
  if (etag.substr(0, 2) == "W/") etag.remove_prefix(2);
  return tag == etag;
}

std::optional<uint64_t> ParseHttpDate(std::string_view s) {
  if (s.size() != 29) return std::nullopt;
  tm t{};
  std::string z(s);
  const char* end = strptime(z.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &t);
  if (end == nullptr || *end != '\0') return std::nullopt;
  time_t secs = timegm(&t);
  if (secs < 0) return std::nullopt;
  return static_cast<uint64_t>(secs);
}

Result<std::map<std::string, std::string, std::less<>>> ParseQuery(std::string_view q) {
  std::map<std::string, std::string, std::less<>> out;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    auto k = PercentDecode(part.substr(0, eq));
    auto v = PercentDecode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
    if (!k.ok()) return k.status();
    if (!v.ok()) return v.status();
    out[*k] = *v;
  }
  return out;
}

std::string FormatIsoTime(uint64_t ms) {
  time_t secs = static_cast<time_t>(ms / 1000);
  tm t{};
  gmtime_r(&secs, &t);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", t.tm_year + 1900,
                t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
                static_cast<unsigned>(ms % 1000));
  return buf;
}

std::string FormatHttpDate(uint64_t ms) {
  time_t secs = static_cast<time_t>(ms / 1000);
  tm t{};
  gmtime_r(&secs, &t);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[t.tm_wday % 7],
                t.tm_mday, kMonths[t.tm_mon % 12], t.tm_year + 1900, t.tm_hour, t.tm_min, t.tm_sec);
  return buf;
}

namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
int B64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace

std::string Base64Encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kB64[(v >> s) & 63]);
  }
  if (i < in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (i + 1 < in.size()) v |= uint8_t(in[i + 1]) << 8;
    out.push_back(kB64[(v >> 18) & 63]);
    out.push_back(kB64[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kB64[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = in[i + k];
      if (c == '=' && i + 4 == in.size() && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return std::nullopt;  // data after padding
      v[k] = B64Value(c);
      if (v[k] < 0) return std::nullopt;
    }
    uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out.push_back(static_cast<char>(n >> 16));
    if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
  }
  return out;
}

}  // namespace walfs
