#!/usr/bin/python3
"""Sends requests to a walfs server signed with AWS SigV4 by botocore.

Used by the security tests to check walfs's SigV4 verification against an
independent implementation (Debian's python3-botocore). Reads a JSON list of
requests on stdin and prints a JSON list of [status, body] on stdout.

A request: {"method", "target" (path?query), "body" (text, default ""),
"access_key", "secret_key", "mode": "header" (default) or "presign",
"expires" (presign, seconds), "url_only" (presign: answer [0, target] and send
nothing, for the caller to send later), "send_body" (text sent instead of the signed
body: a replay with a changed body)}.

usage: sigv4_client.py ENDPOINT < requests.json
"""
import http.client
import json
import sys
import urllib.parse

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ENDPOINT = sys.argv[1].rstrip('/')
REGION = 'us-east-1'


def encoded(target):
    """The target with its query encoded as an SDK sends it ('/' as %2F)."""
    path, _, query = target.partition('?')
    if not query:
        return path
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    return path + '?' + '&'.join(
        urllib.parse.quote(k, safe='-_.~') + '=' + urllib.parse.quote(v, safe='-_.~')
        for k, v in pairs)


def send(r, conn):
    creds = Credentials(r['access_key'], r['secret_key'])
    body = r.get('body', '').encode()
    req = AWSRequest(method=r['method'], url=ENDPOINT + encoded(r['target']), data=body)
    if r.get('mode') == 'presign':
        S3SigV4QueryAuth(creds, 's3', REGION, expires=r.get('expires', 3600)).add_auth(req)
    else:
        S3SigV4Auth(creds, 's3', REGION).add_auth(req)
    url = urllib.parse.urlsplit(req.url)
    target = url.path + ('?' + url.query if url.query else '')
    if r.get('url_only'):
        return [0, target]
    sent = r['send_body'].encode() if 'send_body' in r else body
    headers = {k: v for k, v in req.headers.items()}
    headers['Content-Length'] = str(len(sent))
    conn.request(r['method'], target, body=sent, headers=headers)
    resp = conn.getresponse()
    data = resp.read().decode(errors='replace')
    if resp.getheader('Connection', '').lower() == 'close':
        conn.close()
    return [resp.status, data]


def main():
    requests = json.load(sys.stdin)
    host = urllib.parse.urlsplit(ENDPOINT).netloc
    out = []
    conn = http.client.HTTPConnection(host, timeout=30)
    for r in requests:
        out.append(send(r, conn))
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
