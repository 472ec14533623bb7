// The tracefs capture tier, for kernels or hosts where eBPF cannot load: tracepoints through our own tracefs instances.
export { createTracefsSource, type TracefsSourceOptions } from './tracefs-source';
export { probeTracefs } from './probe';
export type { ProbeResult } from '../probe';
export { parseTraceLine, type TraceLine } from './trace-line';
export { sweepStaleInstances } from './instance';
