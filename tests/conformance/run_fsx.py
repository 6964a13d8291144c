#!/usr/bin/python3
"""Runs fsx (xfstests' file-operations exerciser, from the shared conformance folder) on a walfs mount.

Builds fsx into a scratch directory, starts a single walfs node on a local log and mounts it with
`walfs mount --foreground`, then runs fsx for SEEDS seeds of OPS operations each on one file in
the mount, without mmap and the operations FUSE lacks (the flags of the folder's README). Each
seed's random reads, writes, truncates and fallocate-free extensions are checked against fsx's
own model of the file; any difference fails the run and prints fsx's operation log. Needs root
(/dev/fuse).

usage: run_fsx.py FSX_DIR WALFS_BINARY [SEEDS] [OPS]
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

from walfs_mount import WalfsMount

FLAGS = ['-R', '-W', '-F', '-H', '-z', '-C', '-I', '-J', '-B', '-E', '-u', '-K', '-a']


def main():
    fsx_dir, walfs = sys.argv[1], sys.argv[2]
    seeds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    ops = int(sys.argv[4]) if len(sys.argv) > 4 else 10000
    work = tempfile.mkdtemp(prefix='walfs-fsx-')
    subprocess.run(['make', '-s', '-C', fsx_dir, 'O=' + work], check=True)
    failed = []
    with WalfsMount(walfs, work) as mnt:
        started = time.monotonic()
        for seed in range(1, seeds + 1):
            out = subprocess.run([os.path.join(work, 'fsx'), '-N', str(ops), '-S', str(seed)] + FLAGS +
                                 [os.path.join(mnt, 'fsx-%d.file' % seed)],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                 timeout=600)
            if out.returncode != 0:
                failed.append(seed)
                print('fsx seed %d FAILED:\n%s' % (seed, out.stdout[-6000:]))
        print('fsx: %d seeds of %d operations on a walfs mount in %.0f s, %d failed' %
              (seeds, ops, time.monotonic() - started, len(failed)))
    if not failed:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
