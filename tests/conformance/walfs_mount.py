"""A single walfs node on a local log, mounted with `walfs mount --foreground`, for the conformance
runners that test the POSIX mount (fsx, pjdfstest). Needs root (/dev/fuse).

    with WalfsMount(walfs_binary, work_dir, ['--allow-other']) as mnt:
        ...  # mnt is the mount point
"""
import os
import socket
import subprocess
import sys
import time
import urllib.request


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
            sys.exit('%s did not happen within %d s' % (what, seconds))
        time.sleep(0.05)


def ready(port):
    try:
        with urllib.request.urlopen('http://127.0.0.1:%d/readyz' % port, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


class WalfsMount:
    def __init__(self, walfs, work, mount_args=()):
        self.walfs, self.work, self.mount_args = walfs, work, list(mount_args)
        self.log_path = os.path.join(work, 'walfs.log')
        self.mnt = os.path.join(work, 'mnt')
        self.server = self.mount = None

    def __enter__(self):
        port = free_port()
        log = open(self.log_path, 'wb')
        self.server = subprocess.Popen(
            [self.walfs, 'serve', '--data', os.path.join(self.work, 'data'), '--listen',
             '127.0.0.1:%d' % port, '--log-level', 'warn'], stdout=log, stderr=log)
        os.makedirs(self.mnt, exist_ok=True)
        try:
            wait(lambda: ready(port) or self.server.poll() is not None, 30, 'walfs serve ready')
            self.mount = subprocess.Popen(
                [self.walfs, 'mount', '--foreground'] + self.mount_args +
                ['127.0.0.1:%d' % port, self.mnt], stdout=log, stderr=log)
            wait(lambda: mounted(self.mnt) or self.mount.poll() is not None, 30, 'the mount')
            if not mounted(self.mnt):
                sys.exit('walfs mount failed (FUSE needs root and /dev/fuse); see %s' % self.log_path)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self.mnt

    def __exit__(self, *exc):
        if self.mount is not None:
            subprocess.run(['fusermount3', '-u', self.mnt])
            try:
                self.mount.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.mount.kill()
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=20)
        return False
