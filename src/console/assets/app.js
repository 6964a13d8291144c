// The walfs web console: plain JavaScript over the v1 HTTP API (no build
// step). Views by the URL's hash: #/files/PATH, #/file/PATH, #/cluster.
// With authentication on, a bearer token entered once is kept in this
// tab's session storage and sent with every request.
'use strict';

const PART_BYTES = 8 << 20;   // an upload's parts
const SHOW_BYTES = 256 << 10; // a file's first bytes shown
const CLUSTER_POLL_MS = 2000;
const CHART_POINTS = 60;

const $ = (id) => document.getElementById(id);
const token = () => sessionStorage.getItem('walfs-token') || '';

function encodePath(path) {
  return path.split('/').map(encodeURIComponent).join('/');
}

function headers(extra) {
  const h = Object.assign({}, extra || {});
  if (token()) h['Authorization'] = 'Bearer ' + token();
  return h;
}

function say(text, error) {
  const s = $('status');
  s.textContent = text || '';
  s.className = error ? 'error' : '';
}

class HttpError extends Error {
  constructor(status, body) {
    super((body && body.message) || ('HTTP ' + status));
    this.status = status;
  }
}

async function api(target, opts) {
  opts = opts || {};
  const r = await fetch(target, Object.assign({}, opts, { headers: headers(opts.headers) }));
  if (r.status === 401) {
    $('token-form').hidden = false;
    $('token').focus();
  }
  if (!r.ok) {
    let body = null;
    try { body = await r.json(); } catch (e) { /* not JSON */ }
    throw new HttpError(r.status, body);
  }
  return r;
}

function humanSize(n) {
  if (n < 1024) return n + ' B';
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let i = -1;
  do { n /= 1024; i++; } while (n >= 1024 && i < units.length - 1);
  return n.toFixed(n < 10 ? 1 : 0) + ' ' + units[i];
}

function crumbs(nav, path, last) {
  nav.textContent = '';
  const parts = path.split('/').filter(Boolean);
  const root = document.createElement('a');
  root.href = '#/files/';
  root.textContent = '/';
  nav.append(root);
  let at = '';
  parts.forEach((p, i) => {
    at += '/' + p;
    const a = document.createElement('a');
    a.href = (i === parts.length - 1 && last === 'file' ? '#/file' : '#/files') + at + (last === 'file' && i === parts.length - 1 ? '' : '/');
    a.textContent = p;
    nav.append(' ', a, i < parts.length - 1 ? ' /' : '');
  });
}

function show(view) {
  for (const id of ['files-view', 'file-view', 'cluster-view']) $(id).hidden = id !== view;
  $('nav-files').toggleAttribute('aria-current', view !== 'cluster-view');
  if (view !== 'cluster-view') $('nav-files').setAttribute('aria-current', 'page');
  $('nav-cluster').toggleAttribute('aria-current', view === 'cluster-view');
  if (view === 'cluster-view') $('nav-cluster').setAttribute('aria-current', 'page');
}

// ---- Files -----------------------------------------------------------------

let currentDir = '/';

async function showDir(path) {
  show('files-view');
  currentDir = path.endsWith('/') ? path : path + '/';
  $('files-title').textContent = 'Files in ' + currentDir;
  crumbs($('crumbs'), currentDir, 'dir');
  const body = $('listing').querySelector('tbody');
  body.textContent = '';
  let after = '';
  try {
    do {
      const target = '/v1/fs' + encodePath(currentDir.replace(/\/$/, '')) + '?list' +
        (after ? '&after=' + encodeURIComponent(after) : '');
      const page = await (await api(target)).json();
      for (const e of page.entries) {
        const tr = document.createElement('tr');
        const name = document.createElement('td');
        const a = document.createElement('a');
        const full = currentDir + e.name;
        a.href = e.type === 'dir' ? '#/files' + full + '/' : '#/file' + full;
        a.textContent = e.type === 'dir' ? e.name + '/' : e.name;
        name.append(a);
        const size = document.createElement('td');
        size.className = 'num';
        size.textContent = e.type === 'dir' ? '' : humanSize(e.size);
        const mtime = document.createElement('td');
        mtime.textContent = e.mtime ? e.mtime.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
        tr.append(name, size, mtime);
        body.append(tr);
      }
      after = page.next;
    } while (after);
    if (!body.children.length) {
      const tr = document.createElement('tr');
      const td = document.createElement('td');
      td.colSpan = 3;
      td.textContent = 'Empty.';
      tr.append(td);
      body.append(tr);
    }
    say('');
  } catch (e) {
    say(e.status === 404 ? currentDir + ' does not exist (yet): upload a file to make it.' : e.message, e.status !== 404);
  }
}

