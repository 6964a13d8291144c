#!/usr/bin/python3
"""Runs pjdfstest (POSIX file system conformance, from the shared conformance folder) on a walfs mount.

Builds pjdfstest in a scratch directory (autoreconf, configure, make pjdfstest), starts a single
walfs node on a local log, mounts it with --allow-other (steps run as other users; the kernel
checks permissions against the modes walfs stores), and runs `prove -v` over each group from inside
the mount. Every subtest that fails must be listed in tests/conformance/pjdfstest-expected.txt
(with why, docs/mount.md); one that fails and is not listed fails the run. A listed subtest that
passes is reported, so that the list is kept short. Needs root (/dev/fuse).

usage: run_pjdfstest.py PJDFSTEST_DIR WALFS_BINARY [--write-expected] [GROUP...]
(--write-expected writes the list from this run's failures, each file with the reason its first
failure names.)
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from walfs_mount import WalfsMount

GROUPS = ['open', 'truncate', 'ftruncate', 'rename', 'unlink', 'mkdir', 'rmdir', 'chmod', 'chown',
          'utimensat', 'symlink']
HERE = os.path.dirname(os.path.abspath(__file__))


def expected_failures():
    """{'open/01.t': {6, 7, ...}} from lines 'open/01.t 6-21 9  # why'."""
    out = {}
    with open(os.path.join(HERE, 'pjdfstest-expected.txt')) as f:
        for line in f:
            line = line.split('#', 1)[0].split()
            if not line:
                continue
            nums = out.setdefault(line[0], set())
            for part in line[1:]:
                a, _, b = part.partition('-')
                nums.update(range(int(a), int(b or a) + 1))
    return out


def ranges(nums):
    nums, out = sorted(nums), []
    while nums:
        a = b = nums.pop(0)
        while nums and nums[0] == b + 1:
            b = nums.pop(0)
        out.append(str(a) if a == b else '%d-%d' % (a, b))
    return ' '.join(out)


def run_group(suite, mnt, group):
    """{'group/NN.t': set of failing subtests}, and the lines of each failure; group may also be
    one file, 'group/NN.t'."""
    where = tempfile.mkdtemp(prefix='pjd-' + group.replace('/', '-') + '-', dir=mnt)
    os.chmod(where, 0o755)  # steps run as other users look up paths from here
    out = subprocess.run(['prove', '-v', '-r', os.path.join(suite, 'tests', group)], cwd=where,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)
    failures, lines, current = {}, {}, None
    for line in out.stdout.splitlines():
        m = re.match(r'^\S*/tests/(\w+/\d+\.t) \.+', line)
        if m:
            current = m.group(1)
            continue
        m = re.match(r'^not ok (\d+)', line)
        if m and current and '# TODO' not in line:  # TODO: prove counts it as passed
            failures.setdefault(current, set()).add(int(m.group(1)))
            lines.setdefault(current, []).append(line)
        if re.search(r'Wstat: [1-9]|Parse errors', line) and current:
            failures.setdefault(current, set()).add(0)  # died or planned wrong
    shutil.rmtree(where, ignore_errors=True)
    return failures, lines


# Why a test file fails, from the commands its failures tried (the first that matches).
REASONS = [
    (r"tried '[^']*[0-9a-f]{50,}/[0-9a-f]{50,}/", 'a path over 4096 bytes from the root of walfs (PATH_MAX '
     'from inside the test directory)'),
    (r"tried '(-u \S+ -g \S+ )?(mkfifo|mknod|bind) ",
     'FIFOs, device nodes and sockets are not supported (ENOTSUP), nor the steps on them after'),
    (r"tried '(-u \S+ -g \S+ )?link |,nlink'", 'hard links are not supported (ENOTSUP)'),
    (r"tried 'lstat \S+ nlink'", "a directory's link count is 2, its subdirectories not counted"),
    (r": unlink \S+ : (fstat|pread)", 'a file unlinked while open keeps no bytes: fstat and reads '
     'of it are ESTALE'),
]


def reason(lines):
    for pattern, why in REASONS:
        if any(re.search(pattern, line) for line in lines):
            return why
    return 'UNEXPLAINED'


def write_expected(all_failures, all_lines):
    with open(os.path.join(HERE, 'pjdfstest-expected.txt'), 'w') as f:
        f.write('# pjdfstest subtests that fail on a walfs mount, and why (docs/mount.md); written by\n'
                '# run_pjdfstest.py --write-expected and read by make conformance. Every failure not\n'
                '# listed here fails the run.\n')
        for test in sorted(all_failures):
            f.write('%s %s  # %s\n' % (test, ranges(all_failures[test]), reason(all_lines.get(test, []))))


def main():
    src, walfs = sys.argv[1], sys.argv[2]
    write = '--write-expected' in sys.argv[3:]
    groups = [g for g in sys.argv[3:] if g != '--write-expected'] or GROUPS
    work = tempfile.mkdtemp(prefix='walfs-pjdfstest-')
    suite = os.path.join(work, 'pjdfstest')
    shutil.copytree(src, suite)
    build = subprocess.run('autoreconf -ifs && ./configure && make pjdfstest', shell=True, cwd=suite,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if build.returncode != 0:
        sys.exit('run_pjdfstest: building pjdfstest failed:\n' + build.stdout[-4000:])
    expected = {} if write else expected_failures()
    unexpected, fixed, total_failed = [], [], 0
    all_failures, all_lines = {}, {}
    started = time.monotonic()
    with WalfsMount(walfs, work, ['--allow-other']) as mnt:
        for group in groups:
            failures, lines = run_group(suite, mnt, group)
            all_failures.update(failures)
            all_lines.update(lines)
            for test in sorted(set(failures) | {t for t in expected if t.startswith(group + '/')}):
                got, want = failures.get(test, set()), expected.get(test, set())
                if got - want and not write:
                    # Once more, alone: a failure that does not come back is reported as
                    # flaky, not failed (the suite's steps sleep and compare times).
                    again, again_lines = run_group(suite, mnt, test)
                    if not again.get(test, set()) - want:
                        print('pjdfstest %s: %s failed, then passed alone (flaky): %s' %
                              (test, ranges(got - want), ' | '.join(lines.get(test, []))[:600]))
                        got = again.get(test, set())
                    else:
                        got, lines[test] = again.get(test, set()), again_lines.get(test, [])
                total_failed += len(got)
                if got - want:
                    unexpected.append('%s %s' % (test, ranges(got - want)))
                    for line in lines.get(test, []):
                        if int(re.match(r'not ok (\d+)', line).group(1)) in got - want:
                            print('  ' + test + ': ' + line[:300])
                if want - got:
                    fixed.append('%s %s' % (test, ranges(want - got)))
            print('pjdfstest %s: %d files, %d failing subtests' %
                  (group, len(failures), sum(len(v) for v in failures.values())), flush=True)
    print('pjdfstest: %d groups in %.0f s; %d subtests failed, all listed in pjdfstest-expected.txt'
          % (len(groups), time.monotonic() - started, total_failed) if not unexpected else
          'pjdfstest: failures not in pjdfstest-expected.txt: ' + '; '.join(unexpected))
    if write:
        write_expected(all_failures, all_lines)
        print('pjdfstest: wrote pjdfstest-expected.txt')
        return
    if fixed:
        print('pjdfstest: listed as failing but passed (shorten the list): ' + '; '.join(fixed))
    if unexpected:
        print('walfs log: ' + os.path.join(work, 'walfs.log'))
        sys.exit(1)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
