// What the sensor and the hasher thread say to each other.

/** One file to hash: the descriptor stays the sensor's (it closes it after the reply). */
export interface HashJob {
  readonly id: number;
  readonly fd: number;
  /** Bytes past which the file is not hashed (it grew since it was measured). */
  readonly maxSize: number;
  /** Pace of the reads; 0 reads as fast as the disk and the CPU go. */
  readonly bytesPerSecond: number;
  /** Epoch ms after which the thread gives the file up. */
  readonly deadlineMs: number;
}

export interface HashReply {
  readonly id: number;
  readonly outcome: 'hashed' | 'too_large' | 'timeout' | 'error';
  readonly sha256?: string | undefined;
  /** Bytes read. */
  readonly bytes: number;
}
