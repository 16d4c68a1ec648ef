// Where a driver keeps its objects: everything lives under one root directory.
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * TSVIRT_ROOT (set by `tsvirtd --root`), else "/" for root; an unprivileged process keeps its
 * objects under ~/.local/share/tsvirt/root (the session layout).
 */
export function tsvirtRoot(): string {
  const env = process.env['TSVIRT_ROOT'];
  if (env) return env;
  if (process.getuid?.() === 0) return '/';
  const data = process.env['XDG_DATA_HOME'] || path.join(os.homedir(), '.local', 'share');
  return path.join(data, 'tsvirt', 'root');
}
