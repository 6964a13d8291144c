// walfs config check FILE, walfs config example, and `walfs serve --config
// FILE`: a TOML file whose keys are serve's long options
// (config/toml_args.h). The file's keys become arguments placed before the
// command line's, each skipped when the command line gives that option or
// the environment sets its variable: flags override the environment, which
// overrides the file (docs/operations.md, "Configuration file").
#include <algorithm>
#include <iostream>
#include <set>
#include <sstream>

#include "cli/commands.h"
#include "config/toml_args.h"

namespace walfs::cli {
namespace {

// serve's options as registered (a fresh command each time: parsing one
// leaves its results in it).
struct ServeProbe {
  CLI::App app;
  RunFn run;
  CLI::App* serve;
  ServeProbe() {
    RegisterServe(app, &run);
    serve = app.get_subcommand("serve");
  }
};

// Each key names an option of serve and its value is one serve accepts,
// else kBadRequest with "FILE:LINE: ...".
Status CheckArgs(const std::vector<ConfigArg>& args, const std::string& file) {
  ServeProbe names;
  for (const auto& a : args) {
    std::string where = file + ":" + std::to_string(a.line) + ": ";
    CLI::Option* opt = names.serve->get_option_no_throw("--" + a.key);
    if (opt == nullptr || a.key == "config" || a.key == "help") {
      return Status(Code::kBadRequest,
                    where + "unknown key '" + a.key + "' (walfs config example lists every key)");
    }
    ServeProbe probe;
    std::vector<std::string> argv = {"serve"};
    argv.insert(argv.end(), a.args.begin(), a.args.end());
    std::reverse(argv.begin(), argv.end());  // CLI11 takes a vector in reverse
    try {
      probe.app.parse(argv);
    } catch (const CLI::ParseError& e) {
      return Status(Code::kBadRequest, where + e.what());  // e names the option
    }
  }
  return Status::Ok();
}

// The file's arguments that neither the command line's (serve's, after
// its name) nor a set environment variable override, in the file's order.
std::vector<std::string> FileArgsNotOverridden(const std::vector<ConfigArg>& args,
                                               const std::vector<std::string>& command_line) {
  // What the command line sets, by option (an alias counts as its option).
  ServeProbe probe;
  std::set<const CLI::Option*> given;
  for (const std::string& a : command_line) {
    if (a.rfind("--", 0) != 0) continue;
    if (const CLI::Option* o = probe.serve->get_option_no_throw(a.substr(0, a.find('=')))) {
      given.insert(o);
    }
  }
  std::vector<std::string> out;
  for (const auto& a : args) {
    if (given.count(probe.serve->get_option_no_throw("--" + a.key))) continue;
    if (const char* env = ServeEnvName(a.key); env != nullptr && std::getenv(env) != nullptr) {
      continue;
    }
    out.insert(out.end(), a.args.begin(), a.args.end());
  }
  return out;
}

int RunCheck(const std::string& file) {
  auto args = ReadConfigFile(file);
  Status st = args.ok() ? CheckArgs(*args, file) : args.status();
  if (st.ok()) {
    // Then the checks across keys, as serve makes them (with this
    // environment: its variables override the file's keys there too).
    st = ValidateServe(FileArgsNotOverridden(*args, {}));
    if (!st.ok()) st = Status(st.code(), file + ": " + st.message());
  }
  if (!st.ok()) {
    std::cerr << "walfs config: " << st.message() << "\n";
    return st.code() == Code::kNotFound ? kExitError : kExitUsage;
  }
  std::cout << file << ": ok, " << args->size() << " keys\n";
  return kExitOk;
}

// text as comment lines of at most 78 columns.
std::string Commented(const std::string& text) {
  std::string out, line = "#";
  std::istringstream words(text);
  for (std::string w; words >> w;) {
    if (line.size() + 1 + w.size() > 78 && line != "#") {
      out += line + "\n";
      line = "#";
    }
    line += " " + w;
  }
  return out + line + "\n";
}

// Every key of serve, commented out at its default, with its help.
int RunExample() {
  ServeProbe probe;
  std::cout << "# walfs serve's configuration: walfs serve --config FILE.\n"
               "# Every key is a flag of `walfs serve` without its dashes; a flag given on\n"
               "# the command line, or its environment variable, overrides the key.\n"
               "# Uncomment a key to set it. Checked by: walfs config check FILE\n";
  for (const CLI::Option* opt : probe.serve->get_options()) {
    std::string name = opt->get_single_name();
    if (name.empty() || name == "help" || name == "config" || opt->get_lnames().empty()) continue;
    name = opt->get_lnames().front();
    bool flag = opt->get_expected_min() == 0;
    std::string value = flag ? "false" : TomlLiteral(opt->get_default_str());
    if (opt->get_expected_max() > 1 && !flag) value = "[]";
    std::cout << "\n"
              << Commented(opt->get_description()) << "# " << name << " = " << value << "\n";
  }
  return kExitOk;
}

}  // namespace

Result<std::vector<std::string>> ExpandServeConfig(const std::vector<std::string>& argv) {
  // The command: the first word that is not an option or a global
  // option's value.
  size_t cmd = 1;
  while (cmd < argv.size() && (argv[cmd].empty() || argv[cmd][0] == '-')) {
    bool valued = argv[cmd] == "--server" || argv[cmd] == "--token" || argv[cmd] == "--cacert";
    cmd += valued ? 2 : 1;
  }
  if (cmd >= argv.size() || argv[cmd] != "serve") return argv;
  std::string file;
  for (size_t i = cmd + 1; i < argv.size(); ++i) {
    if (argv[i] == "--config" && i + 1 < argv.size()) file = argv[i + 1];
    if (argv[i].rfind("--config=", 0) == 0) file = argv[i].substr(9);
  }
  if (file.empty()) return argv;
  auto args = ReadConfigFile(file);
  if (!args.ok()) return args.status();
  WALFS_RETURN_IF_ERROR(CheckArgs(*args, file));
  std::vector<std::string> command_line(argv.begin() + static_cast<ptrdiff_t>(cmd) + 1, argv.end());
  std::vector<std::string> out(argv.begin(), argv.begin() + static_cast<ptrdiff_t>(cmd) + 1);
  for (std::string& a : FileArgsNotOverridden(*args, command_line)) out.push_back(std::move(a));
  out.insert(out.end(), command_line.begin(), command_line.end());
  return out;
}

void RegisterConfig(CLI::App& app, RunFn* run) {
  auto* cmd = app.add_subcommand("config", "check or write a configuration file for walfs serve");
  cmd->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto* check = cmd->add_subcommand(
      "check", "check FILE as walfs serve --config FILE would read it (exit 2 with the line)");
  check->add_option("file", *file, "the TOML file")->required();
  check->callback([=] { *run = [=] { return RunCheck(*file); }; });
  auto* example = cmd->add_subcommand(
      "example", "print a configuration file with every key of walfs serve at its default");
  example->callback([=] { *run = [] { return RunExample(); }; });
}

}  // namespace walfs::cli
