// Connection URIs as libvirt reads them: scheme[+transport]://[user@]host[:port]/path[?query].
// libvirt counterpart: src/util/viruri.c (virURIParse) and the remote driver's transport split.
import type { ConnectURI } from './driver.js';
import { ErrorDomain, ErrorNumber, virError } from '../util/error.js';

/** Parse a URI; raises libvirt's "Unable to parse URI" style error on garbage. */
export function parseURI(uri: string): ConnectURI {
  const m = /^([A-Za-z][A-Za-z0-9.+-]*):(\/\/([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?$/.exec(uri);
  if (!m) throw virError(ErrorDomain.URI, ErrorNumber.INTERNAL_ERROR, `Unable to parse URI ${uri}`);
  const fullScheme = m[1]!.toLowerCase();
  const plus = fullScheme.indexOf('+');
  const scheme = plus >= 0 ? fullScheme.slice(0, plus) : fullScheme;
  const transport = plus >= 0 ? fullScheme.slice(plus + 1) : null;
  let user: string | null = null;
  let host: string | null = null;
  let port: number | null = null;
  const authority = m[3];
  if (authority) {
    let hostport = authority;
    const at = authority.lastIndexOf('@');
    if (at >= 0) { user = decodeURIComponent(authority.slice(0, at)); hostport = authority.slice(at + 1); }
    const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostport);
    if (v6) { host = v6[1]!; port = v6[2] ? Number(v6[2]) : null; }
    else {
      const colon = hostport.lastIndexOf(':');
      if (colon >= 0) {
        const p = hostport.slice(colon + 1);
        if (!/^\d*$/.test(p)) throw virError(ErrorDomain.URI, ErrorNumber.INTERNAL_ERROR, `Unable to parse URI ${uri}`);
        port = p ? Number(p) : null;
        hostport = hostport.slice(0, colon);
      }
      host = hostport ? decodeURIComponent(hostport) : null;
    }
  }
  const query = new Map<string, string>();
  if (m[6]) {
    for (const part of m[6].split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      const k = decodeURIComponent((eq >= 0 ? part.slice(0, eq) : part).replace(/\+/g, ' '));
      const v = eq >= 0 ? decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' ')) : '';
      query.set(k, v);
    }
  }
  return { original: uri, scheme, transport, user, host, port, path: m[4] ?? '', query, fragment: m[8] ?? null };
}

/** Parameters the client consumes and never sends to the server (libvirt's remote driver list). */
const CLIENT_ONLY_PARAMS = new Set(['name', 'command', 'socket', 'auth', 'netcat', 'keyfile',
  'sshauth', 'no_sanity', 'no_verify', 'no_tty', 'pkipath', 'known_hosts', 'known_hosts_verify',
  'mode', 'proxy', 'tls_priority']);

/**
 * The URI a client sends in CONNECT_OPEN: transport, user/host/port and client-only query
 * parameters stripped (captured: `test+unix:///default?socket=X` is sent as "test:///default").
 */
export function uriForServer(u: ConnectURI): string {
  const name = u.query.get('name');
  if (name !== undefined) return name;
  if (!u.scheme || u.scheme === 'remote') return '';
  const rest = [...u.query].filter(([k]) => !CLIENT_ONLY_PARAMS.has(k))
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return `${u.scheme}://${u.path}${rest ? `?${rest}` : ''}`;
}

export function formatURI(u: ConnectURI): string {
  return u.original;
}
