// The secret driver module: composed into hypervisor connections (qemu:///...) as the network
// and storage modules are; one driver per process, its objects under the tsvirt root.
// libvirt counterpart: src/secret/secret_driver.c.
import { registerDriver } from '../registry.js';
import { SecretConnection, SecretDriver } from './driver.js';
import { tsvirtRoot } from '../../util/root.js';

export { SecretConnection, SecretDriver };

let shared: SecretDriver | null = null;

/** The process-wide driver (secrets loaded from disk at first use). */
export function sharedSecretDriver(): SecretDriver {
  if (!shared) {
    shared = new SecretDriver(tsvirtRoot());
    shared.load();
  }
  return shared;
}

export function register(): void {
  registerDriver({
    name: 'secret',
    kind: 'secret',
    async open() { return new SecretConnection(sharedSecretDriver()); },
  });
}
