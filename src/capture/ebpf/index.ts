// The ebpf capture tier, the most complete one: CO-RE programs loaded through libbpf.
export { createEbpfSource, type EbpfSourceOptions } from './source';
export { probeEbpf, type ProbeResult } from './probe';
export { RecordDecoder, decodeOne, type DecodedEvent } from './decode-record';
export { defaultBpfObjectPath } from './object-path';
