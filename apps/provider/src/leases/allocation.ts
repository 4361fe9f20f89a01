// Which GPUs each lease holds: no two leases (or bid reservations) ever get the same GPU.

/** Hands out GPU ids (indexes as strings) to owners: lease ids or `request:<id>` reservations. */
export class GpuAllocator {
  private readonly owners = new Map<string, string>(); // gpu → owner

  constructor(private gpus: string[]) {}

  /** Replaces the set of GPUs that exist (e.g. after re-detection); holdings of vanished GPUs stay recorded. */
  setGpus(gpus: string[]): void {
    this.gpus = gpus;
  }

  get total(): number {
    return this.gpus.length;
  }

  get free(): string[] {
    return this.gpus.filter((g) => !this.owners.has(g));
  }

  /** Marks `gpus` as held by `owner` (used when restoring from the store). */
  hold(owner: string, gpus: string[]): void {
    for (const g of gpus) this.owners.set(g, owner);
  }

  /** Gives `count` free GPUs to `owner`, or returns null when fewer are free. Idempotent per owner. */
  allocate(owner: string, count: number): string[] | null {
    const held = this.heldBy(owner);
    if (held.length >= count) return held.slice(0, count);
    const free = this.free;
    if (free.length < count - held.length) return null;
    const picked = free.slice(0, count - held.length);
    this.hold(owner, picked);
    return [...held, ...picked];
  }

  /** Moves `from`'s GPUs to `to` (a won reservation becoming a lease). */
  transfer(from: string, to: string): string[] {
    const gpus = this.heldBy(from);
    this.hold(to, gpus);
    return gpus;
  }

  release(owner: string): void {
    for (const [g, o] of this.owners) if (o === owner) this.owners.delete(g);
  }

  heldBy(owner: string): string[] {
    return [...this.owners].filter(([, o]) => o === owner).map(([g]) => g);
  }

  /** Fraction of GPUs in use, 0–1 (0 on a machine without GPUs). */
  utilization(): number {
    return this.gpus.length === 0 ? 0 : (this.gpus.length - this.free.length) / this.gpus.length;
  }
}
