#!/usr/bin/python3
"""Runs ceph/s3-tests (from the shared conformance folder) against a walfs it starts.

walfs serves S3 on a free port with --auth (two principals, main and alt,
each with its own keys over the whole tree) on a local log; the suite's
configuration is written for it; pytest runs the test ids listed in
tests/conformance/s3-tests-pass.txt (the regression: every one must pass), or
with --all every test of the suite's files, to see what else passes.

usage: run_s3_tests.py SUITE_DIR WALFS_BINARY [--all] [--junit FILE] [pytest args...]
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PASS_LIST = os.path.join(HERE, 's3-tests-pass.txt')

KEYS = {
    'main': ('AKIDWALFSMAIN0000001', 'main-secret-key-0123456789abcdef'),
    'alt': ('AKIDWALFSALT00000001', 'alt-secret-key-0123456789abcdef0'),
}


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def main():
    suite, walfs = sys.argv[1], sys.argv[2]
    rest = sys.argv[3:]
    run_all = '--all' in rest
    rest = [a for a in rest if a != '--all']
    work = tempfile.mkdtemp(prefix='walfs-s3-tests-')
    auth = os.path.join(work, 'auth.json')
    with open(auth, 'w') as f:
        json.dump({'principals': [{'name': name, 'role': 'write', 'prefixes': ['/'],
                                   's3_access_key': ak, 's3_secret_key': sk}
                                  for name, (ak, sk) in KEYS.items()]}, f)
    port, s3_port = free_port(), free_port()
    log = open(os.path.join(work, 'walfs.log'), 'wb')
    server = subprocess.Popen([walfs, 'serve', '--data', os.path.join(work, 'data'), '--listen',
                               '127.0.0.1:%d' % port, '--s3-listen', '127.0.0.1:%d' % s3_port,
                               '--auth', auth, '--log-level', 'warn'], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen('http://127.0.0.1:%d/readyz' % port, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                sys.exit('walfs did not become ready; see %s' % log.name)
            time.sleep(0.05)
        conf = os.path.join(work, 's3tests.conf')
        with open(conf, 'w') as f:
            f.write('[DEFAULT]\nhost = 127.0.0.1\nport = %d\nis_secure = False\nssl_verify = False\n'
                    '[fixtures]\nbucket prefix = s3t-{random}-\n' % s3_port)
            for section, who in (('s3 main', 'main'), ('s3 alt', 'alt'), ('s3 tenant', 'main'),
                                 ('iam', 'main'), ('iam root', 'main'), ('iam alt root', 'alt')):
                ak, sk = KEYS[who]
                f.write('[%s]\ndisplay_name = %s\nuser_id = %s\nemail = %s@example.com\n'
                        'access_key = %s\nsecret_key = %s\n' % (section, who, who, who, ak, sk))
                if section == 's3 tenant':
                    f.write('tenant = tenant\n')
        if run_all:
            targets = ['s3tests/functional/test_s3.py', 's3tests/functional/test_headers.py']
        else:
            with open(PASS_LIST) as f:
                targets = [l.strip() for l in f if l.strip() and not l.startswith('#')]
        env = dict(os.environ, S3TEST_CONF=conf, AWS_MAX_ATTEMPTS='1', PYTHONDONTWRITEBYTECODE='1')
        cmd = ['/usr/bin/python3', '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-o',
               'timeout=120'] + rest + targets
        rc = subprocess.call(cmd, cwd=suite, env=env)
        sys.exit(rc)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == '__main__':
    main()
