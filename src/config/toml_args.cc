#include "config/toml_args.h"

#include <toml++/toml.h>
#include <algorithm>
#include <fstream>
#include <sstream>

namespace walfs {
namespace {

std::string Where(const std::string& name, const toml::source_region& at) {
  return name + ":" + std::to_string(at.begin.line) + ":" + std::to_string(at.begin.column);
}

// One scalar as an option's value; false for a kind no option takes.
bool Scalar(const toml::node& n, std::string* out) {
  if (auto s = n.value<std::string>(); s && n.is_string()) {
    *out = *s;
  } else if (n.is_integer()) {
    *out = std::to_string(*n.value<int64_t>());
  } else if (n.is_floating_point()) {
    std::ostringstream v;
    v << *n.value<double>();
    *out = v.str();
  } else {
    return false;
  }
  return true;
}

}  // namespace

Result<std::vector<ConfigArg>> TomlToArgs(const std::string& text, const std::string& name) {
  toml::table table;
  try {
    table = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    return Status(Code::kBadRequest, Where(name, e.source()) + ": " + std::string(e.description()));
  }
  std::vector<ConfigArg> out;
  for (auto&& [k, node] : table) {
    ConfigArg a{std::string(k.str()), {}, static_cast<uint32_t>(node.source().begin.line)};
    auto bad = [&](const std::string& why) {
      return Status(Code::kBadRequest, Where(name, node.source()) + ": " + a.key + ": " + why);
    };
    const std::string flag = "--" + a.key;
    std::string v;
    if (node.is_boolean()) {
      if (*node.value<bool>()) a.args.push_back(flag);
    } else if (node.is_array()) {
      for (const toml::node& e : *node.as_array()) {
        if (!Scalar(e, &v)) return bad("a list holds strings or numbers only");
        a.args.push_back(flag);
        a.args.push_back(v);
      }
    } else if (node.is_table()) {
      return bad("sections are not used: every key is at the top level, as the flags are");
    } else if (Scalar(node, &v)) {
      a.args.push_back(flag);
      a.args.push_back(v);
    } else {
      return bad("a value is a string, a number, true or false, or a list");
    }
    out.push_back(std::move(a));
  }
  // toml++ keeps keys sorted; the file's order reads better in errors.
  std::stable_sort(out.begin(), out.end(), [](auto& x, auto& y) { return x.line < y.line; });
  return out;
}

Result<std::vector<ConfigArg>> ReadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Code::kNotFound, "cannot read the configuration file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status(Code::kNotFound, "cannot read the configuration file " + path);
  return TomlToArgs(text.str(), path);
}

std::string TomlLiteral(const std::string& value) {
  bool number =
      !value.empty() && value.size() < 19 &&
      std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (number) return value;
  std::string q = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

}  // namespace walfs
