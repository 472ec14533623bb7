// The messages between the store sink (the sensor's thread) and its writer thread.
import type { EncodedBatch } from './batch-codec';
import type { RetentionLimits } from './retention';

/** Offsets of the counts the writer keeps in shared memory (a Float64Array). */
export const COUNTS = { written: 0, dropped: 1, errors: 2, pruned: 3 } as const;
export const COUNT_SLOTS = 4;

export interface WriterData {
  readonly path: string;
  readonly retention: RetentionLimits;
  /** SharedArrayBuffer of COUNT_SLOTS doubles. */
  readonly counts: SharedArrayBuffer;
}

export type ToWriter =
  | { readonly type: 'batch'; readonly batch: EncodedBatch }
  | { readonly type: 'sync'; readonly seq: number }
  | { readonly type: 'retain'; readonly nowUs: number }
  /** `done`: two int32s, a flag set to 1 when finished and the rows deleted. */
  | { readonly type: 'retain-all'; readonly nowUs: number; readonly done: SharedArrayBuffer }
  | { readonly type: 'close' };

export type FromWriter =
  | { readonly type: 'synced'; readonly seq: number }
  | { readonly type: 'retained'; readonly more: boolean }
  | { readonly type: 'commit-failed'; readonly err: Error; readonly dropped: number }
  | { readonly type: 'recovered' }
  | { readonly type: 'retention-failed'; readonly err: Error };
