#!/usr/bin/python3
"""An HTTP server that checks AWS SigV4 signatures with botocore.

Used by the tests to check walfs's S3 request signing against an
independent implementation (s3rver does not check signatures).
Answers 200 when the request's signature and payload hash are right, 403
otherwise, and appends one line per request to the results file:
"ok METHOD PATH" or "BAD METHOD PATH why".

usage: sigv4_verify.py PORT ACCESS_KEY SECRET_KEY REGION RESULTS_FILE
"""
import hashlib
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

PORT, ACCESS, SECRET, REGION, RESULTS = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]


def verify(method, path, headers, body):
    auth = headers.get('Authorization', '')
    prefix = 'AWS4-HMAC-SHA256 '
    if not auth.startswith(prefix):
        return 'not signed with SigV4'
    parts = dict(p.strip().split('=', 1) for p in auth[len(prefix):].split(','))
    scope = parts['Credential'].split('/')
    if scope[0] != ACCESS or scope[2] != REGION or scope[3] != 's3' or scope[4] != 'aws4_request':
        return 'wrong credential scope ' + parts['Credential']
    if headers.get('x-amz-content-sha256') != hashlib.sha256(body).hexdigest():
        return 'x-amz-content-sha256 is not the payload hash'
    signed = parts['SignedHeaders'].split(';')
    for required in ('host', 'x-amz-date', 'x-amz-content-sha256'):
        if required not in signed:
            return required + ' is not signed'
    req = AWSRequest(method=method, url='http://' + headers['Host'] + path, data=body,
                     headers={h: headers[h] for h in signed})
    req.context['timestamp'] = headers['x-amz-date']
    signer = S3SigV4Auth(Credentials(ACCESS, SECRET), 's3', REGION)
    canonical = signer.canonical_request(req)
    expected = signer.signature(signer.string_to_sign(req, canonical), req)
    if expected == parts['Signature']:
        return None
    return 'signature mismatch; signed headers ' + parts['SignedHeaders'] + '; canonical request: ' + repr(canonical)


class Handler(BaseHTTPRequestHandler):
    def _any(self):
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n) if n else b''
        why = verify(self.command, self.path, self.headers, body)
        with open(RESULTS, 'a') as f:
            f.write(('ok' if why is None else 'BAD') + f' {self.command} {self.path} {why or ""}\n')
        payload = b''
        if why is None and self.command == 'GET' and 'list-type=2' in self.path:
            payload = b'<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>'
        elif why is None and self.command == 'GET':
            payload = b'stored bytes'
        self.send_response(200 if why is None else 403)
        self.send_header('Content-Length', str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_PUT = do_DELETE = do_HEAD = _any

    def log_message(self, *args):
        pass


ThreadingHTTPServer(('127.0.0.1', PORT), Handler).serve_forever()