// One part of an upload, with its progress (fetch has no upload progress).
function putPart(id, n, blob, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('PUT', '/v1/uploads/' + encodeURIComponent(id) + '/parts/' + n);
    if (token()) x.setRequestHeader('Authorization', 'Bearer ' + token());
    x.upload.onprogress = (ev) => onProgress(ev.loaded);
    x.onload = () => (x.status >= 200 && x.status < 300 ? resolve() : reject(new Error('part ' + n + ': HTTP ' + x.status + ' ' + x.responseText)));
    x.onerror = () => reject(new Error('part ' + n + ': the connection failed'));
    x.send(blob);
  });
}

async function upload(ev) {
  ev.preventDefault();
  const file = $('upload-file').files[0];
  if (!file) return;
  const path = currentDir + file.name;
  const bar = $('upload-progress');
  const status = $('upload-status');
  bar.hidden = false;
  bar.value = 0;
  status.textContent = 'Uploading ' + path + '…';
  try {
    const created = await (await api('/v1/uploads', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ path: path, op: 'put' }),
    })).json();
    let sent = 0;
    for (let n = 1, at = 0; at < file.size || n === 1; n++, at += PART_BYTES) {
      const blob = file.slice(at, Math.min(file.size, at + PART_BYTES));
      await putPart(created.upload_id, n, blob, (loaded) => { bar.value = file.size ? (sent + loaded) / file.size : 1; });
      sent += blob.size;
      if (file.size === 0) break;
    }
    await api('/v1/uploads/' + encodeURIComponent(created.upload_id) + '/commit', { method: 'POST' });
    bar.value = 1;
    status.textContent = 'Uploaded ' + path + ' (' + humanSize(file.size) + ').';
    $('upload-file').value = '';
    await showDir(currentDir);
  } catch (e) {
    status.textContent = 'Upload failed: ' + e.message;
  }
}

// ---- One file ----------------------------------------------------------------

let following = null;  // the AbortController of a follow
let shownBytes = 0;
let currentFile = '';

function stopFollowing() {
  if (following) following.abort();
  following = null;
  $('follow').setAttribute('aria-pressed', 'false');
  $('follow').textContent = 'Follow';
}

async function showFile(path) {
  stopFollowing();
  show('file-view');
  currentFile = path;
  $('file-title').textContent = path;
  crumbs($('file-crumbs'), path, 'file');
  const pre = $('file-content');
  pre.textContent = '';
  try {
    const st = await (await api('/v1/fs' + encodePath(path) + '?stat')).json();
    $('file-meta').textContent = humanSize(st.size) + ', modified ' + st.mtime + ', version ' + st.version;
    const n = Math.min(st.size, SHOW_BYTES);
    if (n > 0) {
      const r = await api('/v1/fs' + encodePath(path) + '?offset=0&length=' + n);
      pre.textContent = new TextDecoder().decode(await r.arrayBuffer());
    }
    shownBytes = n;
    $('follow').disabled = st.size > SHOW_BYTES;
    say(st.size > SHOW_BYTES ? 'Showing the first ' + humanSize(SHOW_BYTES) + '; download it for the rest.' : '');
  } catch (e) {
    say(e.message, true);
  }
}

