// The console's REST client.  The session is an HttpOnly cookie the
// browser sends by itself; every call also carries X-Fanout-Console: 1, a
// header a cross-site form or image cannot send, which the server
// requires whenever the cookie is what authenticates.  Errors become
// ApiError with the server's message ({"success":false,"message":...});
// a 401 tells the shell (onUnauthorized) that the session is gone.

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

let unauthorized = () => {};
export function onUnauthorized(fn) { unauthorized = fn; }

export async function api(method, path, body, signal) {
  const headers = { 'X-Fanout-Console': '1', Accept: 'application/json' };
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
    if (res.status === 401 && !path.startsWith('/rest/v2/users/')) unauthorized();
    throw new ApiError(res.status, msg);
  }
  return data;
}

export const APP = 'LiveApp';
export const enc = encodeURIComponent;
