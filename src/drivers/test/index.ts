// The test driver: libvirt's mock hypervisor (src/test/test_driver.c). test:///default is one
// shared in-memory host (domain "test", network "default", pool "default-pool") that lives while
// any connection to it is open; test:///ABSOLUTE/PATH.xml loads a <node> document into a host
// private to that connection.
import type { ConnectURI, DriverConnection, OpenOptions } from '../driver.js';
import { registerDriver } from '../registry.js';
import { parseXml } from '../../conf/xml.js';
import { ErrorDomain, ErrorNumber } from '../../util/error.js';
import { TestConnection } from './connection.js';
import { DEFAULT_NODE_XML } from './default_config.js';
import { checkFlags, testError } from './errors.js';
import { loadNodeDocument, loadNodeFile } from './node_file.js';
import { TestDriver, defaultCells } from './state.js';

let defaultDriver: TestDriver | null = null;

function release(drv: TestDriver): void {
  drv.refs--;
  // as libvirt: the shared default state is discarded with its last connection
  if (drv === defaultDriver && drv.refs <= 0) defaultDriver = null;
}

function openDefault(): TestDriver {
  if (defaultDriver) return defaultDriver;
  const drv = new TestDriver();
  drv.cells = defaultCells();
  loadNodeDocument(drv, parseXml(DEFAULT_NODE_XML, '(test driver)', ErrorDomain.TEST), null);
  defaultDriver = drv;
  return drv;
}

/** testConnectOpen */
export async function openTest(uri: ConnectURI, opts: OpenOptions): Promise<DriverConnection> {
  checkFlags(opts.flags, 1 /* VIR_CONNECT_RO */, 'testConnectOpen');
  const path = uri.path;
  if (path === '' || path === '/') throw testError(ErrorNumber.INVALID_ARG, 'testOpen: supply a path or use test:///default');
  let drv: TestDriver;
  if (path === '/default') {
    drv = openDefault();
  } else {
    drv = new TestDriver();
    loadNodeFile(drv, decodeURIComponent(path));
  }
  drv.refs++;
  return new TestConnection(drv, drv.events.scope(), `test://${path}`, release);
}

/** Local URIs only: scheme test, no transport, no host (libvirt's localOnly). */
export function claims(uri: ConnectURI): boolean {
  return uri.scheme === 'test' && uri.transport === null && (uri.host === null || uri.host === '');
}

export function register(): void {
  registerDriver({ name: 'test', kind: 'hypervisor', claims, open: openTest });
}
