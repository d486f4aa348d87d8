/**
 * Group commit: requests made in the same turn of the event loop are written with one
 * store operation (one fsync on the embedded store), and each caller resumes only after
 * that write is durable. Under load the batches grow by themselves, so the cost of a
 * durable commit is shared; a lone request is written on the next turn, without waiting.
 */
export class GroupCommit<I, O> {
  private pending: Array<{ item: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;

  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 512,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    this.write(batch.map((p) => p.item)).then(
      (out) => {
        batch.forEach((p, i) =>
          i < out.length
            ? p.resolve(out[i] as O)
            : p.reject(new Error('group commit returned too few results')),
        );
      },
      (err: unknown) => batch.forEach((p) => p.reject(err)),
    );
  }
}
