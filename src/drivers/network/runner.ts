// Runs the network driver's external commands (ip, nft, dnsmasq, sysctl), optionally inside a
// network namespace: every argv can be prefixed with `ip netns exec NS`, which is how the tests
// keep all bridges, rules and dnsmasq processes off the host's network.
import { type RunResult, runCommand } from '../../util/command.js';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';

/** sbin first: ip, nft, dnsmasq live there */
export const SBIN_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

export class NetRunner {
  constructor(readonly netns: string | null = null) {}

  /** The argv as it will be executed (with the namespace prefix). */
  wrap(argv: string[]): string[] {
    return this.netns ? ['ip', 'netns', 'exec', this.netns, ...argv] : argv;
  }

  run(argv: string[], input?: string): Promise<RunResult> {
    return runCommand({ argv: this.wrap(argv), input, path: SBIN_PATH, timeoutMs: 30000 });
  }

  /** Run and raise libvirt's "Child process (...) unexpected exit status" error on failure. */
  async must(argv: string[], input?: string): Promise<RunResult> {
    const r = await this.run(argv, input);
    if (r.code !== 0) {
      const msg = (r.stderr || r.stdout).trim();
      throw virError(ErrorDomain.NETWORK, ErrorNumber.INTERNAL_ERROR,
        `Child process (${argv.join(' ')}) unexpected exit status ${r.code ?? r.signal}${msg ? `: ${msg}` : ''}`);
    }
    return r;
  }

  /** `ip -batch -`: many ip commands for one process spawn. */
  ipBatch(lines: string[], opts: { force?: boolean } = {}): Promise<RunResult> {
    const argv = ['ip', ...(opts.force ? ['-force'] : []), '-batch', '-'];
    return opts.force ? this.run(argv, lines.join('\n') + '\n') : this.must(argv, lines.join('\n') + '\n');
  }
}
