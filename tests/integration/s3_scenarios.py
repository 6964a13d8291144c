#!/usr/bin/python3
"""S3 scenarios against walfs's S3 endpoint with Debian's python3-boto3.

Each scenario asserts what an S3 client sees and exits non-zero, naming the
step, on the first difference. The integration tests (s3_test.cc) start the
walfs processes and run one scenario each.

usage: s3_scenarios.py SCENARIO ENDPOINT[,ENDPOINT...] [ACCESS_KEY SECRET_KEY]

  basics    buckets, objects, listings (v1, v2, prefixes, delimiter, pages),
            ranges, conditional reads, errors, x-walfs-position
  auth      signatures checked (header and presigned), S3's error codes,
            rights by prefix (needs the keys of a principal that may write
            /s3auth and of one that may only read it: ACCESS_KEY SECRET_KEY
            are the writer's; the reader is READER/reader-secret-0123456789)
  appends   8 writers append 100-byte records with x-amz-write-offset-bytes
            (HEAD, then PutObject at the size, again on InvalidWriteOffset),
            each through the endpoints in turn; every record lands once
  objects   stored metadata and MD5 ETags, CopyObject (COPY, REPLACE, source
            conditions), multipart uploads (a 100 MiB object by boto3's
            transfer manager, sha256 compared; ListParts, ListMultipartUploads,
            Abort, InvalidPart), conditional puts racing from 8 threads
            (exactly one winner), presigned GET and PUT with curl
  strong    writes through the first endpoint are read at once through the
            second (a replica with --s3-consistency strong), and through the
            third with x-walfs-min-position set to the write's position
"""
import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import time
import zlib
import urllib.error
import urllib.request

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.client import Config
from botocore.exceptions import ClientError

SCENARIO = sys.argv[1]
ENDPOINTS = sys.argv[2].split(',')
ACCESS, SECRET = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else ('walfs', 'unchecked')


def client(endpoint=None, access=None, secret=None, **kw):
    c = boto3.client('s3', endpoint_url=endpoint or ENDPOINTS[0], aws_access_key_id=access or ACCESS,
                     aws_secret_access_key=secret or SECRET, region_name='us-east-1',
                     config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1},
                                   signature_version='s3v4', **kw))
    # x-amz-write-offset-bytes (S3 Express appends): Debian's boto3 lacks
    # the parameter, so a hook adds the header before the request is signed.
    local = threading.local()

    def add_offset(request, **_):
        offset = getattr(local, 'offset', None)
        if offset is not None:
            request.headers['x-amz-write-offset-bytes'] = str(offset)
        # Headers the installed boto3 has no parameter for (If-None-Match on
        # a write), the same way.
        for k, v in getattr(local, 'headers', {}).items():
            request.headers[k] = v

    c.meta.events.register('before-sign.s3', add_offset)
    c.walfs_offset = local
    return c


def check(what, got, want):
    if got != want:
        sys.exit('%s: got %r, want %r' % (what, got, want))


