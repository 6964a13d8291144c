// A configuration file (TOML, read with toml++) as the command-line
// arguments it stands for: every top-level key is a long option of the
// command, `key = "v"` is `--key v`, `key = 5` is `--key 5`, `key = true`
// is `--key` (false: nothing), and `key = ["a", "b"]` is `--key a --key b`.
// Tables, dates and nested arrays are refused, each with its line: the
// file is flat, as the flags are (docs/operations.md, "Configuration
// file").
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace walfs {

struct ConfigArg {
  std::string key;                // the option's long name, without "--"
  std::vector<std::string> args;  // what it stands for on the command line
  uint32_t line = 0;              // where the key is in the file (1-based)
};

// The keys of text (named name in errors), in the file's order. kBadRequest
// with "NAME:LINE:COLUMN: ..." for TOML that does not parse or a value of a
// kind no option takes.
Result<std::vector<ConfigArg>> TomlToArgs(const std::string& text, const std::string& name);

// The file at path read whole, then TomlToArgs; kNotFound if it cannot be
// read.
Result<std::vector<ConfigArg>> ReadConfigFile(const std::string& path);

// A value as a TOML literal: numbers as they are, anything else quoted (for
// the example file).
std::string TomlLiteral(const std::string& value);

}  // namespace walfs
