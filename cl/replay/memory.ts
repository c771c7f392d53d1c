/**
 * The replay buffer's bookkeeping, on the host: which sample sits in which slot (experience, dataset
 * row, label, task), which slots the next samples take, which slots a step replays. The images stay on
 * the GPU (buffer.ts); every decision here is made from counts and seeded random numbers only, never
 * from the data, so nothing is read back while training.
 *
 * Storage policies, both per sample in the order the samples arrive:
 * - 'reservoir', Algorithm R (Vitter 1985): the t-th sample seen (t = 1, 2, …) takes the next free
 *   slot while the buffer fills; afterwards j = uniform integer in [0, t), and it replaces slot j if
 *   j < capacity, else it is dropped. Every sample seen so far is in the buffer with probability
 *   capacity / t.
 * - 'class-balanced', class-balanced reservoir sampling (CBRS, Chrysakis & Moens, ICML 2020): while
 *   the buffer fills, every sample is stored. When full, a sample of a class that is not among the
 *   largest classes of the buffer replaces a uniformly chosen slot of the largest class (ties: the
 *   class seen first); a sample of a largest class c, the n_c-th of its class seen, replaces a uniform
 *   slot of class c with probability count_c / n_c (reservoir sampling within the class).
 *   A class is (task id, label): the same label in two tasks of the task-incremental setting are two
 *   classes, in the domain and class settings the label alone.
 *
 * Replay draws `m` distinct slots per step, uniformly among the filled slots or among those of earlier
 * experiences (a partial Fisher–Yates shuffle), from the same seeded generator, after the storage
 * decisions of the previous steps.
 */
import { Generator } from '../../engine/index.js';

export const STORAGES = ['reservoir', 'class-balanced'] as const;
export type Storage = (typeof STORAGES)[number];

/** What a checkpoint keeps of a memory (JSON). */
export interface MemoryRecord {
  capacity: number;
  storage: Storage;
  filled: number;
  seen: number;
  rng: number[];
  experience: number[];
  row: number[];
  label: number[];
  task: number[];
  /** Samples seen per class, [task, label, count] (class-balanced storage). */
  classSeen: [number, number, number][];
}

export class ReplayMemory {
  readonly capacity: number;
  readonly storage: Storage;
  /** Slots holding a sample: 0 … filled − 1. */
  filled = 0;
  /** Samples offered so far (Algorithm R's t). */
  seen = 0;
  /** Per slot: the experience index, the dataset row, the label and the task id of its sample. */
  readonly experience: Int32Array;
  readonly row: Int32Array;
  readonly label: Int32Array;
  readonly task: Int32Array;
  private readonly rng: Generator;
  private classSeen = new Map<string, number>();

  constructor(capacity: number, storage: Storage, seed: number) {
    this.capacity = capacity;
    this.storage = storage;
    this.rng = new Generator(seed);
    this.experience = new Int32Array(capacity);
    this.row = new Int32Array(capacity);
    this.label = new Int32Array(capacity);
    this.task = new Int32Array(capacity);
  }

  /**
   * Offers the samples `rows` of experience `experience` (task `task`, labels `labelOf(row)`), in order.
   * Returns, per sample, the slot it was written to, or −1; when two samples of one call land in the
   * same slot, only the later keeps it (the earlier gets −1): the slots returned are distinct, the
   * writes can run in parallel.
   */
  offer(experience: number, task: number, rows: ArrayLike<number>, labelOf: (row: number) => number): Int32Array {
    const slots = new Int32Array(rows.length).fill(-1);
    const writer = new Map<number, number>();
    for (let j = 0; j < rows.length; j++) {
      const row = rows[j]!;
      const label = labelOf(row);
      const slot = this.storage === 'reservoir' ? this.reservoirSlot() : this.classBalancedSlot(task, label);
      if (slot < 0) continue;
      const earlier = writer.get(slot);
      if (earlier !== undefined) slots[earlier] = -1;
      writer.set(slot, j);
      slots[j] = slot;
      this.experience[slot] = experience;
      this.row[slot] = row;
      this.label[slot] = label;
      this.task[slot] = task;
    }
    return slots;
  }