def error_code(what, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except ClientError as e:
        return e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']
    sys.exit('%s: succeeded, but an error was expected' % what)


def error_name(what, fn, *args, **kw):
    return error_code(what, fn, *args, **kw)[0]


def basics():
    s3 = client()
    s3.create_bucket(Bucket='basics')
    check('CreateBucket again', error_code('create again', s3.create_bucket, Bucket='basics'),
          ('BucketAlreadyOwnedByYou', 409))
    check('ListBuckets', [b['Name'] for b in s3.list_buckets()['Buckets']], ['basics'])
    s3.head_bucket(Bucket='basics')
    check('HeadBucket of none', error_code('head none', s3.head_bucket, Bucket='none-such'),
          ('404', 404))
    r = s3.put_object(Bucket='basics', Key='dir/a.txt', Body=b'hello, walfs')
    if not r['ResponseMetadata']['HTTPHeaders'].get('x-walfs-position'):
        sys.exit('PutObject: no x-walfs-position')
    etag = r['ETag']
    got = s3.get_object(Bucket='basics', Key='dir/a.txt')
    check('GetObject body', got['Body'].read(), b'hello, walfs')
    check('GetObject ETag', got['ETag'], etag)
    check('GetObject length', got['ContentLength'], 12)
    check('HeadObject length', s3.head_object(Bucket='basics', Key='dir/a.txt')['ContentLength'], 12)
    ranged = s3.get_object(Bucket='basics', Key='dir/a.txt', Range='bytes=7-11')
    check('ranged body', ranged['Body'].read(), b'walfs')
    check('ranged status', ranged['ResponseMetadata']['HTTPStatusCode'], 206)
    check('ranged Content-Range', ranged['ContentRange'], 'bytes 7-11/12')
    check('range past the end', error_code('bad range', s3.get_object, Bucket='basics', Key='dir/a.txt',
                                           Range='bytes=100-200'), ('InvalidRange', 416))
    check('If-None-Match', error_code('304', s3.get_object, Bucket='basics', Key='dir/a.txt',
                                      IfNoneMatch=etag), ('304', 304))
    check('If-None-Match unquoted', error_code('304 bare', s3.get_object, Bucket='basics', Key='dir/a.txt',
                                               IfNoneMatch=etag.strip('"')), ('304', 304))
    check('If-Match other', error_code('412', s3.get_object, Bucket='basics', Key='dir/a.txt',
                                       IfMatch='"other"'), ('PreconditionFailed', 412))
    typed = s3.get_object(Bucket='basics', Key='dir/a.txt', ResponseContentType='text/plain')
    check('response-content-type', typed['ContentType'], 'text/plain')
    check('NoSuchKey', error_code('get none', s3.get_object, Bucket='basics', Key='none'),
          ('NoSuchKey', 404))
    check('NoSuchBucket', error_code('get in none', s3.get_object, Bucket='none-such', Key='k'),
          ('NoSuchBucket', 404))
    check('put in no bucket', error_code('put none', s3.put_object, Bucket='none-such', Key='k', Body=b'x'),
          ('NoSuchBucket', 404))
    check('bad key', error_code('bad key', s3.put_object, Bucket='basics', Key='a/../b', Body=b'x'),
          ('InvalidArgument', 400))
    check('file and directory', error_code('file/dir', s3.put_object, Bucket='basics', Key='dir/a.txt/x',
                                           Body=b'x'), ('InvalidArgument', 400))
    # Content-MD5 is checked: a wrong one writes nothing.
    good = base64.b64encode(hashlib.md5(b'checked').digest()).decode()
    s3.put_object(Bucket='basics', Key='md5', Body=b'checked', ContentMD5=good)
    bad = base64.b64encode(hashlib.md5(b'other').digest()).decode()
    check('BadDigest', error_code('bad md5', s3.put_object, Bucket='basics', Key='md5', Body=b'changed',
                                  ContentMD5=bad), ('BadDigest', 400))
    check('InvalidDigest', error_code('bad md5', s3.put_object, Bucket='basics', Key='md5', Body=b'changed',
                                      ContentMD5='not-base64!'), ('InvalidDigest', 400))
    check('nothing written', s3.get_object(Bucket='basics', Key='md5')['Body'].read(), b'checked')
    s3.delete_object(Bucket='basics', Key='md5')
    # Listings: keys in byte order, prefixes, the delimiter, pages.
    for k in ['x/1', 'x/2', 'x.txt', 'x-1', 'y', 'z/deep/er']:
        s3.put_object(Bucket='basics', Key=k, Body=k.encode())
    s3.put_object(Bucket='basics', Key='folder/', Body=b'')
    keys = [o['Key'] for o in s3.list_objects_v2(Bucket='basics')['Contents']]
    check('ListObjectsV2 keys', keys, ['dir/a.txt', 'folder/', 'x-1', 'x.txt', 'x/1', 'x/2', 'y', 'z/deep/er'])
    top = s3.list_objects_v2(Bucket='basics', Delimiter='/')
    check('delimiter keys', [o['Key'] for o in top['Contents']], ['x-1', 'x.txt', 'y'])
    check('delimiter prefixes', [p['Prefix'] for p in top['CommonPrefixes']], ['dir/', 'folder/', 'x/', 'z/'])
    check('prefix', [o['Key'] for o in s3.list_objects_v2(Bucket='basics', Prefix='x/')['Contents']],
          ['x/1', 'x/2'])
    pages, token = [], None
    while True:
        kw = {'ContinuationToken': token} if token else {}
        page = s3.list_objects_v2(Bucket='basics', MaxKeys=3, **kw)
        pages.append([o['Key'] for o in page.get('Contents', [])])
        if not page['IsTruncated']:
            break
        token = page['NextContinuationToken']
    check('pages', pages, [['dir/a.txt', 'folder/', 'x-1'], ['x.txt', 'x/1', 'x/2'], ['y', 'z/deep/er']])
    paginated = [o['Key'] for p in s3.get_paginator('list_objects').paginate(Bucket='basics', PaginationConfig={'PageSize': 2})
                 for o in p.get('Contents', [])]
    check('ListObjects v1 pages', paginated, keys)
    check('start-after', [o['Key'] for o in s3.list_objects_v2(Bucket='basics', StartAfter='x/2')['Contents']],
          ['y', 'z/deep/er'])
    check('location', s3.get_bucket_location(Bucket='basics').get('LocationConstraint'), None)
    check('acl', error_code('acl', s3.get_bucket_acl, Bucket='basics'), ('NotImplemented', 501))
    # DeleteObjects: each key on its own, missing keys count as deleted,
    # a key a file system cannot hold is an error of its own.
    for k in ['many/1', 'many/2', 'many/3']:
        s3.put_object(Bucket='basics', Key=k, Body=b'x')
    r = s3.delete_objects(Bucket='basics', Delete={'Objects': [{'Key': 'many/1'}, {'Key': 'many/2'},
                                                               {'Key': 'never-was'}, {'Key': 'a//b'}]})
    check('DeleteObjects deleted', sorted(d['Key'] for d in r.get('Deleted', [])),
          ['many/1', 'many/2', 'never-was'])
    check('DeleteObjects errors', [(e['Key'], e['Code']) for e in r.get('Errors', [])],
          [('a//b', 'InvalidArgument')])
    r = s3.delete_objects(Bucket='basics', Delete={'Objects': [{'Key': 'many/3'}], 'Quiet': True})
    check('DeleteObjects quiet', r.get('Deleted', []), [])
    check('DeleteObjects emptied the prefix', s3.list_objects_v2(Bucket='basics', Prefix='many').get('KeyCount'), 0)
    # Deletes.
    check('DeleteBucket not empty', error_code('rb', s3.delete_bucket, Bucket='basics'), ('BucketNotEmpty', 409))
    s3.delete_object(Bucket='basics', Key='y')
    s3.delete_object(Bucket='basics', Key='y')  # again: 204 too
    check('deleted', error_code('get deleted', s3.get_object, Bucket='basics', Key='y'), ('NoSuchKey', 404))
    s3.create_bucket(Bucket='empty-one')
    s3.delete_bucket(Bucket='empty-one')
    check('DeleteBucket none', error_code('rb none', s3.delete_bucket, Bucket='empty-one'), ('NoSuchBucket', 404))


def auth():
    w = client()
    w.create_bucket(Bucket='s3auth')
    w.put_object(Bucket='s3auth', Key='k', Body=b'signed')
    check('signed read', w.get_object(Bucket='s3auth', Key='k')['Body'].read(), b'signed')
    bad = client(secret='not-the-secret')
    check('wrong secret', error_code('wrong', bad.get_object, Bucket='s3auth', Key='k'),
          ('SignatureDoesNotMatch', 403))
    unknown = client(access='AKIDNOSUCHKEY')
    check('unknown key', error_code('unknown', unknown.get_object, Bucket='s3auth', Key='k'),
          ('InvalidAccessKeyId', 403))
    reader = client(access='READER', secret='reader-secret-0123456789')
    check('reader reads', reader.get_object(Bucket='s3auth', Key='k')['Body'].read(), b'signed')
    check('reader writes', error_code('reader put', reader.put_object, Bucket='s3auth', Key='k', Body=b'x'),
          ('AccessDenied', 403))
    check('reader deletes', error_code('reader delete', reader.delete_objects, Bucket='s3auth',
                                       Delete={'Objects': [{'Key': 'k'}]}), ('AccessDenied', 403))
    check('reader outside', error_code('outside', reader.list_objects_v2, Bucket='other'),
          ('AccessDenied', 403))
    url = w.generate_presigned_url('get_object', Params={'Bucket': 's3auth', 'Key': 'k'}, ExpiresIn=60)
    try:
        check('presigned', urllib.request.urlopen(url).read(), b'signed')
    except urllib.error.HTTPError as e:
        sys.exit('presigned URL %s: %d %s' % (url, e.code, e.read().decode()))
    v2 = boto3.client('s3', endpoint_url=ENDPOINTS[0], aws_access_key_id=ACCESS, aws_secret_access_key=SECRET,
                      region_name='us-east-1', config=Config(s3={'addressing_style': 'path'}, signature_version='s3'))
    try:
        urllib.request.urlopen(v2.generate_presigned_url('get_object', Params={'Bucket': 's3auth', 'Key': 'k'}))
        sys.exit('a SigV2 presigned URL: succeeded')
    except urllib.error.HTTPError as e:
        if 'Signature Version 2 is not supported' not in e.read().decode():
            sys.exit('a SigV2 presigned URL: not told why')
    expired = w.generate_presigned_url('get_object', Params={'Bucket': 's3auth', 'Key': 'k'}, ExpiresIn=1)
    time.sleep(2)  # the URL's own clock: it must be past its expiry
    try:
        urllib.request.urlopen(expired)
        sys.exit('expired presigned URL: succeeded')
    except urllib.error.HTTPError as e:
        body = e.read().decode()
        check('expired status', e.code, 403)
        if '<Code>AccessDenied</Code>' not in body:
            sys.exit('expired presigned URL: %s' % body)
    anonymous = boto3.client('s3', endpoint_url=ENDPOINTS[0], region_name='us-east-1',
                             config=Config(signature_version=__import__('botocore').UNSIGNED))
    check('anonymous', error_code('anon', anonymous.get_object, Bucket='s3auth', Key='k'), ('AccessDenied', 403))


def appends():
    writers, records = 8, 40
    setup = client()
    setup.create_bucket(Bucket='appends')
    clients = [client(e) for e in ENDPOINTS]
    retries = [0] * writers

    def writer(w):
        for i in range(records):
            record = ('w%d-r%03d ' % (w, i)).ljust(99, '.').encode() + b'\n'
            for attempt in range(10000):
                c = clients[(w + i + attempt) % len(clients)]
                try:
                    size = c.head_object(Bucket='appends', Key='log')['ContentLength']
                except ClientError as e:
                    if e.response['Error']['Code'] not in ('404', 'NoSuchKey'):
                        raise
                    size = 0
                c.walfs_offset.offset = size
                try:
                    c.put_object(Bucket='appends', Key='log', Body=record)
                    break
                except ClientError as e:
                    if e.response['Error']['Code'] != 'InvalidWriteOffset':
                        raise
                    retries[w] += 1
                finally:
                    c.walfs_offset.offset = None
            else:
                sys.exit('writer %d: record %d never landed' % (w, i))

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Every replica reaches the same object (each applies the log in its
    # own time: wait for it, with a deadline).
    bodies = []
    for c in clients:
        deadline = time.monotonic() + 30
        while True:
            try:
                body = c.get_object(Bucket='appends', Key='log')['Body'].read()
            except ClientError as e:
                if e.response['Error']['Code'] != 'NoSuchKey':
                    raise
                body = b''
            if len(body) == writers * records * 100 or time.monotonic() > deadline:
                break
        bodies.append(body)
    for i, b in enumerate(bodies[1:], 1):
        check('replica %d has the same object' % i, b, bodies[0])
    lines = bodies[0].split(b'\n')[:-1]
    check('records', len(lines), writers * records)
    check('distinct', len(set(lines)), writers * records)
    for line in lines:
        if len(line) != 99:
            sys.exit('a torn record: %r' % line)
    for w in range(writers):
        mine = [l for l in lines if l.startswith(b'w%d-' % w)]
        check('writer %d in order' % w, mine, sorted(mine))
    print(json.dumps({'records': len(lines), 'retries': sum(retries)}))


def objects():
    c = client()
    c.create_bucket(Bucket='objects')
    # Metadata and the MD5 ETag of a whole write.
    put = c.put_object(Bucket='objects', Key='doc.txt', Body=b'hello', ContentType='text/plain',
                       CacheControl='no-cache', ContentDisposition='inline',
                       Metadata={'team': 'ops', 'Mixed-Case': 'v'})
    md5 = '"%s"' % hashlib.md5(b'hello').hexdigest()
    check('put ETag', put['ETag'], md5)
    head = c.head_object(Bucket='objects', Key='doc.txt')
    check('head ETag', head['ETag'], md5)
    check('head type', head['ContentType'], 'text/plain')
    check('head cache-control', head['CacheControl'], 'no-cache')
    check('head disposition', head['ContentDisposition'], 'inline')
    check('head metadata', head['Metadata'], {'team': 'ops', 'mixed-case': 'v'})
    got = c.get_object(Bucket='objects', Key='doc.txt', IfMatch=md5)
    check('get by ETag', got['Body'].read(), b'hello')
    check('get metadata', got['Metadata'], {'team': 'ops', 'mixed-case': 'v'})
    over = c.get_object(Bucket='objects', Key='doc.txt', ResponseContentType='text/csv')
    check('response-content-type', over['ContentType'], 'text/csv')
    check('If-None-Match with the ETag', error_name('inm', c.get_object, Bucket='objects',
                                                       Key='doc.txt', IfNoneMatch=md5), '304')
    check('If-Match with another', error_name('im', c.get_object, Bucket='objects', Key='doc.txt',
                                              IfMatch='"0123"'), 'PreconditionFailed')
    check('user metadata over 2 KiB', error_name('big meta', c.put_object, Bucket='objects',
                                                 Key='m', Body=b'', Metadata={'a': 'x' * 2100}),
          'MetadataTooLarge')
    # Copies: metadata kept or replaced; the source's conditions.
    cp = c.copy_object(Bucket='objects', Key='copy.txt', CopySource='objects/doc.txt')
    check('copy ETag', cp['CopyObjectResult']['ETag'], md5)
    head = c.head_object(Bucket='objects', Key='copy.txt')
    check('copy keeps the type', head['ContentType'], 'text/plain')
    check('copy keeps the metadata', head['Metadata'], {'team': 'ops', 'mixed-case': 'v'})
    c.copy_object(Bucket='objects', Key='json.txt', CopySource='objects/doc.txt',
                  MetadataDirective='REPLACE', ContentType='application/json', Metadata={'k': 'v'})
    head = c.head_object(Bucket='objects', Key='json.txt')
    check('REPLACE type', head['ContentType'], 'application/json')
    check('REPLACE metadata', head['Metadata'], {'k': 'v'})
    check('REPLACE keeps the ETag', head['ETag'], md5)
    check('copy-source-if-match', error_name('csim', c.copy_object, Bucket='objects', Key='x',
                                             CopySource='objects/doc.txt',
                                             CopySourceIfMatch='"0123"'), 'PreconditionFailed')
    check('copy-source-if-none-match', error_name(
        'csinm', c.copy_object, Bucket='objects', Key='x', CopySource='objects/doc.txt',
        CopySourceIfNoneMatch=md5), 'PreconditionFailed')
    check('copy onto itself', error_name('self', c.copy_object, Bucket='objects', Key='doc.txt',
                                         CopySource='objects/doc.txt'), 'InvalidRequest')
    check('copy of a missing key', error_name('missing', c.copy_object, Bucket='objects',
                                              Key='x', CopySource='objects/nope'), 'NoSuchKey')
    # An append keeps the headers; the ETag is no longer an MD5.
    c.walfs_offset.offset = 5
    c.put_object(Bucket='objects', Key='doc.txt', Body=b', world')
    c.walfs_offset.offset = None
    head = c.head_object(Bucket='objects', Key='doc.txt')
    check('append keeps the type', head['ContentType'], 'text/plain')
    if head['ETag'] == md5 or head['ETag'] == '"%s"' % hashlib.md5(b'hello, world').hexdigest():
        sys.exit('an appended object kept an MD5 ETag: %s' % head['ETag'])

    # Checksums: verified when sent (on a body of one entry and on a
    # streamed one), returned when asked.
    streamed = os.urandom(5 << 20)  # over one entry: streamed into an upload
    for alg, body in (('SHA256', b'hello'), ('CRC32', b'hello'), ('SHA1', streamed),
                      ('CRC32C', streamed)):
        c.put_object(Bucket='objects', Key='sum-' + alg, Body=body, ChecksumAlgorithm=alg)
        head = c.head_object(Bucket='objects', Key='sum-' + alg, ChecksumMode='ENABLED')
        want = {'SHA256': lambda b: hashlib.sha256(b).digest(),
                'SHA1': lambda b: hashlib.sha1(b).digest(),
                'CRC32': lambda b: zlib.crc32(b).to_bytes(4, 'big')}.get(alg)
        if want:
            check('checksum ' + alg, head['Checksum' + alg], base64.b64encode(want(body)).decode())
        elif 'ChecksumCRC32C' not in head:
            sys.exit('no CRC32C returned: %r' % head)
        if 'Checksum' + alg in c.head_object(Bucket='objects', Key='sum-' + alg):
            sys.exit('a checksum returned without x-amz-checksum-mode')
    wrong = base64.b64encode(zlib.crc32(b'other').to_bytes(4, 'big')).decode()
    for key, body in (('bad-small', b'hello'), ('bad-streamed', streamed)):
        check('a wrong checksum (%s)' % key, error_name(key, c.put_object, Bucket='objects', Key=key,
                                                        Body=body, ChecksumCRC32=wrong), 'BadDigest')
        check('nothing written (%s)' % key, error_name(key, c.head_object, Bucket='objects',
                                                       Key=key), '404')
    md5 = base64.b64encode(hashlib.md5(b'other').digest()).decode()
    check('a wrong Content-MD5 on a streamed body', error_name(
        'md5', c.put_object, Bucket='objects', Key='bad-md5', Body=streamed, ContentMD5=md5),
        'BadDigest')

    # Multipart: 100 MiB in 16 MiB parts by boto3's transfer manager.
    blob = os.urandom(1 << 20) * 100
    config = TransferConfig(multipart_threshold=8 << 20, multipart_chunksize=16 << 20,
                            max_concurrency=4)
    c.upload_fileobj(io.BytesIO(blob), 'objects', 'big.bin', Config=config,
                     ExtraArgs={'ContentType': 'application/x-big'})
    head = c.head_object(Bucket='objects', Key='big.bin')
    check('multipart size', head['ContentLength'], len(blob))
    check('multipart type', head['ContentType'], 'application/x-big')
    parts = [blob[i:i + (16 << 20)] for i in range(0, len(blob), 16 << 20)]
    want = hashlib.md5(b''.join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    check('multipart ETag', head['ETag'], '"%s-%d"' % (want, len(parts)))
    back = io.BytesIO()
    c.download_fileobj('objects', 'big.bin', back, Config=config)
    check('multipart sha256', hashlib.sha256(back.getvalue()).hexdigest(),
          hashlib.sha256(blob).hexdigest())
    ranged = c.get_object(Bucket='objects', Key='big.bin', Range='bytes=16777200-16777231')
    check('a range across parts', ranged['Body'].read(), blob[16777200:16777232])
    # The low-level calls.
    up = c.create_multipart_upload(Bucket='objects', Key='parts.bin', Metadata={'p': '1'})
    uid = up['UploadId']
    p1, p2 = b'1' * (5 << 20), b'2' * 100
    e1 = c.upload_part(Bucket='objects', Key='parts.bin', UploadId=uid, PartNumber=1, Body=p1)
    e2 = c.upload_part(Bucket='objects', Key='parts.bin', UploadId=uid, PartNumber=2, Body=p2)
    check('part ETag', e1['ETag'], '"%s"' % hashlib.md5(p1).hexdigest())
    listed = c.list_parts(Bucket='objects', Key='parts.bin', UploadId=uid)['Parts']
    check('ListParts', [(p['PartNumber'], p['Size']) for p in listed], [(1, 5 << 20), (2, 100)])
    uploads = c.list_multipart_uploads(Bucket='objects').get('Uploads', [])
    check('ListMultipartUploads', [(u['Key'], u['UploadId']) for u in uploads],
          [('parts.bin', uid)])
    bad = {'Parts': [{'PartNumber': 1, 'ETag': e2['ETag']}, {'PartNumber': 2, 'ETag': e2['ETag']}]}
    check('a wrong part ETag', error_name('InvalidPart', c.complete_multipart_upload,
                                          Bucket='objects', Key='parts.bin', UploadId=uid,
                                          MultipartUpload=bad), 'InvalidPart')
    done = c.complete_multipart_upload(
        Bucket='objects', Key='parts.bin', UploadId=uid,
        MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': e1['ETag']},
                                   {'PartNumber': 2, 'ETag': e2['ETag']}]})
    want = hashlib.md5(hashlib.md5(p1).digest() + hashlib.md5(p2).digest()).hexdigest()
    check('complete ETag', done['ETag'], '"%s-2"' % want)
    got = c.get_object(Bucket='objects', Key='parts.bin')
    check('completed bytes', got['Body'].read() == p1 + p2, True)
    check('completed metadata', got['Metadata'], {'p': '1'})
    # UploadPartCopy: a range of one object and the whole of another.
    uid = c.create_multipart_upload(Bucket='objects', Key='spliced.bin')['UploadId']
    r1 = c.upload_part_copy(Bucket='objects', Key='spliced.bin', UploadId=uid, PartNumber=1,
                            CopySource='objects/big.bin', CopySourceRange='bytes=1000-5243879')
    r2 = c.upload_part_copy(Bucket='objects', Key='spliced.bin', UploadId=uid, PartNumber=2,
                            CopySource={'Bucket': 'objects', 'Key': 'doc.txt'})
    check('copied part ETag', r1['CopyPartResult']['ETag'],
          '"%s"' % hashlib.md5(blob[1000:5243880]).hexdigest())
    c.complete_multipart_upload(
        Bucket='objects', Key='spliced.bin', UploadId=uid,
        MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': r1['CopyPartResult']['ETag']},
                                   {'PartNumber': 2, 'ETag': r2['CopyPartResult']['ETag']}]})
    got = c.get_object(Bucket='objects', Key='spliced.bin')['Body'].read()
    check('spliced bytes', got == blob[1000:5243880] + b'hello, world', True)
    gone = c.create_multipart_upload(Bucket='objects', Key='gone.bin')['UploadId']
    c.abort_multipart_upload(Bucket='objects', Key='gone.bin', UploadId=gone)
    check('aborted', error_name('abort', c.list_parts, Bucket='objects', Key='gone.bin',
                                UploadId=gone), 'NoSuchUpload')

    # Conditional puts racing: exactly one If-None-Match: * wins.
    racers = 8
    results = [None] * racers
    clients = [client(ENDPOINTS[i % len(ENDPOINTS)]) for i in range(racers)]
    start = threading.Barrier(racers)

    def race(i):
        rc = clients[i]
        rc.walfs_offset.headers = {'If-None-Match': '*'}
        start.wait()
        try:
            rc.put_object(Bucket='objects', Key='claim', Body=b'racer %d' % i)
            results[i] = 'won'
        except ClientError as e:
            results[i] = e.response['Error']['Code']
        rc.walfs_offset.headers = {}

    threads = [threading.Thread(target=race, args=(i,)) for i in range(racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check('winners', results.count('won'), 1)
    check('losers', results.count('PreconditionFailed'), racers - 1)
    winner = results.index('won')
    deadline = time.monotonic() + 20  # the winner may have written through another replica
    while True:
        try:
            claimed = c.get_object(Bucket='objects', Key='claim')['Body'].read()
            break
        except ClientError as e:
            if e.response['Error']['Code'] != 'NoSuchKey' or time.monotonic() > deadline:
                raise
    check('the winner\'s bytes', claimed, b'racer %d' % winner)

    # Presigned URLs with curl.
    url = c.generate_presigned_url('put_object', Params={'Bucket': 'objects', 'Key': 'pre.txt'},
                                   ExpiresIn=300)
    subprocess.run(['curl', '-sf', '-X', 'PUT', '--data-binary', 'presigned', url], check=True)
    url = c.generate_presigned_url('get_object', Params={'Bucket': 'objects', 'Key': 'pre.txt'},
                                   ExpiresIn=300)
    body = subprocess.run(['curl', '-sf', url], check=True, capture_output=True).stdout
    check('presigned GET', body, b'presigned')
    print(json.dumps({'racers': racers, 'multipart_bytes': len(blob)}))


def strong():
    writer, strong_reader, waiting_reader = (client(e) for e in ENDPOINTS[:3])
    writer.create_bucket(Bucket='strong')
    bulk = os.urandom(16 << 20)
    for i in range(5):
        # 16 MiB first, which the readers take a while to apply: a read
        # that did not wait would not see the small write after it.
        writer.put_object(Bucket='strong', Key='bulk', Body=bulk)
        key, body = 'k%02d' % i, b'value %d' % i
        put = writer.put_object(Bucket='strong', Key=key, Body=body)
        check('strong read %d' % i, strong_reader.get_object(Bucket='strong', Key=key)['Body'].read(),
              body)
        check('strong listing %d' % i,
              strong_reader.list_objects_v2(Bucket='strong')['KeyCount'], i + 2)
        position = put['ResponseMetadata']['HTTPHeaders']['x-walfs-position']
        waiting_reader.walfs_offset.headers = {'x-walfs-min-position': position}
        check('read at the position %d' % i,
              waiting_reader.get_object(Bucket='strong', Key=key)['Body'].read(), body)
        waiting_reader.walfs_offset.headers = {}
    print(json.dumps({'writes': 5}))


{'basics': basics, 'auth': auth, 'appends': appends, 'objects': objects,
 'strong': strong}[SCENARIO]()
