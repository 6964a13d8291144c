#include "core/path.h"

namespace walfs {

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<uint8_t>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr uint32_t kMin[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

Result<std::string> NormalizePath(std::string_view raw) {
  std::string_view s = raw;
  if (!s.empty() && s.front() == '/') s.remove_prefix(1);
  if (!s.empty() && s.back() == '/') s.remove_suffix(1);
  if (s.empty()) return std::string("/");
  if (s.size() + 1 > kMaxPathBytes) {
    return Status(Code::kInvalidPath, "path is longer than 4096 bytes");
  }
  if (s.find('\0') != std::string_view::npos) {
    return Status(Code::kInvalidPath, "path contains a NUL byte");
  }
  if (!IsValidUtf8(s)) return Status(Code::kInvalidPath, "path is not valid UTF-8");
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find('/', start);
    if (end == std::string_view::npos) end = s.size();
    auto comp = s.substr(start, end - start);
    if (comp.empty()) return Status(Code::kInvalidPath, "path has an empty component");
    if (comp == "." || comp == "..") {
      return Status(Code::kInvalidPath, "path has a '.' or '..' component");
    }
    if (comp.size() > kMaxComponentBytes) {
      return Status(Code::kInvalidPath, "path has a component longer than 255 bytes");
    }
    start = end + 1;
  }
  std::string out;
  out.reserve(s.size() + 1);
  out.push_back('/');
  out.append(s);
  return out;
}

std::vector<std::string_view> PathComponents(std::string_view canonical) {
  std::vector<std::string_view> out;
  size_t start = 1;
  while (start < canonical.size()) {
    size_t end = canonical.find('/', start);
    if (end == std::string_view::npos) end = canonical.size();
    out.push_back(canonical.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string_view ParentPath(std::string_view canonical) {
  auto slash = canonical.rfind('/');
  return slash == 0 ? std::string_view("/") : canonical.substr(0, slash);
}

std::string_view BaseName(std::string_view canonical) {
  return canonical.substr(canonical.rfind('/') + 1);
}

bool IsSameOrBeneath(std::string_view inner, std::string_view outer) {
  if (outer == "/") return true;
  if (inner.size() < outer.size() || inner.substr(0, outer.size()) != outer) return false;
  return inner.size() == outer.size() || inner[outer.size()] == '/';
}

std::string PercentEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Result<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) {
      return Status(Code::kBadRequest, "malformed percent-escape in URL");
    }
    int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return Status(Code::kBadRequest, "malformed percent-escape in URL");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

}  // namespace walfs
