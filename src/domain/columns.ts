// Growable typed columns for the engine's large tables: 4 bytes per value instead of a
// JavaScript array slot and a boxed number, which matters at a million rows.

export class Int32Column {
  private data = new Int32Array(256);
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(value: number): void {
    if (this.size === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.size++] = value;
  }

  get(i: number): number {
    return this.data[i] ?? 0;
  }

  /** Drops the spare capacity once the table is complete. */
  seal(): void {
    if (this.data.length !== this.size) this.data = this.data.slice(0, this.size);
  }

  /** Reorders the values: position i receives the value at order[i]. */
  permute(order: readonly number[]): void {
    const next = new Int32Array(order.length);
    order.forEach((from, i) => {
      next[i] = this.data[from] ?? 0;
    });
    this.data = next;
  }
}

/** Reorders a plain array in place: position i receives the value at order[i]. */
export function permuteArray(values: unknown[], order: readonly number[]): void {
  const copy = order.map((from) => values[from]);
  for (let i = 0; i < copy.length; i++) values[i] = copy[i];
}
