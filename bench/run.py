#!/usr/bin/env python3
"""make bench: walfs against the physical limits and the alternatives, in one run.

Starts real processes (redis-server, walfs serve, nginx, s3rver), runs each case
and its baseline on the same machine in the same run, prints a table and writes
bench/results/latest.json ({"cases":[{"name","walfs","baseline","ratio","unit","goal"}]}).

  bench/run.py            the full suite (several minutes)
  bench/run.py --smoke    every case for a second or two: keeps the suite working;
                          its figures mean nothing (make test runs it)
  bench/run.py --only append_throughput,small_reads
"""
import argparse
import resource
import base64
import collections
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get('WALFS_BUILD', os.path.join(ROOT, 'build'))
WALFS = os.path.join(BUILD, 'walfs')
LOAD = os.path.join(BUILD, 'walfs-bench')
# Rounds of an interleaved comparison (Bench.interleaved).
ROUNDS = 5
S3RVER = os.path.join(ROOT, 'tools', 'node_modules', '.bin', 's3rver')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_for(cond, seconds, what):
    end = time.time() + seconds
    while time.time() < end:
        try:
            if cond():
                return
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError('timed out waiting for ' + what)


def applied(url):
    """A replica's applied position, whether or not it is ready yet."""
    try:
        with urllib.request.urlopen(url + '/readyz', timeout=30) as r:
            return json.loads(r.read())['applied']
    except urllib.error.HTTPError as e:
        return json.loads(e.read())['applied']


def port_open(port):
    with socket.socket() as s:
        return s.connect_ex(('127.0.0.1', port)) == 0


def http(method, url, body=None, timeout=600, headers=None, cafile=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    context = ssl.create_default_context(cafile=cafile) if cafile else None
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=context) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        raise RuntimeError('%s %s: HTTP %d %s' % (method, url, e.code, e.read()[:300])) from None


class Procs:
    """Every process a case starts, stopped when the case ends."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.procs = []

    def start(self, argv, name, env=None):
        log = open(os.path.join(self.workdir, name + '.log'), 'ab')
        p = subprocess.Popen(argv, stdout=log, stderr=log, env={**os.environ, **(env or {})},
                             start_new_session=True)
        self.procs.append(p)
        return p

    def redis(self):
        port = free_port()
        d = tempfile.mkdtemp(dir=self.workdir)
        self.start(['redis-server', '--port', str(port), '--bind', '127.0.0.1', '--save', '',
                    '--appendonly', 'no', '--dir', d], 'redis-%d' % port)
        wait_for(lambda: port_open(port), 10, 'redis-server')
        return port

    def nats(self, servers=3):
        """A JetStream cluster of `servers` nats-servers on loopback; their addresses, comma-separated."""
        ports = [(free_port(), free_port(), free_port()) for _ in range(servers)]
        for i, (client, route, mon) in enumerate(ports):
            d = tempfile.mkdtemp(dir=self.workdir, prefix='nats-')
            conf = os.path.join(d, 'n%d.conf' % i)
            routes = ', '.join('nats-route://127.0.0.1:%d' % r for j, (_, r, _) in enumerate(ports) if j != i)
            with open(conf, 'w') as f:
                f.write('server_name: n%d\nlisten: 127.0.0.1:%d\nhttp: 127.0.0.1:%d\n'
                        'jetstream { store_dir: "%s" }\n' % (i, client, mon, d))
                if servers > 1:
                    f.write('cluster { name: bench, listen: 127.0.0.1:%d, routes: [%s] }\n' % (route, routes))
            self.start(['nats-server', '-c', conf], 'nats-%d' % i)
        def healthy(mon):
            try:
                return http('GET', 'http://127.0.0.1:%d/healthz' % mon)[0] == 200
            except RuntimeError:  # 503 until JetStream has a meta leader
                return False
        for _, _, mon in ports:
            wait_for(lambda: healthy(mon), 30, 'nats-server')
        return ','.join('127.0.0.1:%d' % c for c, _, _ in ports)

    def walfs(self, redis_port, name, extra=(), ready=True, stream='bench', log=None):
        port = free_port()
        if log is None:
            log = 'redis://127.0.0.1:%d?stream=%s' % (redis_port, stream) if redis_port else 'local'
        data = tempfile.mkdtemp(dir=self.workdir, prefix=name + '-')  # a store is tied to its log
        p = self.start([WALFS, 'serve', '--data', data, '--listen',
                        '127.0.0.1:%d' % port, '--log', log, '--replica-id', name, '--log-level', 'warn',
                        *extra], name)
        url = 'http://127.0.0.1:%d' % port
        if ready:
            wait_for(lambda: http('GET', url + '/readyz')[0] == 200, 30, 'walfs ' + name)
        else:
            wait_for(lambda: port_open(port), 30, 'walfs ' + name)
        return url, p

    def nginx(self, root):
        port = free_port()
        conf = os.path.join(self.workdir, 'nginx.conf')
        with open(conf, 'w') as f:
            f.write('''daemon off; worker_processes 2; pid %(d)s/nginx.pid; error_log %(d)s/nginx-error.log;
events { worker_connections 4096; }
http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000;
  client_body_temp_path %(d)s/body; proxy_temp_path %(d)s/proxy; fastcgi_temp_path %(d)s/fcgi;
  uwsgi_temp_path %(d)s/uwsgi; scgi_temp_path %(d)s/scgi;
  server { listen 127.0.0.1:%(p)d; root %(r)s; } }
''' % {'d': self.workdir, 'p': port, 'r': root})
        self.start(['nginx', '-c', conf, '-p', self.workdir], 'nginx')
        wait_for(lambda: port_open(port), 10, 'nginx')
        return 'http://127.0.0.1:%d' % port

    def s3rver(self):
        port = free_port()
        d = tempfile.mkdtemp(dir=self.workdir)
        self.start([S3RVER, '-d', d, '-a', '127.0.0.1', '-p', str(port), '--silent', '--configure-bucket', 'bench'],
                   's3rver')
        wait_for(lambda: port_open(port), 30, 's3rver')
        return 'http://127.0.0.1:%d' % port

    def stop(self):
        for p in reversed(self.procs):
            try:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.procs = []


# One writer of mount_appends: 16-byte records "WWNNNNNNNNNNNNN\n" appended with O_APPEND, one
# write() each, for the given seconds; prints how many.
APPEND_WRITER = """import os, sys, time
path, w, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
n, end = 0, time.monotonic() + secs
while time.monotonic() < end:
    for _ in range(100):
        os.write(fd, b'%02d%013d\\n' % (w, n))
        n += 1
