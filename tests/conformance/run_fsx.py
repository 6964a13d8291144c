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
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

FLAGS = ['-R', '-W', '-F', '-H', '-z', '-C', '-I', '-J', '-B', '-E', '-u', '-K', '-a']


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def mounted(path):
    with open('/proc/mounts') as f:
        return any(line.split()[1] == path for line in f)


def wait(cond, seconds, what):
    deadline = time.monotonic() + seconds
    while not cond():
        if time.monotonic() > deadline:
            sys.exit('run_fsx: %s did not happen within %d s' % (what, seconds))
        time.sleep(0.05)


def ready(port):
    try:
        with urllib.request.urlopen('http://127.0.0.1:%d/readyz' % port, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def main():
    fsx_dir, walfs = sys.argv[1], sys.argv[2]
    seeds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    ops = int(sys.argv[4]) if len(sys.argv) > 4 else 10000
    work = tempfile.mkdtemp(prefix='walfs-fsx-')
    subprocess.run(['make', '-s', '-C', fsx_dir, 'O=' + work], check=True)
    port = free_port()
    log = open(os.path.join(work, 'walfs.log'), 'wb')
    server = subprocess.Popen([walfs, 'serve', '--data', os.path.join(work, 'data'), '--listen',
                               '127.0.0.1:%d' % port, '--log-level', 'warn'], stdout=log, stderr=log)
    mnt = os.path.join(work, 'mnt')
    os.mkdir(mnt)
    mount = None
    failed = []
    try:
        wait(lambda: ready(port) or server.poll() is not None, 30, 'walfs serve ready')
        mount = subprocess.Popen([walfs, 'mount', '--foreground', '127.0.0.1:%d' % port, mnt],
                                 stdout=log, stderr=log)
        wait(lambda: mounted(mnt) or mount.poll() is not None, 30, 'the mount')
        if not mounted(mnt):
            sys.exit('run_fsx: walfs mount failed (FUSE needs root and /dev/fuse); see %s' %
                     os.path.join(work, 'walfs.log'))
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
    finally:
        if mount is not None:
            subprocess.run(['fusermount3', '-u', mnt])
            try:
                mount.wait(timeout=20)
            except subprocess.TimeoutExpired:
                mount.kill()
        server.terminate()
        server.wait(timeout=20)
        if not failed:
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