async function download() {
  try {
    const r = await api('/v1/fs' + encodePath(currentFile));
    const url = URL.createObjectURL(await r.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = currentFile.split('/').pop();
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (e) {
    say(e.message, true);
  }
}

// Streams what is appended (GET ?follow from the bytes shown), like tail -f.
async function toggleFollow() {
  if (following) { stopFollowing(); return; }
  following = new AbortController();
  const mine = following;
  $('follow').setAttribute('aria-pressed', 'true');
  $('follow').textContent = 'Following… (stop)';
  const pre = $('file-content');
  const decoder = new TextDecoder();
  try {
    while (following === mine) {
      const r = await api('/v1/fs' + encodePath(currentFile) + '?follow&offset=' + shownBytes, { signal: mine.signal });
      const reader = r.body.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        shownBytes += value.length;
        pre.textContent += decoder.decode(value, { stream: true });
        pre.scrollTop = pre.scrollHeight;
      }
      if (following === mine) { say(currentFile + ' was deleted, renamed or truncated.'); stopFollowing(); }
    }
  } catch (e) {
    if (e.name !== 'AbortError') { say('Following stopped: ' + e.message, true); stopFollowing(); }
  }
}

// ---- Cluster -------------------------------------------------------------------

const history = {};  // replica id -> [lag_entries, ...]
let clusterTimer = null;

function drawChart() {
  const svg = $('lag-chart');
  svg.textContent = '';
  const ids = Object.keys(history).sort();
  const max = Math.max(1, ...ids.flatMap((id) => history[id]));
  const colors = ['#0b5cad', '#b42318', '#1a7f37', '#8250df', '#bf8700', '#57606a'];
  const legend = $('lag-legend');
  legend.textContent = '';
  const scale = document.createElement('li');
  scale.textContent = 'top of the chart: ' + max + (max === 1 ? ' entry' : ' entries');
  legend.append(scale);
  ids.forEach((id, k) => {
    const last = history[id][history[id].length - 1];
    const li = document.createElement('li');
    li.style.color = colors[k % colors.length];
    li.textContent = id + ': lag ' + last + (last === 1 ? ' entry' : ' entries') + ' now';
    legend.append(li);
    const pts = history[id].map((v, i) => (i * 600 / (CHART_POINTS - 1)).toFixed(1) + ',' + (155 - v * 150 / max).toFixed(1));
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
    line.setAttribute('points', pts.join(' '));
    line.setAttribute('fill', 'none');
    line.setAttribute('stroke', colors[k % colors.length]);
    line.setAttribute('stroke-width', '2');
    const title = document.createElementNS('http://www.w3.org/2000/svg', 'title');
    title.textContent = id + ': lag ' + history[id][history[id].length - 1] + ' entries';
    line.append(title);
    svg.append(line);
  });
}

async function pollCluster() {
  try {
    const c = await (await api('/v1/cluster')).json();
    const log = c.log || {};
    $('cluster-log').textContent = 'Log: ' + (log.backend || '?') + '; entries ' + (log.first || '') + ' to ' + (log.last || '') +
      ' (' + (log.length || 0) + ' held, ' + (log.entries_added || 0) + ' ever).' +
      (c.mixed_builds ? ' The replicas run different builds.' : '');
    const body = $('replicas').querySelector('tbody');
    body.textContent = '';
    for (const r of c.replicas || []) {
      const tr = document.createElement('tr');
      const bad = r.diverged || r.stopped;
      const build = r.version ? r.version + ' (' + (r.commit || '').slice(0, 12) + ', format ' + r.entry_format + ')' : 'unknown';
      const cells = [r.id + (r.self ? ' (this one)' : ''), r.applied, r.lag_entries, r.lag_ms, (r.digest || '').slice(0, 12),
        build, r.diverged ? 'diverged' : (r.stopped ? 'stopped: ' + r.stopped : 'ok')];
      cells.forEach((v, i) => {
        const td = document.createElement('td');
        td.textContent = v;
        if (i === 2 || i === 3) td.className = 'num';
        if (i === 6) td.className = bad ? 'state-bad' : 'state-ok';
        tr.append(td);
      });
      body.append(tr);
      const h = history[r.id] || (history[r.id] = []);
      h.push(r.lag_entries || 0);
      if (h.length > CHART_POINTS) h.shift();
    }
    drawChart();
    say('');
  } catch (e) {
    say(e.status === 403 ? 'The cluster view needs an admin token.' : e.message, true);
  }
}

function showCluster() {
  stopFollowing();
  show('cluster-view');
  pollCluster();
  clusterTimer = setInterval(pollCluster, CLUSTER_POLL_MS);
}

// ---- Routing -------------------------------------------------------------------

function route() {
  if (clusterTimer) { clearInterval(clusterTimer); clusterTimer = null; }
  const h = decodeURIComponent(location.hash.slice(1) || '/files/');
  if (h.startsWith('/cluster')) return showCluster();
  if (h.startsWith('/file/')) return showFile(h.slice('/file'.length));
  stopFollowing();
  return showDir(h.startsWith('/files') ? h.slice('/files'.length) || '/' : '/');
}

$('token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  sessionStorage.setItem('walfs-token', $('token').value.trim());
  $('token').value = '';
  $('token-form').hidden = true;
  route();
});
$('upload-form').addEventListener('submit', upload);
$('download').addEventListener('click', download);
$('follow').addEventListener('click', toggleFollow);
window.addEventListener('hashchange', route);
if (!token()) $('token-form').hidden = true;
route();
