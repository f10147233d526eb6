// The console's REST client.  Every call carries X-Fanout-Console: 1 (a
// header a cross-site form or image cannot send, so the server can insist
// on it whenever a cookie is what authenticates) and, when the operator
// signed in with a REST JWT, Authorization.  Errors become ApiError with
// the server's message ({"success":false,"message":...}).
const TOKEN_KEY = 'fanout.restToken';

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

export function restToken() { return sessionStorage.getItem(TOKEN_KEY) || ''; }
export function setRestToken(t) {
  if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY);
}

export async function api(method, path, body, signal) {
  const headers = { 'X-Fanout-Console': '1', Accept: 'application/json' };
  const t = restToken();
  if (t) headers.Authorization = 'Bearer ' + t;
  const init = { method, headers, signal, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
  if (!res.ok) {
    const msg = data && data.message ? data.message : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, msg);
  }
  return data;
}

export const APP = 'LiveApp';
export const enc = encodeURIComponent;
