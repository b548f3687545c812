/**
 * Node positions kept across refreshes and reloads (localStorage, per tenant): the layout is
 * stable, and a reload shows the map as it was. Positions hold no secret. Bounded: at most
 * MAX_POSITIONS, the least recently written dropped first.
 */

const MAX_POSITIONS = 20_000;

type Point = { x: number; y: number };

export class PositionStore {
  private readonly positions = new Map<string, Point>();
  private saveTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly storageKey: string) {
    try {
      const raw = window.localStorage.getItem(storageKey);
      const parsed = raw ? (JSON.parse(raw) as Record<string, [number, number]>) : {};
      for (const [id, [x, y]] of Object.entries(parsed)) if (Number.isFinite(x) && Number.isFinite(y)) this.positions.set(id, { x, y });
    } catch {
      // A corrupt entry (or storage turned off) only costs the remembered layout.
      this.positions.clear();
    }
  }

  get(id: string): Point | null {
    return this.positions.get(id) ?? null;
  }

  setMany(entries: Record<string, Point>): void {
    for (const [id, p] of Object.entries(entries)) {
      this.positions.delete(id);
      this.positions.set(id, { x: Math.round(p.x), y: Math.round(p.y) });
    }
    while (this.positions.size > MAX_POSITIONS) this.positions.delete(this.positions.keys().next().value as string);
    this.scheduleSave();
  }

  clear(): void {
    this.positions.clear();
    this.scheduleSave();
  }

  private scheduleSave(): void {
    if (this.saveTimer !== null) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      try {
        const out: Record<string, [number, number]> = {};
        for (const [id, p] of this.positions) out[id] = [p.x, p.y];
        window.localStorage.setItem(this.storageKey, JSON.stringify(out));
      } catch {
        // Quota or storage off: the layout is then remembered for this page only.
      }
    }, 500);
  }
}
