#!/usr/bin/python3
"""The web console (/ui) in headless Chromium, driven through ChromeDriver by
Selenium (Debian's chromium, chromium-driver and python3-selenium), against a
real `walfs serve`: browse, upload a file with the progress bar, see it, read
it, follow it while another client appends, the cluster page; and with
authentication on, the token entered once. A screenshot of each page goes to
the output directory (build/console/) for review.

usage: console_test.py WALFS_BINARY OUTPUT_DIR
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

WALFS, OUT = sys.argv[1], sys.argv[2]


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def http(method, url, body=None, token=None):
    req = urllib.request.Request(url, data=body, method=method)
    if token:
        req.add_header('Authorization', 'Bearer ' + token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Server:
    def __init__(self, work, extra=()):
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.log = open(os.path.join(work, 'serve-%d.log' % self.port), 'w')
        self.proc = subprocess.Popen([WALFS, 'serve', '--data', os.path.join(work, 'data-%d' % self.port),
                                      '--listen', '127.0.0.1:%d' % self.port, *extra],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if http('GET', self.url + '/readyz')[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError('walfs serve did not become ready')

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


def browser(work):
    opts = webdriver.ChromeOptions()
    opts.binary_location = '/usr/bin/chromium'
    for a in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
              '--disable-background-networking', '--disable-component-update', '--disable-sync',
              '--window-size=1100,760', '--user-data-dir=' + os.path.join(work, 'chromium')):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=opts)


def wait(driver, cond, what, seconds=15):
    try:
        return WebDriverWait(driver, seconds, poll_frequency=0.05).until(lambda d: cond(d))
    except Exception:
        raise AssertionError('%s (page: %s)' % (what, driver.find_element(By.TAG_NAME, 'body').text[:2000]))


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def text(driver, id_):
    return driver.find_element(By.ID, id_).text


def main():
    os.makedirs(OUT, exist_ok=True)
    work = tempfile.mkdtemp(prefix='walfs-console-')
    s = Server(work)
    d = browser(work)
    try:
        http('PUT', s.url + '/v1/fs/docs/readme.txt', b'hello from the console test\n')
        http('POST', s.url + '/v1/fs/logs?op=mkdir')
        # Browse: the root, then into /docs.
        d.get(s.url + '/ui/')
        wait(d, lambda d: 'docs/' in text(d, 'listing'), 'the root lists docs/')
        d.find_element(By.LINK_TEXT, 'docs/').click()
        wait(d, lambda d: 'readme.txt' in text(d, 'listing'), '/docs lists readme.txt')
        check(text(d, 'files-title') == 'Files in /docs/', 'the title names the directory')
        # Upload a file of 3 parts (8 MiB each at most) with the progress bar.
        local = os.path.join(work, 'upload.bin')
        data = bytes((i * 7) % 251 for i in range(20 << 20))
        with open(local, 'wb') as f:
            f.write(data)
        d.find_element(By.ID, 'upload-file').send_keys(local)
        d.find_element(By.CSS_SELECTOR, '#upload-form button').click()
        wait(d, lambda d: 'Uploaded /docs/upload.bin' in text(d, 'upload-status'), 'the upload ends', 60)
        wait(d, lambda d: 'upload.bin' in text(d, 'listing'), 'the listing shows the upload')
        check(d.find_element(By.ID, 'upload-progress').get_attribute('value') == '1', 'the bar is full')
        status, got = http('GET', s.url + '/v1/fs/docs/upload.bin')
        check(status == 200 and got == data, 'the uploaded bytes are the file\'s (%d, %d bytes)' % (status, len(got)))
        d.save_screenshot(os.path.join(OUT, 'console-files.png'))
        # See a file, then follow it while another client appends.
        d.find_element(By.LINK_TEXT, 'readme.txt').click()
        wait(d, lambda d: 'hello from the console test' in text(d, 'file-content'), 'the file is shown')
        d.find_element(By.ID, 'follow').click()
        wait(d, lambda d: d.find_element(By.ID, 'follow').get_attribute('aria-pressed') == 'true', 'following')
        for i in range(3):
            http('POST', s.url + '/v1/fs/docs/readme.txt?op=append', ('appended line %d\n' % i).encode())
        wait(d, lambda d: 'appended line 2' in text(d, 'file-content'), 'the appends show while following')
        check(text(d, 'file-content').count('appended line') == 3, 'each append once')
        d.save_screenshot(os.path.join(OUT, 'console-file.png'))
        d.find_element(By.ID, 'follow').click()  # stop
        # The cluster page: this replica, its position and lag.
        d.get(s.url + '/ui/#/cluster')
        wait(d, lambda d: '127.0.0.1:%d' % s.port in text(d, 'replicas'), 'the cluster lists the replica')
        wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, '#lag-chart polyline')) == 1, 'a lag chart')
        check('ok' in text(d, 'replicas'), 'the replica is ok')
        build = json.loads(http('GET', s.url + '/v1/cluster')[1])['build']
        check('%s (%s, format %d)' % (build['version'], build['commit'][:12], build['entry_format'])
              in text(d, 'replicas'), 'the replica\'s build is shown')
        d.save_screenshot(os.path.join(OUT, 'console-cluster.png'))
    finally:
        d.quit()
        s.stop()
    # With authentication on: 401 asks for the token, kept for the session.
    tok = json.loads(subprocess.run([WALFS, 'token'], capture_output=True, text=True, check=True).stdout)
    auth = os.path.join(work, 'auth.json')
    with open(auth, 'w') as f:
        json.dump({'principals': [{'name': 'ops', 'role': 'admin', 'prefixes': ['/'],
                                   'token_sha256': tok['token_sha256']}]}, f)
    s = Server(work, ['--auth', auth])
    d = browser(work)
    try:
        http('PUT', s.url + '/v1/fs/secret/plan.txt', b'x', token=tok['token'])
        d.get(s.url + '/ui/#/files/secret/')
        wait(d, lambda d: d.find_element(By.ID, 'token').is_displayed(), 'a 401 asks for the token')
        d.find_element(By.ID, 'token').send_keys(tok['token'])
        d.find_element(By.CSS_SELECTOR, '#token-form button').click()
        wait(d, lambda d: 'plan.txt' in text(d, 'listing'), 'with the token the listing shows')
        check(not d.find_element(By.ID, 'token-form').is_displayed(), 'the token form is hidden again')
        d.get(s.url + '/ui/#/cluster')  # the same tab: the token is kept
        wait(d, lambda d: '127.0.0.1:%d' % s.port in text(d, 'replicas'), 'the cluster with the kept token')
        d.save_screenshot(os.path.join(OUT, 'console-auth.png'))
    finally:
        d.quit()
        s.stop()
    shutil.rmtree(work, ignore_errors=True)
    print('console: browse, upload (20 MiB in 3 parts), read, follow 3 appends, cluster, token: ok; '
          'screenshots in %s' % OUT)


if __name__ == '__main__':
    main()
