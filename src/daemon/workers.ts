// A bound on concurrently running driver calls across all clients: libvirtd's worker pool
// (max_workers) with prio_workers extra slots that only high-priority (non-blocking) calls may
// use, so a pile of slow calls never starves quick lookups. Node runs calls as async tasks, so
// a "worker" here is a slot, not a thread.
export class WorkerPool {
  private running = 0;
  private readonly waiting: { high: boolean; go: () => void }[] = [];

  constructor(private maxWorkers: number, private prioWorkers: number) {}

  resize(maxWorkers: number, prioWorkers: number): void {
    this.maxWorkers = maxWorkers;
    this.prioWorkers = prioWorkers;
    this.wake();
  }

  get active(): number { return this.running; }
  get queued(): number { return this.waiting.length; }

  private limit(high: boolean): number { return Math.max(1, this.maxWorkers) + (high ? this.prioWorkers : 0); }

  /**
   * A slot now, without waiting (no promise on the common path), or null when the caller must
   * queue with acquire(). The returned function frees it.
   */
  tryAcquire(high: boolean): (() => void) | null {
    if (this.waiting.length !== 0 || this.running >= this.limit(high)) return null;
    this.running++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.running--;
      if (this.waiting.length !== 0) this.wake();
    };
  }

  /** Wait for a slot; the returned function frees it (call exactly once). */
  acquire(high: boolean): Promise<() => void> {
    return new Promise((resolve) => {
      const go = () => {
        this.running++;
        let done = false;
        resolve(() => {
          if (done) return;
          done = true;
          this.running--;
          this.wake();
        });
      };
      if (this.waiting.length === 0 && this.running < this.limit(high)) go();
      else this.waiting.push({ high, go });
    });
  }

  private wake(): void {
    for (let i = 0; i < this.waiting.length;) {
      const w = this.waiting[i]!;
      if (this.running < this.limit(w.high)) {
        this.waiting.splice(i, 1);
        w.go();
      } else i++;
    }
  }
}