os.close(fd)
print(n)
"""


def mounted(path):
    with open('/proc/mounts') as f:
        return any(line.split()[1] == path for line in f)


def load(*args):
    out = subprocess.run([LOAD, *[str(a) for a in args]], capture_output=True, text=True, timeout=1200)
    if out.returncode != 0:
        raise RuntimeError('walfs-bench %s failed: %s' % (args[0], out.stderr))
    if out.stderr.strip():
        print('    walfs-bench %s: %s' % (args[0], out.stderr.strip()[:300]), flush=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def wrk(url, seconds, connections=64, threads=2, method='GET', body_bytes=0, lua=None):
    """Debian's wrk (event-driven: 2 threads, 64 connections) against url: requests/s, latency
    percentiles, non-2xx answers, and the CPU it used (cores), to show it was not the bound. lua:
    a script of wrk's own instead of the method and body (wrk counts each answer of a pipelined
    send as a request)."""
    script = None
    args = ['wrk', '-t', str(threads), '-c', str(connections), '-d', '%ds' % seconds, '--latency']
    if method != 'GET' or lua:
        fd, script = tempfile.mkstemp(suffix='.lua')
        with os.fdopen(fd, 'w') as f:
            f.write(lua or 'wrk.method = "%s"\nwrk.body = string.rep("x", %d)\n' % (method, body_bytes))
        args += ['-s', script]
    t0 = os.times()
    out = subprocess.run(args + [url], capture_output=True, text=True, timeout=seconds + 60)
    t1 = os.times()
    if script:
        os.unlink(script)
    if out.returncode != 0:
        raise RuntimeError('wrk failed: %s' % out.stderr)
    text = out.stdout
    rps = float(re.search(r'Requests/sec:\s+([\d.]+)', text).group(1))
    lat = {}
    for pct, val, unit in re.findall(r'^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$', text, re.M):
        lat[pct] = float(val) * {'us': 0.001, 'ms': 1.0, 's': 1000.0}[unit]
    bad = re.search(r'Non-2xx or 3xx responses:\s+(\d+)', text)
    cpu = (t1.children_user - t0.children_user) + (t1.children_system - t0.children_system)
    return {'rps': rps, 'p50_ms': lat.get('50', 0.0), 'p99_ms': lat.get('99', 0.0),
            'non2xx': int(bad.group(1)) if bad else 0, 'cores': cpu / seconds}


def redis_benchmark(port, clients, n, payload, pipeline=1):
    out = subprocess.run(['redis-benchmark', '-p', str(port), '-c', str(clients), '-n', str(n), '-P', str(pipeline),
                          '--csv', 'XADD', 'rbench', '*', 'f', payload], capture_output=True, text=True, timeout=600)
    rows = [l for l in out.stdout.splitlines() if l.startswith('"XADD')]
    fields = [float(x.strip('"')) for x in rows[-1].split('","')[1:]]
    # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
    return {'rps': fields[0], 'p50_ms': fields[3], 'p99_ms': fields[5]}


def rss_kib(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


class RssPeak:
    """The peak RSS of a process over its RSS at the start, sampled from a thread inside a `with`."""

    def __init__(self, pid, every=0.02, idle=None):
        import threading
        self.pid, self.every = pid, every
        self.peak = rss_kib(pid)
        self.idle = self.peak if idle is None else idle
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample)

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def over_idle_mib(self):
        return (self.peak - self.idle) / 1024


class Bench:
    def __init__(self, smoke, workdir):
        self.smoke = smoke
        self.workdir = workdir
        self.cases = []
        self.d = 1500 if smoke else 10000  # ms per measurement

    def add(self, name, walfs, baseline, unit, goal, ratio=None, note=''):
        if ratio is None:
            ratio = walfs / baseline if baseline else 0.0
        self.cases.append({'name': name, 'walfs': round(walfs, 3), 'baseline': round(baseline, 3),
                           'ratio': round(ratio, 3), 'unit': unit, 'goal': goal, 'note': note})
        print('  %-28s walfs %12.3f  baseline %12.3f  %-10s ratio %7.3f  goal %s %s' % (
            name, walfs, baseline, unit, ratio, goal, note), flush=True)

    # -- cases ---------------------------------------------------------------

    def append_throughput_and_latency(self, p):
        rport = p.redis()
        url, _ = p.walfs(rport, 'r0')
        body = 'x' * 100
        n = 20000 if self.smoke else 300000
        base = redis_benchmark(rport, 64, n, body)
        w = load('http', '--url', url, '--method', 'POST', '--target', '/v1/fs/bench/tp?op=append',
                 '--body-bytes', 100, '--clients', 64, '--duration-ms', self.d, '--expect-status', 200)
        self.add('append_throughput', w['rps'], base['rps'], 'appends/s', '>= 1.0x')
        base1 = redis_benchmark(rport, 1, 2000 if self.smoke else 50000, body)
        w1 = load('http', '--url', url, '--method', 'POST', '--target', '/v1/fs/bench/lat?op=append',
                  '--body-bytes', 100, '--clients', 1, '--duration-ms', self.d, '--expect-status', 200)
        self.add('append_latency_p50', w1['p50_ms'], base1['p50_ms'], 'ms', 'p50 <= 3x')
        self.add('append_latency_p99', w1['p99_ms'], base1['p99_ms'], 'ms', '(reported)')

    def nats_appends(self, p):
        """Appends through one replica on a NATS JetStream log (R3 over three nats-servers) against
        the same on Redis, and against raw JetStream publishes (each acknowledged by a quorum) to a
        stream of the same configuration, in the same run."""
        servers = p.nats(3)
        nurl, _ = p.walfs(None, 'n0', log='nats://%s?stream=bench&replicas=3' % servers)
        rurl, _ = p.walfs(p.redis(), 'r0')

        def appends(url, clients, target):
            r = load('http', '--url', url, '--method', 'POST', '--target', target, '--body-bytes', 100,
                     '--clients', clients, '--duration-ms', self.d, '--expect-status', 200)
            if r['errors'] > r['requests'] / 100:  # a figure of failures would mislead
                raise RuntimeError('%d of %d appends to %s failed' % (r['errors'], r['errors'] + r['requests'], url))
            return r

        raw = load('js-publish', '--nats', servers, '--clients', 64, '--body-bytes', 100, '--duration-ms', self.d)
        on_nats = appends(nurl, 64, '/v1/fs/bench/tp?op=append')
        on_redis = appends(rurl, 64, '/v1/fs/bench/tp?op=append')
        self.add('nats_append_throughput', on_nats['rps'], on_redis['rps'], 'appends/s', '(reported)',
                 note='(64 clients, 100 B; baseline: the same through a replica on Redis)')
        self.add('nats_append_vs_raw', on_nats['rps'], raw['rps'], 'appends/s', '(reported)',
                 note='(baseline: 64 connections publishing 100 B to an R3 stream, each waiting for its ack)')
        raw1 = load('js-publish', '--nats', servers, '--stream', 'raw1', '--clients', 1, '--body-bytes', 100,
                    '--duration-ms', self.d)
        n1 = appends(nurl, 1, '/v1/fs/bench/lat?op=append')
        r1 = appends(rurl, 1, '/v1/fs/bench/lat?op=append')
        self.add('nats_append_latency_p50', n1['p50_ms'], r1['p50_ms'], 'ms', '(reported)',
                 note='(1 client; baseline: Redis; a raw publish p50 %.3f ms, p99 %.3f ms)' % (
                     raw1['p50_ms'], raw1['p99_ms']))
        self.add('nats_append_latency_p99', n1['p99_ms'], r1['p99_ms'], 'ms', '(reported)',
                 note='(1 client; baseline: Redis)')

    def volumes(self, p):
        """Appends to two volumes on two Redis servers against one volume on one Redis, through one replica
        each, with the same writers: 32 clients appending to /a/tp and 32 to /b/tp at once (on two volumes,
        /b is the second volume). Rounds alternate the two set-ups; the median of each is reported."""
        ra, rb = p.redis(), p.redis()
        one, _ = p.walfs(ra, 'one', stream='one')
        two, _ = p.walfs(ra, 'two', stream='two',
                         extra=('--volume', 'b=/b@redis://127.0.0.1:%d?stream=b' % rb))

        def both(url):
            out = {}

            def run(target):
                out[target] = load('http', '--url', url, '--method', 'POST', '--target', target,
                                   '--body-bytes', 100, '--clients', 32, '--duration-ms', self.d,
                                   '--expect-status', 200)
            threads = [threading.Thread(target=run, args=(t,)) for t in ('/v1/fs/a/tp?op=append',
                                                                        '/v1/fs/b/tp?op=append')]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if len(out) != 2:
                raise RuntimeError('a load generator failed against %s' % url)
            return {'rps': sum(r['rps'] for r in out.values()),
                    'errors': sum(r['errors'] for r in out.values())}

        got = self.interleaved({'one': lambda: both(one), 'two': lambda: both(two)})
        for name, r in got.items():
            if r['errors']:
                raise RuntimeError('%d appends failed on %s volume(s)' % (r['errors'], name))
        self.add('two_volumes_appends', got['two']['rps'], got['one']['rps'], 'appends/s', '(reported)',
                 note='(64 clients, 100 B, half to each volume; baseline: one volume on one Redis)')

    def reads(self, p):
        rport = p.redis()
        url, proc = p.walfs(rport, 'r0')
        root = os.path.join(self.workdir, 'www')
        os.makedirs(root, mode=0o755, exist_ok=True)
        small = os.urandom(4096)
        with open(os.path.join(root, 'small'), 'wb') as f:
            f.write(small)
        http('PUT', url + '/v1/fs/small', small)
        nginx = p.nginx(root)
        ng = load('http', '--url', nginx, '--target', '/small', '--clients', 64, '--duration-ms', self.d,
                  '--expect-status', 200)
        w = load('http', '--url', url, '--target', '/v1/fs/small', '--clients', 64, '--duration-ms', self.d,
                 '--expect-status', 200)
        self.add('small_reads', w['rps'], ng['rps'], 'reads/s', '>= 1.0x')

        big_mib = 16 if self.smoke else 1024
        chunk = os.urandom(4 << 20)
        with open(os.path.join(root, 'big'), 'wb') as f:
            for _ in range(big_mib // 4):
                f.write(chunk)
        t0 = time.time()
        for i in range(big_mib // 4):
            http('POST', url + '/v1/fs/big?op=append', chunk)
        build_s = time.time() - t0
        ng = load('http', '--url', nginx, '--target', '/big', '--clients', 2, '--duration-ms', self.d,
                  '--expect-status', 200)
        with RssPeak(proc.pid) as rss:
            w = load('http', '--url', url, '--target', '/v1/fs/big', '--clients', 2, '--duration-ms', self.d,
                     '--expect-status', 200)
        self.add('large_reads', w['bytes_per_second'] / 1e6, ng['bytes_per_second'] / 1e6, 'MB/s', '>= 0.7x',
                 note='(%d MiB file built by appends in %.1f s)' % (big_mib, build_s))
        self.add('memory_streaming', rss.over_idle_mib(), 64, 'MiB over idle', '<= +64 MiB',
                 ratio=rss.over_idle_mib() / 64, note='(idle RSS %d MiB)' % (rss.idle // 1024))
        empty = load('http', '--url', url, '--method', 'POST', '--target', '/v1/fs/empty?op=append',
                     '--body-bytes', 100, '--clients', 1, '--duration-ms', self.d, '--expect-status', 200)
        bigapp = load('http', '--url', url, '--method', 'POST', '--target', '/v1/fs/big?op=append',
                      '--body-bytes', 100, '--clients', 1, '--duration-ms', self.d, '--expect-status', 200)
        self.add('append_cost_vs_file_size', bigapp['p50_ms'], empty['p50_ms'], 'ms p50', '<= 1.1x',
                 note='(%d MiB file vs empty file)' % big_mib)

    def catch_up(self, p):
        rport = p.redis()
        url, _ = p.walfs(rport, 'writer')
        # Queue entries through the writer with ack=log, as fast as the log takes them.
        load('http', '--url', url, '--method', 'POST', '--target', '/v1/fs/bench/q?op=append&ack=log',
             '--body-bytes', 100, '--clients', 64, '--duration-ms', 1500 if self.smoke else 60000,
             '--expect-status', 202)
        total = json.loads(http('GET', url + '/v1/cluster')[1])['log']['length']
        t0 = time.time()
        url2, _ = p.walfs(rport, 'fresh', ready=False)
        target = applied(url)
        wait_for(lambda: applied(url2) == target, 3600, 'catch-up')
        secs = time.time() - t0
        db = subprocess.run(['db_bench', '--benchmarks=fillseq', '--num=%d' % total, '--value_size=100',
                             '--sync=0', '--db=' + os.path.join(self.workdir, 'dbbench')],
                            capture_output=True, text=True, timeout=1200)
        m = re.search(r'fillseq\s*:\s*[\d.]+ micros/op (\d+) ops/sec', db.stdout)
        base = float(m.group(1)) if m else 0.0
        self.add('catch_up_apply', total / secs, base, 'entries/s', '>= 0.5x',
                 note='(%d entries; db_bench fillseq, sync off)' % total)

    def replication_lag(self, p):
        rport = p.redis()
        urls = [p.walfs(rport, 'r%d' % i, ['--heartbeat-ms', '1000'])[0] for i in range(3)]
        rate = 2000 if self.smoke else 10000
        base = load('xadd-lag', '--redis', '127.0.0.1:%d' % rport, '--rate', rate, '--duration-ms', self.d)
        w = load('walfs-lag', '--url', urls[0], '--url', urls[1], '--url', urls[2], '--watch', urls[0],
                 '--watch', urls[1], '--watch', urls[2], '--rate', rate, '--clients', 16, '--duration-ms', self.d)
        if w['errors'] or not w['samples']:
            raise RuntimeError('walfs-lag: %s' % w)
        self.add('replication_lag_p99', w['p99_ms'], base['p99_ms'], 'ms', '<= 5x',
                 note='(asked %d/s, sent %.0f/s, %d samples; p50 %.2f vs %.2f ms)' % (
                     rate, w['rate'], w['samples'], w['p50_ms'], base['p50_ms']))

    def lag_model(self, p):
        """Replication lag with a core per process, modelled from a run that the 2 cores keep up
        with: 3 replicas on one Redis at 2,000 appends/s (16 writers, each append then watched
        applied on all 3), the CPU each process used per append (/proc/PID/stat), hence the share
        of one core each would use at 10,000/s. The model: the lag's p99 at the low rate, its
        queueing part scaled as an M/M/1 queue's by 1/(1 - rho) of the busiest process at
        10,000/s (each process alone on its core, nothing else shares it)."""
        rport = p.redis()
        redis_proc = p.procs[-1]
        reps = [p.walfs(rport, 'm%d' % i, ['--heartbeat-ms', '1000']) for i in range(3)]
        urls = [u for u, _ in reps]
        procs = {'redis': redis_proc.pid}
        procs.update({'replica m%d' % i: proc.pid for i, (_, proc) in enumerate(reps)})
        def cpu(pid):
            with open('/proc/%d/stat' % pid) as f:
                fields = f.read().rsplit(')', 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
        rate, target = (1000 if self.smoke else 2000), 10000
        before = {n: cpu(pid) for n, pid in procs.items()}
        gen_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        w = load('walfs-lag', '--url', urls[0], '--url', urls[1], '--url', urls[2], '--watch', urls[0],
                 '--watch', urls[1], '--watch', urls[2], '--rate', rate, '--clients', 16, '--duration-ms', self.d)
        gen_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if w['errors'] or not w['samples']:
            raise RuntimeError('walfs-lag: %s' % w)
        appends = w['rate'] * self.d / 1000.0
        cost = {n: (cpu(pid) - before[n]) / appends * 1e6 for n, pid in procs.items()}  # us per append
        gen = ((gen_after.ru_utime + gen_after.ru_stime) - (gen_before.ru_utime + gen_before.ru_stime)) / appends * 1e6
        rho = {n: c * target / 1e6 for n, c in cost.items()}
        busiest = max(rho, key=rho.get)
        model = w['p50_ms'] + (w['p99_ms'] - w['p50_ms']) / (1 - rho[busiest]) if rho[busiest] < 1 else float('inf')
        self.add('lag_model_p99_10k', model, w['p99_ms'], 'ms', '<= 20 ms (model)',
                 note='(measured at %.0f/s: p50 %.2f, p99 %.2f ms; CPU per append: %s, load generator %.0f us; '
                      'share of a core each at %d/s: %s; busiest %s)' % (
                          w['rate'], w['p50_ms'], w['p99_ms'],
                          ', '.join('%s %.0f us' % (n, c) for n, c in cost.items()), gen, target,
                          ', '.join('%s %.2f' % (n, r) for n, r in rho.items()), busiest))

    def http_ceiling(self, p):
        """The HTTP ceiling measured with an event-driven generator (wrk: 2 threads, 64 connections)
        that is not itself the bound (its CPU is reported): nginx serving a 100-byte and a 4 KiB
        file against walfs appending 100 B (ack=applied, one replica) and reading 4 KiB, in the same
        run, alternately."""
        rport = p.redis()
        url, _ = p.walfs(rport, 'r0')
        root = os.path.join(self.workdir, 'www-ceiling')
        os.makedirs(root, mode=0o755, exist_ok=True)
        small = os.urandom(4096)
        for name, data in (('tiny', b'x' * 100), ('small', small)):
            with open(os.path.join(root, name), 'wb') as f:
                f.write(data)
        http('PUT', url + '/v1/fs/ceiling/small', small)
        nginx = p.nginx(root)
        secs = 3 if self.smoke else 10
        ng_tiny = wrk(nginx + '/tiny', secs)
        appends = wrk(url + '/v1/fs/ceiling/log?op=append', secs, method='POST', body_bytes=100)
        ng_small = wrk(nginx + '/small', secs)
        reads = wrk(url + '/v1/fs/ceiling/small', secs)
        for name, r in (('nginx tiny', ng_tiny), ('appends', appends), ('nginx small', ng_small),
                        ('reads', reads)):
            if r['non2xx']:
                raise RuntimeError('wrk %s: %d answers not 2xx' % (name, r['non2xx']))
        self.add('appends_vs_nginx_wrk', appends['rps'], ng_tiny['rps'], 'req/s', '>= 0.8x',
                 note='(wrk 2 threads x 64 connections, %.2f/%.2f cores; p50 %.2f vs %.2f ms)' % (
                     appends['cores'], ng_tiny['cores'], appends['p50_ms'], ng_tiny['p50_ms']))
        self.add('small_reads_wrk', reads['rps'], ng_small['rps'], 'reads/s', '>= 1.0x',
                 note='(wrk %.2f/%.2f cores; p50 %.2f vs %.2f ms)' % (
                     reads['cores'], ng_small['cores'], reads['p50_ms'], ng_small['p50_ms']))

    def batched_appends(self, p):
        """Clients that batch: 64 connections (wrk) each sending 16 appends of 100 B at a time, as
        16 pipelined HTTP/1.1 requests, or as one transaction of 16 append ops (POST /v1/tx), in
        records/s (counted from the file's size), against Redis taking XADDs pipelined x16 from 64
        clients (redis-benchmark -P 16) in the same run."""
        rport = p.redis()
        url, _ = p.walfs(rport, 'r0')
        secs = 3 if self.smoke else 10
        batch = 16
        base = redis_benchmark(rport, 64, 50000 if self.smoke else 1000000, 'x' * 100, pipeline=batch)
        pipelined = ('init = function(args)\n  local r = {}\n  for i = 1, %d do\n'
                     '    r[i] = wrk.format("POST", nil, nil, string.rep("x", 100))\n  end\n'
                     '  req = table.concat(r)\nend\nrequest = function() return req end\n' % batch)
        tx = json.dumps({'ops': [{'op': 'append', 'path': '/bench/batch/tx',
                                  'data': base64.b64encode(b'x' * 100).decode()}] * batch})
        tx_lua = ('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                  'wrk.body = [[%s]]\n' % tx)
        results = {}
        for name, target, lua in (('pipelined', url + '/v1/fs/bench/batch/pipelined?op=append', pipelined),
                                  ('tx', url + '/v1/tx', tx_lua)):
            r = wrk(target, secs, lua=lua)
            if r['non2xx']:
                raise RuntimeError('wrk %s: %d answers not 2xx' % (name, r['non2xx']))
            st = json.loads(http('GET', url + '/v1/fs/bench/batch/%s?stat' % name)[1])
            r['records'] = st['size'] // 100 / secs
            results[name] = r
        pl, t = results['pipelined'], results['tx']
        self.add('batched_appends_pipelined', pl['records'], base['rps'], 'records/s', '(reported)',
                 note='(64 connections x %d pipelined POSTs; wrk %.2f cores; baseline: XADD -P %d)'
                 % (batch, pl['cores'], batch))
        self.add('batched_appends_tx', t['records'], base['rps'], 'records/s', '(reported)',
                 note='(64 connections, transactions of %d appends, %.0f tx/s; wrk %.2f cores, p50 %.2f ms)'
                 % (batch, t['rps'], t['cores'], t['p50_ms']))

    def watch_fanout(self, p):
        """100 watchers of one directory on one replica while appends land there at 5,000/s (or
        what the machine takes): each event's delivery latency, from the append's send to a
        watcher's receipt, against the append's own latency (send to answer, which waits for the
        apply) in the same run; every delivery counted, and no watch ended behind."""
        url, _ = p.walfs(p.redis(), 'r0')
        watchers, rate = (10, 1000) if self.smoke else (100, 5000)
        w = load('watch-fanout', '--url', url, '--readers', watchers, '--rate', rate, '--clients', 16,
                 '--duration-ms', self.d)
        if w['errors'] or w['missing'] or w['lagging']:
            raise RuntimeError('watch-fanout: %s' % w)
        self.add('watch_fanout_p99', w['p99_ms'], w['append_p99_ms'], 'ms', '(reported)',
                 note='(%d watchers; asked %d/s, sent %.0f/s; %d deliveries, 0 missing, 0 lagging; '
                      'p50 %.2f vs %.2f ms)' % (watchers, rate, w['rate'], w['delivered'], w['p50_ms'],
                                                 w['append_p50_ms']))

    def status_quo(self, p):
        rport = p.redis()
        url, _ = p.walfs(rport, 'r0')
        s3 = p.s3rver()
        size = 10 << 20
        obj = b'.' * (size - 1) + b'\n'  # one line: the baseline counts lines
        os.environ.update({'AWS_ACCESS_KEY_ID': 'S3RVER', 'AWS_SECRET_ACCESS_KEY': 'S3RVER'})
        http('PUT', url + '/v1/fs/shared', obj)
        base = load('s3-append', '--endpoint', s3, '--bucket', 'bench', '--key', 'shared', '--writers', 8,
                    '--record-bytes', 100, '--init-bytes', size, '--duration-ms', self.d)
        w = load('http', '--url', url, '--method', 'POST', '--target', '/v1/fs/shared?op=append', '--body-bytes',
                 100, '--clients', 8, '--duration-ms', self.d, '--expect-status', 200)
        st = json.loads(http('GET', url + '/v1/fs/shared?stat')[1])
        walfs_lost = w['requests'] - (st['size'] - size) // 100
        base_lost = base['appends_acked'] - (base['appends_present_new'] - 1)
        self.add('status_quo_appends', w['rps'], base['rps'], 'appends/s', '>= 100x',
                 note='(walfs lost %d of %d; download-modify-upload lost %d of %d)' % (
                     walfs_lost, w['requests'], base_lost, base['appends_acked']))
        self.lost = {'walfs': walfs_lost, 'baseline': base_lost}

    # -- files of any size ---------------------------------------------------

    def _curl(self, *args):
        out = subprocess.run(['curl', '-s', '-S', '--fail', *args], capture_output=True, text=True,
                             timeout=7200)
        if out.returncode != 0:
            raise RuntimeError('curl %s: %s %s' % (' '.join(args[:3]), out.stderr.strip(), out.stdout[:300]))
        return out.stdout

    def _random_file(self, path, size):
        block = os.urandom(4 << 20)
        with open(path, 'wb') as f:
            for off in range(0, size, len(block)):
                f.write(block[:min(len(block), size - off)])
                block = block[1:] + block[:1]  # no two blocks alike

    def large_files(self, p):
        """A large PUT through one of three replicas against the log's own limit (the same bytes
        XADDed to the same Redis in 4 MiB entries by a pipelined client); its GET from another
        replica against nginx serving the same file."""
        rport = p.redis()
        size = (64 << 20) if self.smoke else (1 << 30)
        backup = tempfile.mkdtemp(dir=self.workdir, prefix='backup-')
        extra = ['--backup', 'dir://' + backup, '--snapshot-every-entries', '0', '--snapshot-every-ms', '0']
        urls = [p.walfs(rport, 'r%d' % i, extra)[0] for i in range(3)]
        root = os.path.join(self.workdir, 'www-large')
        os.makedirs(root, mode=0o755, exist_ok=True)
        src = os.path.join(root, 'large.bin')
        self._random_file(src, size)
        os.chmod(src, 0o644)
        base = load('xadd-bulk', '--redis', '127.0.0.1:%d' % rport, '--body-bytes', 4 << 20, '--clients', 8,
                    '--init-bytes', size)
        t0 = time.time()
        self._curl('-X', 'PUT', '-T', src, url_q(urls[0] + '/v1/fs/large.bin', 'timeout_ms=60000'))
        target = applied(urls[0])
        for u in urls[1:]:
            wait_for(lambda: applied(u) == target, 600, 'replicas to apply the large PUT')
        secs = time.time() - t0
        self.add('large_put', size / secs / 1e6, base['bytes_per_second'] / 1e6, 'MB/s', '>= 0.5x',
                 note='(%d MiB, applied by 3 replicas; baseline: XADD in 4 MiB entries, 8 in flight)' % (size >> 20))
        # The log's own ceiling with three replicas: the same XADDs while three connections read
        # every byte back, as three appliers must, doing nothing else with them.
        fan = load('xadd-bulk', '--redis', '127.0.0.1:%d' % rport, '--body-bytes', 4 << 20, '--clients', 8,
                   '--init-bytes', size, '--readers', 3)
        self.add('large_put_vs_fanout', size / secs / 1e6, fan['bytes_per_second'] / 1e6, 'MB/s', '(reported)',
                 note='(baseline: the same XADDs read back in full by 3 connections at once)')
        self.add('log_fanout_ceiling', fan['bytes_per_second'] / 1e6, base['bytes_per_second'] / 1e6, 'MB/s',
                 '(reported)', note='(XADD read back by 3 readers, against XADD alone)')
        nginx = p.nginx(root)
        ng = float(self._curl('-o', '/dev/null', '-w', '%{speed_download}', nginx + '/large.bin'))
        got = float(self._curl('-o', '/dev/null', '-w', '%{speed_download}', urls[2] + '/v1/fs/large.bin'))
        self.add('large_get', got / 1e6, ng / 1e6, 'MB/s', '(reported)', note='(from another replica; nginx: same file)')

    def huge_file_memory(self, p):
        """RSS of one replica over its idle RSS while a 10 GiB body streams in (chunked, from a pipe)
        and while it streams back out."""
        rport = p.redis()
        size = (128 << 20) if self.smoke else (10 << 30)
        size = int(os.environ.get('WALFS_BENCH_HUGE_BYTES', size))
        backup = tempfile.mkdtemp(dir=self.workdir, prefix='backup-')
        url, proc = p.walfs(rport, 'r0', ['--backup', 'dir://' + backup, '--snapshot-every-entries', '0',
                                          '--snapshot-every-ms', '0'])
        gen = subprocess.Popen([sys.executable, '-c', (
            'import os,sys\n'
            'b=os.urandom(4<<20); n=%d\n'
            'while n>0:\n'
            '  k=min(n,len(b)); sys.stdout.buffer.write(b[:k]); n-=k; b=b[1:]+b[:1]\n') % size],
            stdout=subprocess.PIPE)
        with RssPeak(proc.pid, every=0.05) as put_rss:
            t0 = time.time()
            put = subprocess.run(['curl', '-s', '-S', '--fail', '-X', 'PUT', '-T', '-',
                                  url_q(url + '/v1/fs/huge.bin', 'timeout_ms=60000')],
                                 stdin=gen.stdout, capture_output=True, text=True, timeout=7200)
            gen.wait()
            put_s = time.time() - t0
        if put.returncode != 0:
            raise RuntimeError('huge PUT: %s %s' % (put.stderr, put.stdout[:300]))
        with RssPeak(proc.pid, every=0.05, idle=put_rss.idle) as get_rss:
            t0 = time.time()
            self._curl('-o', '/dev/null', url + '/v1/fs/huge.bin')
            get_s = time.time() - t0
        self.add('memory_huge_put', put_rss.over_idle_mib(), 128, 'MiB over idle', '<= +128 MiB',
                 ratio=put_rss.over_idle_mib() / 128,
                 note='(%d MiB chunked in %.0f s; idle RSS %d MiB)' % (size >> 20, put_s, put_rss.idle // 1024))
        self.add('memory_huge_get', get_rss.over_idle_mib(), 128, 'MiB over idle', '<= +128 MiB',
                 ratio=get_rss.over_idle_mib() / 128, note='(read back in %.0f s)' % get_s)

    def auth_cost(self, p):
        """Small reads and appends with a bearer token and with SigV4, and small reads over TLS,
        each against a server without, in the same run (each server on its own stream)."""
        rport = p.redis()
        token, secret = 'walfs_bench_token', 'bench-secret-0123456789'
        auth = os.path.join(self.workdir, 'auth.json')
        with open(auth, 'w') as f:
            json.dump({'principals': [{'name': 'bench', 'role': 'write', 'prefixes': ['/'],
                                       'token_sha256': hashlib.sha256(token.encode()).hexdigest(),
                                       's3_access_key': 'AKIDBENCH', 's3_secret_key': secret}]}, f)
        ca, cert, key = test_certificate(self.workdir)
        plain, _ = p.walfs(rport, 'plain', stream='plain')
        authed, _ = p.walfs(rport, 'auth', ['--auth', auth], stream='auth')
        tls_port = free_port()
        p.start([WALFS, 'serve', '--data', tempfile.mkdtemp(dir=self.workdir, prefix='tls-'), '--listen',
                 '127.0.0.1:%d' % tls_port, '--log', 'redis://127.0.0.1:%d?stream=tls' % rport,
                 '--log-level', 'warn', '--tls-cert', cert, '--tls-key', key], 'tls')
        wait_for(lambda: port_open(tls_port), 30, 'walfs tls')
        tls = 'https://127.0.0.1:%d' % tls_port
        small = os.urandom(4096)
        http('PUT', plain + '/v1/fs/small', small)
        http('PUT', authed + '/v1/fs/small', small, headers={'Authorization': 'Bearer ' + token})
        body_args = ('--body-bytes', 100)
        creds = {'token': ('--token', token), 'sigv4': ('--sigv4', 'AKIDBENCH:' + secret)}

        def run(url, method, target, extra=()):
            return lambda: load('http', '--url', url, '--method', method, '--target', target, '--clients', 64,
                                '--duration-ms', self.d // 3, '--expect-status', 200, *extra)

        wait_for(lambda: run(tls, 'GET', '/readyz', ('--cacert', ca))()['requests'] > 0, 30, 'walfs tls ready')
        http('PUT', tls + '/v1/fs/small', small, cafile=ca)
        got = self.interleaved({
            'read none': run(plain, 'GET', '/v1/fs/small'),
            'read token': run(authed, 'GET', '/v1/fs/small', creds['token']),
            'read sigv4': run(authed, 'GET', '/v1/fs/small', creds['sigv4']),
            'read tls': run(tls, 'GET', '/v1/fs/small', ('--cacert', ca)),
            'append none': run(plain, 'POST', '/v1/fs/bench/a?op=append', body_args),
            'append token': run(authed, 'POST', '/v1/fs/bench/a?op=append', body_args + creds['token']),
            'append sigv4': run(authed, 'POST', '/v1/fs/bench/a?op=append', body_args + creds['sigv4']),
        })
        for name, goal in (('token', '>= 0.9x'), ('sigv4', '>= 0.8x')):
            self.add('auth_%s_small_reads' % name, got['read ' + name]['rps'], got['read none']['rps'], 'reads/s',
                     goal)
            self.add('auth_%s_appends' % name, got['append ' + name]['rps'], got['append none']['rps'],
                     'appends/s', goal)
        self.add('tls_small_reads', got['read tls']['rps'], got['read none']['rps'], 'reads/s', '>= 0.7x',
                 note='(4 KiB files over TLS 1.3 vs plain HTTP, 64 keep-alive connections)')

    def s3_cost(self, p):
        """4 KiB GetObject and PutObject through the S3 endpoint against reads and writes of the same files
        through the HTTP API of the same replica, all signed with SigV4, interleaved in the same run."""
        rport = p.redis()
        secret = 'bench-secret-0123456789'
        auth = os.path.join(self.workdir, 's3-auth.json')
        with open(auth, 'w') as f:
            json.dump({'principals': [{'name': 'bench', 'role': 'write', 'prefixes': ['/'],
                                       'token_sha256': hashlib.sha256(b'walfs_bench_token').hexdigest(),
                                       's3_access_key': 'AKIDBENCH', 's3_secret_key': secret}]}, f)
        s3_port = free_port()
        url, _ = p.walfs(rport, 's3', ['--auth', auth, '--s3-listen', '127.0.0.1:%d' % s3_port], stream='s3')
        s3 = 'http://127.0.0.1:%d' % s3_port
        sig = ('--sigv4', 'AKIDBENCH:' + secret)
        small = os.urandom(4096)
        # The bucket, and the files read and overwritten below.
        token = {'Authorization': 'Bearer walfs_bench_token'}
        http('POST', url + '/v1/fs/bench?op=mkdir', b'', headers=token)
        for name in ('small', 'w'):
            http('PUT', url + '/v1/fs/bench/' + name, os.urandom(4096), headers=token)

        def run(base, method, target, extra=()):
            return lambda: load('http', '--url', base, '--method', method, '--target', target, '--clients', 64,
                                '--duration-ms', self.d // 3, '--expect-status', 200, *sig, *extra)

        got = self.interleaved({
            'http get': run(url, 'GET', '/v1/fs/bench/small'),
            's3 get': run(s3, 'GET', '/bench/small'),
            'http put': run(url, 'PUT', '/v1/fs/bench/w', ('--body-bytes', 4096)),
            's3 put': run(s3, 'PUT', '/bench/w', ('--body-bytes', 4096)),
        })
        self.add('s3_get_4k', got['s3 get']['rps'], got['http get']['rps'], 'reads/s', '>= 0.8x',
                 note='(GetObject vs GET /v1/fs, both SigV4, 64 clients)')
        self.add('s3_put_4k', got['s3 put']['rps'], got['http put']['rps'], 'writes/s', '>= 0.8x',
                 note='(PutObject vs PUT /v1/fs, both SigV4, 64 clients)')

    def s3_appends(self, p):
        """8 writers append 100-byte records through 3 replicas' S3 endpoints with
        x-amz-write-offset-bytes (HEAD, PutObject at the size, again on InvalidWriteOffset), against
        the same writers doing download-modify-upload on s3rver (S3 without appends); appends per
        second and records lost, each measured in this run."""
        rport = p.redis()
        ports = [free_port() for _ in range(3)]
        urls = [p.walfs(rport, 's3a%d' % i, ['--s3-listen', '127.0.0.1:%d' % ports[i]],
                        stream='s3appends')[0] for i in range(3)]
        s3s = ['http://127.0.0.1:%d' % port for port in ports]
        http('POST', urls[0] + '/v1/fs/bench?op=mkdir', b'')
        s3 = p.s3rver()
        os.environ.update({'AWS_ACCESS_KEY_ID': 'S3RVER', 'AWS_SECRET_ACCESS_KEY': 'S3RVER'})
        base = load('s3-append', '--endpoint', s3, '--bucket', 'bench', '--key', 'log', '--writers', 8,
                    '--record-bytes', 100, '--init-bytes', 100, '--duration-ms', self.d)
        args = ['s3-offset-append']
        for u in s3s:
            args += ['--url', u]
        w = load(*args, '--bucket', 'bench', '--key', 'log', '--writers', 8, '--record-bytes', 100,
                 '--duration-ms', self.d)
        st = json.loads(http('GET', urls[0] + '/v1/fs/bench/log?stat&consistency=strong')[1])
        walfs_lost = w['appends_acked'] - st['size'] // 100
        base_lost = base['appends_acked'] - (base['appends_present_new'] - 1)
        self.add('s3_offset_appends', w['rps'], base['rps'], 'appends/s', 'none lost',
                 note='(walfs lost %d of %d, %d retries on InvalidWriteOffset; download-modify-upload '
                      'on s3rver lost %d of %d)' % (walfs_lost, w['appends_acked'], w['retries'],
                                                    base_lost, base['appends_acked']))
        self.lost_s3 = {'walfs': walfs_lost, 'baseline': base_lost}
        if walfs_lost != 0:
            raise RuntimeError('appends with x-amz-write-offset-bytes lost %d records' % walfs_lost)

    def mount_appends(self, p):
        """8 writers append 16-byte records with O_APPEND to one file through FUSE mounts of 3 replicas
        (writer i through mount i mod 3) for the measurement time, then close it: records per second up
        to the last close, against 8 clients appending each record with POST ?op=append through the HTTP
        API in the same run. Every record is checked to be in the file once. Needs root (FUSE)."""
        if os.geteuid() != 0:
            print('  %-28s skipped: FUSE mounts need root' % 'mount_appends', flush=True)
            return
        rport = p.redis()
        urls = [p.walfs(rport, 'm%d' % i, stream='mount')[0] for i in range(3)]
        mnts = []
        try:
            for i, u in enumerate(urls):
                d = tempfile.mkdtemp(dir=self.workdir, prefix='mnt-')
                p.start([WALFS, 'mount', '--foreground', u, d], 'mount%d' % i)
                wait_for(lambda: mounted(d), 30, 'walfs mount %d' % i)
                mnts.append(d)
            writer = os.path.join(self.workdir, 'append_writer.py')
            with open(writer, 'w') as f:
                f.write(APPEND_WRITER)
            secs = self.d / 1000.0
            t0 = time.monotonic()
            procs = [subprocess.Popen(['/usr/bin/python3', writer, os.path.join(mnts[w % 3], 'log'), str(w),
                                       str(secs)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for w in range(8)]
            outs = [pr.communicate(timeout=secs + 300) for pr in procs]
            elapsed = time.monotonic() - t0
            for w, pr in enumerate(procs):
                if pr.returncode != 0:
                    raise RuntimeError('appending writer %d failed: %s' % (w, outs[w][1].strip()[-500:]))
            counts = [int(out.strip() or -1) for out, _ in outs]
            total = sum(counts)
            status, body = http('GET', urls[1] + '/v1/fs/log?consistency=strong')
            seen = collections.Counter(body[i:i + 16] for i in range(0, len(body), 16))
            want = {b'%02d%013d\n' % (w, n) for w in range(8) for n in range(counts[w])}
            lost = len(want - set(seen))
            extra = sum(seen.values()) - total
            base = load('http', '--url', urls[0], '--method', 'POST', '--target', '/v1/fs/base?op=append',
                        '--body-bytes', 16, '--clients', 8, '--duration-ms', self.d, '--expect-status', 200)
            self.add('mount_appends', total / elapsed, base['rps'], 'records/s', '>= 36000/s, none lost',
                     note='(%d records in %.1f s through 3 mounts, %d lost, %d extra; the HTTP API: 8 clients, '
                          'one POST each; GlusterFS ~705/s, MooseFS ~3,600/s)' % (total, elapsed, lost, extra))
            if lost or extra:
                raise RuntimeError('appends through the mounts lost %d records, %d extra' % (lost, extra))
        finally:
            for d in mnts:
                subprocess.run(['fusermount3', '-u', d], capture_output=True)

    def mount_large(self, p):
        """A large file written with cp through a FUSE mount and read back with cat through a fresh
        mount (no page cache), against curl's PUT and GET of the same bytes through the HTTP API of
        the same replica, in the same run. Needs root (FUSE)."""
        if os.geteuid() != 0:
            print('  %-28s skipped: FUSE mounts need root' % 'mount_large', flush=True)
            return
        rport = p.redis()
        url, _ = p.walfs(rport, 'ml', stream='mountlarge')
        size = (64 << 20) if self.smoke else (1 << 30)
        src = os.path.join(self.workdir, 'mount-large.bin')
        self._random_file(src, size)
        t0 = time.monotonic()
        self._curl('-X', 'PUT', '-T', src, url + '/v1/fs/api.bin')
        api_put = size / (time.monotonic() - t0) / 1e6
        mnts = []
        try:
            def mount(*flags):
                d = tempfile.mkdtemp(dir=self.workdir, prefix='mnt-')
                p.start([WALFS, 'mount', '--foreground', url, d, *flags], 'mountlarge%d' % len(mnts))
                wait_for(lambda: mounted(d), 30, 'walfs mount')
                mnts.append(d)
                return d
            d = mount()
            t0 = time.monotonic()
            subprocess.run(['cp', src, os.path.join(d, 'm.bin')], check=True)
            put = size / (time.monotonic() - t0) / 1e6
            # Reads alternate with curl's, each through a fresh mount (its own page cache: nothing of
            # the file yet), so that the store's work after the writes (flushes, compactions) falls on
            # both alike; the median of each.
            # The same through a mount with --direct-reads (around the page cache).
            gets, direct_gets, api_gets = [], [], []
            for _ in range(1 if self.smoke else 3):
                api_gets.append(float(self._curl('-o', '/dev/null', '-w', '%{speed_download}',
                                                 url + '/v1/fs/api.bin')) / 1e6)
                for flags, into in (((), gets), (('--direct-reads',), direct_gets)):
                    d2 = mount(*flags)
                    t0 = time.monotonic()
                    subprocess.run(['cp', os.path.join(d2, 'm.bin'), '/dev/null'], check=True)
                    into.append(size / (time.monotonic() - t0) / 1e6)
                    # Its page cache (the whole file) goes with it, not held through the next reads.
                    subprocess.run(['fusermount3', '-u', d2], capture_output=True)
            median = lambda xs: sorted(xs)[len(xs) // 2]
            get, direct_get, api_get = median(gets), median(direct_gets), median(api_gets)
        finally:
            for d in mnts:
                subprocess.run(['fusermount3', '-u', d], capture_output=True)
        self.add('mount_large_write', put, api_put, 'MB/s', '>= 0.7x',
                 note='(%d MiB: cp into the mount vs curl PUT)' % (size >> 20))
        self.add('mount_large_read', get, api_get, 'MB/s', '>= 0.7x',
                 note='(%d MiB: cp out of a fresh mount vs curl GET, alternating, median of %d: %s vs %s)' % (
                     size >> 20, len(gets), ' '.join('%.0f' % g for g in gets),
                     ' '.join('%.0f' % g for g in api_gets)))
        self.add('mount_large_read_direct', direct_get, api_get, 'MB/s', '>= 0.7x',
                 note='(%d MiB: cp out of a fresh mount with --direct-reads vs curl GET, median of %d: %s)' % (
                     size >> 20, len(direct_gets), ' '.join('%.0f' % g for g in direct_gets)))

    def interleaved(self, runs):
        """Each measurement (name -> function returning walfs-bench's result) in turn, ROUNDS times over, so that
        a slow spell of the shared machine falls on all of them alike; the run of median throughput of each."""
        got = {name: [] for name in runs}
        names = list(runs)
        for r in range(1 if self.smoke else ROUNDS):
            # Each round starts one further on: no measurement always follows the same one (a flush or
            # a compaction left by the appends before it).
            for name in names[r % len(names):] + names[:r % len(names)]:
                got[name].append(runs[name]())
        return {name: sorted(rs, key=lambda r: r['rps'])[len(rs) // 2] for name, rs in got.items()}

    def snapshot_incremental(self, p):
        """Bytes a snapshot uploads after 1% of the store changed, against a full snapshot."""
        rport = p.redis()
        backup = tempfile.mkdtemp(dir=self.workdir, prefix='backup-')
        url, _ = p.walfs(rport, 'r0', ['--backup', 'dir://' + backup, '--snapshot-every-entries', '0',
                                       '--snapshot-every-ms', '0', '--snapshot-every-bytes', '0'])
        files = 64 if self.smoke else 2048  # of 1 MiB: 2 GiB
        block = os.urandom(1 << 20)
        for i in range(files):
            http('PUT', url + '/v1/fs/s/%05d' % i, block[i % 997:] + block[:i % 997])
        first = json.loads(http('POST', url + '/v1/admin/snapshots')[1])
        changed = max(1, files // 100)
        for i in range(changed):
            http('PUT', url + '/v1/fs/s/%05d' % (i * 97 % files), os.urandom(1 << 20))
        second = json.loads(http('POST', url + '/v1/admin/snapshots')[1])
        self.add('snapshot_after_1pct', second['uploaded'] / 1e6, first['size'] / 1e6, 'MB uploaded', '<= 0.05x',
                 note='(%d of %d MiB files rewritten; the full snapshot uploaded %.0f MB)' % (
                     changed, files, first['uploaded'] / 1e6))


def test_certificate(workdir):
    """A test CA and a certificate for 127.0.0.1 (openssl): (ca, cert, key)."""
    d = tempfile.mkdtemp(dir=workdir, prefix='tls-')
    run = lambda *a: subprocess.run(a, cwd=d, check=True, capture_output=True)
    run('openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem',
        '-days', '2', '-subj', '/CN=walfs bench CA')
    run('openssl', 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'server.csr',
        '-subj', '/CN=127.0.0.1')
    with open(os.path.join(d, 'ext.cnf'), 'w') as f:
        f.write('subjectAltName=IP:127.0.0.1\n')
    run('openssl', 'x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
        '-out', 'cert.pem', '-days', '2', '-extfile', 'ext.cnf')
    return [os.path.join(d, n) for n in ('ca.pem', 'cert.pem', 'key.pem')]


def url_q(url, query):
    return url + ('&' if '?' in url else '?') + query


CASES = ['http_ceiling', 'batched_appends', 'append_throughput', 'nats_appends', 'volumes', 'reads', 'catch_up', 'replication_lag', 'lag_model', 'watch_fanout',
         'status_quo', 'large_files',
         'huge_file_memory', 'snapshot_incremental', 'auth_cost', 's3_cost', 's3_appends', 'mount_appends',
         'mount_large']


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--smoke', action='store_true')
    ap.add_argument('--only', default='')
    ap.add_argument('--keep-workdir', action='store_true', help='leave the servers\' data and logs for a look')
    ap.add_argument('--out', default=os.path.join(ROOT, 'bench', 'results', 'latest.json'))
    a = ap.parse_args()
    for tool in (WALFS, LOAD):
        if not os.path.exists(tool):
            sys.exit('missing %s: run make build first' % tool)
    workdir = tempfile.mkdtemp(prefix='walfs-bench-')
    os.chmod(workdir, 0o755)  # nginx's workers run as www-data
    b = Bench(a.smoke, workdir)
    only = set(filter(None, a.only.split(',')))
    runs = {'http_ceiling': b.http_ceiling, 'batched_appends': b.batched_appends, 'append_throughput': b.append_throughput_and_latency, 'nats_appends': b.nats_appends, 'volumes': b.volumes,
            'reads': b.reads, 'catch_up': b.catch_up,
            'replication_lag': b.replication_lag, 'lag_model': b.lag_model, 'watch_fanout': b.watch_fanout, 'status_quo': b.status_quo, 'large_files': b.large_files,
            'huge_file_memory': b.huge_file_memory, 'snapshot_incremental': b.snapshot_incremental,
            'auth_cost': b.auth_cost, 's3_cost': b.s3_cost, 's3_appends': b.s3_appends,
            'mount_appends': b.mount_appends, 'mount_large': b.mount_large}
    print('walfs bench (%s) on %d cores; work dir %s' % ('smoke' if a.smoke else 'full', os.cpu_count(), workdir))
    failed = []
    try:
        for name in CASES:
            if only and name not in only:
                continue
            p = Procs(workdir)
            try:
                runs[name](p)
            except Exception as e:  # report and go on: one broken case must not hide the others
                failed.append('%s: %s' % (name, e))
                print('  %-28s FAILED: %s' % (name, e), flush=True)
            finally:
                p.stop()
    finally:
        if a.keep_workdir:
            print('work dir kept: %s' % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    result = {'smoke': a.smoke, 'machine': {'cores': os.cpu_count()}, 'cases': b.cases}
    with open(a.out, 'w') as f:
        json.dump(result, f, indent=2)
    print('wrote %s' % a.out)
    if failed:
        sys.exit('bench: %d case(s) failed' % len(failed))


if __name__ == '__main__':
    main()
