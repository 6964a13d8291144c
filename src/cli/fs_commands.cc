// Client subcommands: put, append, write, truncate, cat, mv, rm, mkdir, ls, stat.
// Each talks HTTP to --server; errors go to stderr with the server's message.
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "cli/number_arg.h"
#include "client/http_client.h"

namespace walfs::cli {
namespace {

using nlohmann::json;

struct FsArgs {
  std::string path, source = "-", dest;
  uint64_t offset = 0, size = 0, length = 0;
  bool has_offset = false, has_length = false;
  bool overwrite = false, recursive = false, long_form = false;
};

std::string FsTarget(const std::string& path) {
  std::string p = path;
  if (!p.empty() && p.front() == '/') p.erase(0, 1);
  return "/v1/fs/" + EncodePath(p);
}

bool ReadSource(const std::string& source, std::string* out) {
  if (source == "-") {
    out->assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return true;
  }
  std::ifstream f(source, std::ios::binary);
  if (!f) {
    std::cerr << "walfs: cannot read " << source << "\n";
    return false;
  }
  out->assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

// Prints the error of a non-2xx answer; returns the exit code.
int Report(const Result<ClientResponse>& r, bool print_body) {
  if (!r.ok()) {
    std::cerr << "walfs: " << r.status().message() << "\n";
    return kExitError;
  }
  if (r->status >= 300) {
    json j = json::parse(r->body, nullptr, false);
    if (j.is_object() && j.contains("message")) {
      std::cerr << "walfs: " << j["message"].get<std::string>() << " ("
                << j.value("error", std::string("error")) << ", HTTP " << r->status << ")\n";
    } else {
      std::cerr << "walfs: HTTP " << r->status << "\n";
    }
    return kExitError;
  }
  if (print_body) std::cout << r->body << (r->body.empty() || r->body.back() == '\n' ? "" : "\n");
  return kExitOk;
}

int RunWrite(const std::string& server, const std::string& method, const std::string& query,
             const std::string& path, const std::string* source) {
  std::string body;
  if (source != nullptr && !ReadSource(*source, &body)) return kExitError;
  HttpClient c(server);
  return Report(c.Request(method, FsTarget(path) + query, body), true);
}

int RunCat(const std::string& server, const FsArgs& a) {
  std::string q;
  if (a.has_offset) q += "&offset=" + std::to_string(a.offset);
  if (a.has_length) q += "&length=" + std::to_string(a.length);
  if (!q.empty()) q[0] = '?';
  HttpClient c(server);
  bool is_dir = false;
  // Streams the file to stdout as it arrives: a large file is never held whole.
  auto r =
      c.GetStreaming(FsTarget(a.path) + q, [&](const ClientResponse& head, std::string_view chunk) {
        if (head.header("content-type") == "application/json") {  // a directory's listing
          is_dir = true;
          return false;
        }
        std::cout.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        return static_cast<bool>(std::cout);
      });
  if (is_dir) {
    std::cerr << "walfs: " << a.path << " is a directory\n";
    return kExitError;
  }
  if (!r.ok() || r->status >= 300) return Report(r, false);
  std::cout.flush();
  return std::cout ? kExitOk : kExitError;
}

int RunLs(const std::string& server, const FsArgs& a) {
  HttpClient c(server);
  std::string after;
  for (;;) {
    std::string target = FsTarget(a.path) + "?list";
    if (a.recursive) target += "&recursive";
    if (!after.empty()) target += "&after=" + EncodeQueryValue(after);
    auto r = c.Get(target);
    if (!r.ok() || r->status >= 300) return Report(r, false);
    json j = json::parse(r->body, nullptr, false);
    if (!j.is_object() || !j["entries"].is_array()) return kExitError;
    for (const auto& e : j["entries"]) {
      std::string name = e["name"].get<std::string>() + (e["type"] == "dir" ? "/" : "");
      if (a.long_form) {
        std::cout << (e["type"] == "dir" ? "d " : "- ") << e["size"].get<uint64_t>() << "\t"
                  << e["mtime"].get<std::string>() << "\t" << e["version"].get<std::string>()
                  << "\t" << name << "\n";
      } else {
        std::cout << name << "\n";
      }
    }
    if (j["next"].is_null()) return kExitOk;
    after = j["next"].get<std::string>();
  }
}

}  // namespace

void RegisterFsCommands(CLI::App& app, const std::string* server, RunFn* run) {
  auto a = std::make_shared<FsArgs>();
  auto set = [run](std::function<int()> f) { *run = std::move(f); };

  auto* put = app.add_subcommand("put", "create or replace a file with FILE (or stdin)");
  put->add_option("path", a->path)->required();
  put->add_option("file", a->source, "a local file, or - for stdin");
  put->callback([=] { set([=] { return RunWrite(*server, "PUT", "", a->path, &a->source); }); });

  auto* app_cmd = app.add_subcommand("append", "append FILE (or stdin) to a file");
  app_cmd->add_option("path", a->path)->required();
  app_cmd->add_option("file", a->source, "a local file, or - for stdin");
  app_cmd->callback(
      [=] { set([=] { return RunWrite(*server, "POST", "?op=append", a->path, &a->source); }); });

  auto* wr = app.add_subcommand("write", "write FILE (or stdin) at OFFSET");
  wr->add_option("path", a->path)->required();
  wr->add_option("offset", a->offset)->required()->check(NumberIn(0, kU64Max));
  wr->add_option("file", a->source, "a local file, or - for stdin");
  wr->callback([=] {
    set([=] {
      return RunWrite(*server, "POST", "?op=write&offset=" + std::to_string(a->offset), a->path,
                      &a->source);
    });
  });

  auto* tr = app.add_subcommand("truncate", "cut or extend a file to SIZE bytes");
  tr->add_option("path", a->path)->required();
  tr->add_option("size", a->size)->required()->check(NumberIn(0, kU64Max));
  tr->callback([=] {
    set([=] {
      return RunWrite(*server, "POST", "?op=truncate&size=" + std::to_string(a->size), a->path,
                      nullptr);
    });
  });

  auto* cat = app.add_subcommand("cat", "print a file");
  cat->add_option("path", a->path)->required();
  cat->add_option("--offset", a->offset, "first byte")
      ->check(NumberIn(0, kU64Max))
      ->each([=](const std::string&) { a->has_offset = true; });
  cat->add_option("--length", a->length, "bytes to print")
      ->check(NumberIn(0, kU64Max))
      ->each([=](const std::string&) { a->has_length = true; });
  cat->callback([=] { set([=] { return RunCat(*server, *a); }); });

  auto* mv = app.add_subcommand("mv", "rename a file or a directory");
  mv->add_option("src", a->path)->required();
  mv->add_option("dst", a->dest)->required();
  mv->add_flag("--overwrite", a->overwrite, "replace an existing file at dst");
  mv->callback([=] {
    set([=] {
      // Paths on the command line are absolute, with or without the leading /.
      std::string dest = a->dest.empty() || a->dest.front() != '/' ? "/" + a->dest : a->dest;
      std::string q = "?op=rename&to=" + EncodeQueryValue(dest);
      if (a->overwrite) q += "&overwrite=true";
      return RunWrite(*server, "POST", q, a->path, nullptr);
    });
  });

  auto* rm = app.add_subcommand("rm", "delete a file or an empty directory");
  rm->add_option("path", a->path)->required();
  rm->add_flag("-r,--recursive", a->recursive, "delete a whole subtree");
  rm->callback([=] {
    set([=] {
      return RunWrite(*server, "DELETE", a->recursive ? "?recursive=true" : "", a->path, nullptr);
    });
  });

  auto* mk = app.add_subcommand("mkdir", "create a directory and its missing parents");
  mk->add_option("path", a->path)->required();
  mk->callback(
      [=] { set([=] { return RunWrite(*server, "POST", "?op=mkdir", a->path, nullptr); }); });

  auto* ls = app.add_subcommand("ls", "list a directory");
  a->path = "/";
  ls->add_option("path", a->path, "directory (default /)");
  ls->add_flag("-l", a->long_form, "type, size, mtime, version and name");
  ls->add_flag("-R,--recursive", a->recursive, "the whole subtree");
  ls->callback([=] { set([=] { return RunLs(*server, *a); }); });

  auto* st = app.add_subcommand("stat", "print a file's or directory's metadata as JSON");
  st->add_option("path", a->path)->required();
  st->callback([=] {
    set([=] {
      HttpClient c(*server);
      return Report(c.Get(FsTarget(a->path) + "?stat"), true);
    });
  });
}

}  // namespace walfs::cli
