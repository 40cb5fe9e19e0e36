// api.js: the one place that talks to the motcua HTTP API (/api/v1).
// JSON in and out, the session's CSRF token on every state-changing request,
// and failures turned into ApiError objects with the server's Vietnamese message.

const BASE = '/api/v1';

// Messages used when the server gave no JSON error body (proxy error, network down...).
const FALLBACK = {
  0: 'Không kết nối được tới máy chủ. Vui lòng kiểm tra kết nối mạng và thử lại.',
  400: 'Yêu cầu không hợp lệ.',
  401: 'Bạn chưa đăng nhập hoặc phiên đăng nhập đã hết hạn.',
  403: 'Bạn không có quyền thực hiện thao tác này.',
  404: 'Không tìm thấy dữ liệu yêu cầu.',
  409: 'Thao tác không thực hiện được ở trạng thái hiện tại.',
  413: 'Dữ liệu gửi lên quá lớn.',
  415: 'Loại tệp không được hỗ trợ.',
  422: 'Thông tin nhập chưa hợp lệ.',
  429: 'Bạn thao tác quá nhiều lần. Vui lòng chờ một lát rồi thử lại.',
  500: 'Hệ thống đang gặp sự cố. Vui lòng thử lại sau.',
};

/** An API failure: status (0 = network), code, message, field, fields[]. */
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || FALLBACK[status] || FALLBACK[status >= 500 ? 500 : 400]);
    this.name = 'ApiError';
    this.status = status;
    this.code = e.code || (status === 0 ? 'network' : 'http_' + status);
    this.field = e.field || null;
    this.fields = Array.isArray(e.fields) ? e.fields : [];
  }
}

let csrfToken = null;
let mePromise = null;

const NO_CSRF = new Set(['/auth/register', '/auth/login']);

function buildUrl(path, query) {
  let url = BASE + path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    const s = q.toString();
    if (s) url += '?' + s;
  }
  return url;
}

async function ensureCsrf() {
  if (csrfToken) return csrfToken;
  await me({ refresh: true });
  return csrfToken;
}

async function parse(res) {
  if (res.status === 204) return null;
  const ct = res.headers.get('content-type') || '';
  if (ct.includes('json')) {
    try { return await res.json(); } catch { return null; }
  }
  return null;
}

/**
 * request(method, path, {query, json, body, headers}) -> parsed JSON (null for 204).
 * Throws ApiError. path is relative to /api/v1, e.g. '/procedures'.
 */
export async function request(method, path, opts = {}, retried = false) {
  const headers = { Accept: 'application/json', ...(opts.headers || {}) };
  let body = opts.body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  const writes = method !== 'GET' && method !== 'HEAD';
  if (writes && !NO_CSRF.has(path)) {
    const t = await ensureCsrf();
    if (t) headers['X-CSRF-Token'] = t;
  }
  let res;
  try {
    res = await fetch(buildUrl(path, opts.query), { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, null);
  }
  const data = await parse(res);
  if (!res.ok) {
    // A stale token (session renewed in another tab): fetch a fresh one once and retry.
    if (res.status === 403 && writes && !retried && !NO_CSRF.has(path)) {
      csrfToken = null;
      mePromise = null;
      return request(method, path, opts, true);
    }
    if (res.status === 401) { csrfToken = null; mePromise = Promise.resolve(null); }
    throw new ApiError(res.status, data);
  }
  return data;
}

export const get = (path, query) => request('GET', path, { query });
export const post = (path, json) => request('POST', path, { json: json === undefined ? {} : json });
export const put = (path, json) => request('PUT', path, { json });
export const del = (path) => request('DELETE', path);

/** The logged-in account, or null. Cached; {refresh:true} asks the server again. */
export function me({ refresh = false } = {}) {
  if (!mePromise || refresh) {
    mePromise = fetch(BASE + '/auth/me', { headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
      .then(async (res) => {
        const data = await parse(res); // always read the body, so the connection is released
        if (!res.ok) { csrfToken = null; return null; }
        csrfToken = (data && data.csrf_token) || null;
        return (data && data.account) || null;
      })
      .catch(() => null);
  }
  return mePromise;
}

function remember(data) {
  csrfToken = data.csrf_token || null;
  mePromise = Promise.resolve(data.account || null);
  return data.account;
}

export async function register(fields) { return remember(await request('POST', '/auth/register', { json: fields })); }
export async function login(fields) { return remember(await request('POST', '/auth/login', { json: fields })); }
export async function logout() {
  try { await request('POST', '/auth/logout', { json: {} }); } finally { csrfToken = null; mePromise = Promise.resolve(null); }
}

/** Path segment for a dossier id or code, a procedure code, a file name. */
export const seg = (s) => encodeURIComponent(String(s));

/**
 * Upload one file as the raw request body (PUT, the file's own Content-Type),
 * reporting progress(sentBytes, totalBytes). Resolves to the server's {file}.
 * createOnly sends "If-None-Match: *": the server refuses rather than replaces a
 * file of that name (where the route supports it).
 * XMLHttpRequest is used because fetch() cannot report upload progress over HTTP/1.1.
 */
export async function upload(path, file, { query, contentType, onProgress, signal, createOnly } = {}) {
  const token = await ensureCsrf();
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', buildUrl(path, query));
    xhr.setRequestHeader('Content-Type', contentType || file.type || 'application/octet-stream');
    xhr.setRequestHeader('Accept', 'application/json');
    if (token) xhr.setRequestHeader('X-CSRF-Token', token);
    if (createOnly) xhr.setRequestHeader('If-None-Match', '*');
    xhr.responseType = 'text';
    if (onProgress) xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let data = null;
      try { data = xhr.responseText ? JSON.parse(xhr.responseText) : null; } catch { data = null; }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new ApiError(xhr.status, data));
    };
    xhr.onerror = () => reject(new ApiError(0, null));
    xhr.onabort = () => reject(Object.assign(new ApiError(0, null), { code: 'aborted', message: 'Đã hủy tải lên.' }));
    if (signal) signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}
