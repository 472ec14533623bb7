// The answer of a tier's cheap check, for `packettrail doctor` and `--source auto`: whether
// the tier can run on this machine, and a sentence saying why (or why not).
export interface ProbeResult {
  readonly works: boolean;
  readonly reason: string;
}
