#!/usr/bin/env bash
# The Debian package (make package, cmake/package.cmake), built from this
# build directory into a scratch directory, installed into a scratch root
# with dpkg -x and checked: its control fields and conffiles, every file in
# its place, the binary and configuration it installs working together, the
# systemd unit (systemd-analyze verify, where the command is present), the
# bash completion, and lintian with no error or warning (where present).
# Usage: tests/package/check_package.sh BUILD_DIR VERSION
set -euo pipefail
build=$1 version=$2
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$work/out" > "$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$work"/out/walfs_"$version"_*.deb) || fail "no walfs_${version}_*.deb in $(ls "$work/out")"
echo "built $(basename "$deb") ($(stat -c %s "$deb") bytes)"

# Control fields and maintainer scripts.
[ "$(dpkg-deb -f "$deb" Package)" = walfs ] || fail "Package"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version"
depends=$(dpkg-deb -f "$deb" Depends)
for d in adduser librocksdb libhiredis libfuse3 libtomlplusplus; do
  grep -q "$d" <<<"$depends" || fail "Depends lacks $d: $depends"
done
dpkg-deb -e "$deb" "$work/control"
grep -qx /etc/walfs/walfs.toml "$work/control/conffiles" || fail "walfs.toml is not a conffile"
for s in postinst postrm; do
  [ -x "$work/control/$s" ] || fail "$s missing or not executable"
  sh -n "$work/control/$s" || fail "$s does not parse"
done
grep -q "adduser --system --group" "$work/control/postinst" || fail "postinst makes no user"

# Every file in its place.
root=$work/root
dpkg -x "$deb" "$root"
for f in usr/bin/walfs lib/systemd/system/walfs.service etc/walfs/walfs.toml \
         usr/share/bash-completion/completions/walfs usr/share/doc/walfs/copyright \
         usr/share/doc/walfs/changelog.gz usr/share/doc/walfs/README.md \
         usr/share/doc/walfs/operations.md usr/share/man/man1/walfs.1.gz; do
  [ -f "$root/$f" ] || fail "$f is not in the package"
done
commands=$("$root/usr/bin/walfs" --help | sed -n '/^Subcommands:/,$s/^  \([a-z][a-z-]*\) .*/\1/p')
[ "$(wc -w <<<"$commands")" -ge 20 ] || fail "too few commands: $commands"
for c in $commands; do
  page=$root/usr/share/man/man1/walfs-$c.1.gz
  [ -f "$page" ] || fail "no man page for walfs $c"
  zcat "$page" | grep -q "^walfs-$c \\\\-" || fail "walfs-$c.1 has no NAME line"
done
man -l "$root/usr/share/man/man1/walfs-serve.1.gz" 2>/dev/null | grep -q -- "--config" ||
  fail "man walfs-serve does not show --config"

# The binary and the configuration it installs.
"$root/usr/bin/walfs" --version | grep -Eq "^walfs $version \(commit [^,]+, entry format [0-9]+\)$" ||
  fail "--version: $("$root/usr/bin/walfs" --version)"
"$root/usr/bin/walfs" config check "$root/etc/walfs/walfs.toml" || fail "the packaged walfs.toml"
grep -qx 'data = "/var/lib/walfs"' "$root/etc/walfs/walfs.toml" || fail "walfs.toml's data"
# Started as the unit starts it, the data directory and port given on the
# command line over the file's: it serves.
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$root/usr/bin/walfs" serve --config "$root/etc/walfs/walfs.toml" --data "$work/data" \
  --listen "127.0.0.1:$port" > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 200); do
  curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log"; fail "serve exited"; }
  sleep 0.05
done
curl -sf -X PUT --data-binary 'from the package' "http://127.0.0.1:$port/v1/fs/p.txt" > /dev/null ||
  { cat "$work/serve.log"; fail "the packaged binary does not serve"; }
[ "$(curl -sf "http://127.0.0.1:$port/v1/fs/p.txt")" = "from the package" ] || fail "read back"
kill "$server"; wait "$server" || fail "serve did not exit 0 on SIGTERM"; server=""

# The systemd unit.
unit=$root/lib/systemd/system/walfs.service
for k in 'User=walfs' 'StateDirectory=walfs' 'ProtectSystem=strict' 'NoNewPrivileges=yes' \
         'ExecStart=/usr/bin/walfs serve --config /etc/walfs/walfs.toml'; do
  grep -qx "$k" "$unit" || fail "the unit lacks $k"
done
if command -v systemd-analyze > /dev/null; then
  # Its commands and man pages as the package installs them, here in the scratch root.
  sed "s|/usr/bin/walfs|$root/usr/bin/walfs|g" "$unit" > "$work/walfs.service"
  MANPATH=$root/usr/share/man systemd-analyze verify "$work/walfs.service" ||
    fail "systemd-analyze verify"
  echo "systemd-analyze verify: ok; $(systemd-analyze security --offline=true "$work/walfs.service" 2>/dev/null | tail -1)"
else
  echo "systemd-analyze: not present, the unit not verified"
fi

# Bash completion, from the installed binary's help.
completions=$(PATH=$root/usr/bin:$PATH bash -c "
  source $root/usr/share/bash-completion/completions/walfs
  COMP_WORDS=(walfs se); COMP_CWORD=1; _walfs; echo \"\${COMPREPLY[*]}\"
  COMP_WORDS=(walfs serve --con); COMP_CWORD=2; _walfs; echo \"\${COMPREPLY[*]}\"")
[ "$completions" = $'serve\n--config' ] || fail "completion: $completions"

if command -v lintian > /dev/null; then
  lintian --allow-root "$deb" > "$work/lintian.log" 2>&1 || true
  if grep -E '^[EW]: ' "$work/lintian.log"; then fail "lintian"; fi
  echo "lintian: no error or warning"
else
  echo "lintian: not present"
fi
echo "package ok"
