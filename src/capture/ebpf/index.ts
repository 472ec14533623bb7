// The ebpf capture tier, the most complete one: CO-RE programs loaded through libbpf.
export { createEbpfSource, type EbpfSourceOptions } from './source';
export { probeEbpf } from './probe';
export type { ProbeResult } from '../probe';
export { RecordDecoder, decodeOne, type DecodedEvent } from './decode-record';
export { defaultBpfObjectPath } from './object-path';
