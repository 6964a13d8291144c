// walfs mount SERVER[,SERVER...] MOUNTPOINT: the namespace as a POSIX
// directory (libfuse3; docs/mount.md).
#include <unistd.h>

#include <iostream>

#include "cli/commands.h"
#include "core/path.h"
#include "mount/walfs_fs.h"

namespace walfs::cli {

void RegisterMount(CLI::App& app, const ClientOptions* server, RunFn* run) {
  auto o = std::make_shared<MountOptions>();
  auto servers = std::make_shared<std::string>();
  auto consistency = std::make_shared<std::string>("session");
  o->uid = ::getuid();
  o->gid = ::getgid();
  auto* cmd =
      app.add_subcommand("mount",
                         "mount the namespace (or --subdir) at MOUNTPOINT with FUSE; unmount with "
                         "fusermount3 -u MOUNTPOINT");
  cmd->add_option("servers", *servers,
                  "SERVER[,SERVER...]: http(s)://HOST:PORT of replicas, tried in order")
      ->required();
  cmd->add_option("mountpoint", o->mountpoint, "an empty directory")->required();
  cmd->add_option("--subdir", o->subdir, "the walfs directory to mount (default /)");
  cmd->add_flag("--read-only", o->read_only, "refuse every change (EROFS)");
  cmd->add_flag("--foreground", o->foreground, "stay attached (default: detach once mounted)");
  cmd->add_flag("--allow-other", o->allow_other, "let other users in (needs user_allow_other)");
  cmd->add_option("--consistency", *consistency,
                  "session (default: this mount's writes and no going back), strong, eventual")
      ->check(CLI::IsMember({"session", "strong", "eventual"}));
  cmd->add_option("--attr-timeout-ms", o->attr_timeout_ms,
                  "how long the kernel trusts attributes and names (default 1000)")
      ->check(CLI::Range(0, 3600000));
  cmd->add_option("--uid", o->uid, "the owner shown for files (default: who mounts)");
  cmd->add_option("--gid", o->gid, "the group shown for files (default: who mounts)");
  cmd->add_option("--write-buffer-bytes", o->write_buffer_bytes,
                  "an open file's buffered writes are sent at this size, in the background "
                  "while the next fills: up to twice this in memory per writing file "
                  "(default 32 MiB)")
      ->check(CLI::Range(uint64_t{4096}, uint64_t{64} << 20));
  cmd->add_option("--read-ahead-kib", o->read_ahead_kib,
                  "how far ahead the kernel reads a file of the mount, set if this process may "
                  "(root; otherwise the kernel's 128 KiB); 0 leaves the kernel's (default 512)")
      ->check(CLI::Range(0, 65536));
  cmd->add_flag("--direct-reads", o->direct_reads,
                "read files opened read-only around the kernel's page cache: faster for large "
                "sequential reads, no cache kept, no shared mmap of them (default off)");
  cmd->add_option("--timeout-ms", o->request_timeout_ms,
                  "every request's deadline; past it the call fails (default 30000)")
      ->check(CLI::Range(100, 600000));
  cmd->callback([=] {
    *run = [=] {
      std::string list = *servers;
      for (size_t at = 0; at <= list.size();) {
        size_t comma = list.find(',', at);
        std::string s =
            list.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
        if (!s.empty())
          o->servers.push_back(s.find("://") == std::string::npos ? "http://" + s : s);
        if (comma == std::string::npos) break;
        at = comma + 1;
      }
      if (o->servers.empty()) {
        std::cerr << "walfs mount: no server given\n";
        return kExitUsage;
      }
      auto sub = NormalizePath(o->subdir);
      if (!sub.ok()) {
        std::cerr << "walfs mount: --subdir: " << sub.status().message() << "\n";
        return kExitUsage;
      }
      o->subdir = *sub;
      o->consistency = *consistency == "strong"     ? MountConsistency::kStrong
                       : *consistency == "eventual" ? MountConsistency::kEventual
                                                    : MountConsistency::kSession;
      o->token = server->token;
      o->cacert = server->cacert;
      return RunMount(*o) == 0 ? kExitOk : kExitError;
    };
  });
}

}  // namespace walfs::cli
