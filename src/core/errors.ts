// Errors carry stable codes; code branches on codes, never on messages.

export type ErrorCode =
  | 'E_USAGE' // bad argument or option: exit 2
  | 'E_CONFIG' // bad configuration file or value: exit 2
  | 'E_CAPTURE' // a capture tier failed to start or died
  | 'E_SINK' // a sink failed for good
  | 'E_DECODE' // a kernel or wire record did not decode
  | 'E_IO'; // a file or socket operation failed

export class PtError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'PtError';
  }
}

export function usageError(message: string): PtError {
  return new PtError('E_USAGE', message);
}

export function configError(message: string): PtError {
  return new PtError('E_CONFIG', message);
}

/** Exit code for an error escaping to the top: 2 for bad usage or config, 1 for a runtime failure. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof PtError && (err.code === 'E_USAGE' || err.code === 'E_CONFIG')) return 2;
  return 1;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
