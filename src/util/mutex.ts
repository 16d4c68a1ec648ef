// A tiny FIFO mutex: Node is single-threaded, but a driver's multi-step operations interleave
// at every await, so operations on shared state (pools, networks) are run one at a time.
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.tail.then(fn);
    this.tail = p.then(() => undefined, () => undefined);
    return p;
  }
}