  /** Algorithm R: the next free slot, else j ~ U[0, t) kept when j < capacity. */
  private reservoirSlot(): number {
    this.seen++;
    if (this.filled < this.capacity) return this.filled++;
    const j = this.rng.int(this.seen);
    return j < this.capacity ? j : -1;
  }

  /** CBRS (see the header). */
  private classBalancedSlot(task: number, label: number): number {
    this.seen++;
    const key = classKey(task, label);
    const nc = (this.classSeen.get(key) ?? 0) + 1;
    this.classSeen.set(key, nc);
    if (this.filled < this.capacity) return this.filled++;
    const counts = this.classCounts();
    const largest = Math.max(...counts.values());
    const own = counts.get(key) ?? 0;
    if (own < largest) {
      const victim = [...counts.entries()].find(([, n]) => n === largest)![0];
      return this.nthSlotOf(victim, this.rng.int(largest));
    }
    const j = this.rng.int(nc);
    return j < own ? this.nthSlotOf(key, j) : -1;
  }

  /** Slots per class, classes in the order of the slots' first appearance. */
  private classCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (let s = 0; s < this.filled; s++) {
      const k = classKey(this.task[s]!, this.label[s]!);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return counts;
  }

  private nthSlotOf(key: string, n: number): number {
    for (let s = 0, seen = 0; s < this.filled; s++) {
      if (classKey(this.task[s]!, this.label[s]!) === key && seen++ === n) return s;
    }
    throw new Error(`ReplayMemory: class ${key} has no slot ${n} (internal error)`);
  }

  /** The filled slots holding samples of experiences before `experience` (all filled slots for Infinity), in slot order. */
  slotsBefore(experience: number): Int32Array {
    const all = Int32Array.from({ length: this.filled }, (_, i) => i);
    return experience === Infinity ? all : all.filter((s) => this.experience[s]! < experience);
  }

  /** `m` distinct slots of `candidates` (default: every filled slot), uniformly (a partial Fisher–Yates shuffle). */
  draw(m: number, candidates: Int32Array = this.slotsBefore(Infinity)): Int32Array {
    const n = candidates.length;
    if (!Number.isInteger(m) || m < 0 || m > n) throw new RangeError(`ReplayMemory.draw: m must be an integer in [0, ${n}], got ${m}`);
    const pool = candidates.slice();
    for (let i = 0; i < m; i++) {
      const j = i + this.rng.int(n - i);
      const t = pool[i]!; pool[i] = pool[j]!; pool[j] = t;
    }
    return pool.slice(0, m);
  }

  record(): MemoryRecord {
    const part = (a: Int32Array) => Array.from(a.subarray(0, this.filled));
    return {
      capacity: this.capacity, storage: this.storage, filled: this.filled, seen: this.seen, rng: this.rng.getState(),
      experience: part(this.experience), row: part(this.row), label: part(this.label), task: part(this.task),
      classSeen: [...this.classSeen.entries()].map(([k, n]) => [...k.split(':').map(Number), n] as [number, number, number]),
    };
  }

  /** Restores record(); the capacity and the storage must be this memory's. */
  load(r: MemoryRecord, where: string): void {
    if (r?.capacity !== this.capacity || r.storage !== this.storage) {
      throw new RangeError(`${where}: the state is of a ${JSON.stringify(r?.storage)} buffer of ${JSON.stringify(r?.capacity)} samples, this plugin keeps a '${this.storage}' buffer of ${this.capacity}`);
    }
    const lists = [r.experience, r.row, r.label, r.task];
    if (!Number.isInteger(r.filled) || r.filled < 0 || r.filled > this.capacity || !lists.every((a) => Array.isArray(a) && a.length === r.filled)) {
      throw new RangeError(`${where}: the state's slot lists do not hold ${JSON.stringify(r.filled)} samples`);
    }
    this.filled = r.filled;
    this.seen = r.seen;
    this.rng.setState(r.rng);
    this.experience.set(r.experience);
    this.row.set(r.row);
    this.label.set(r.label);
    this.task.set(r.task);
    this.classSeen = new Map(r.classSeen.map(([t, l, n]) => [classKey(t, l), n]));
  }
}

function classKey(task: number, label: number): string {
  return `${task}:${label}`;
}
