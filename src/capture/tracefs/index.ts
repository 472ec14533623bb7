// The tracefs capture tier (DESIGN.md §3): tracepoints through our own tracefs instances.
export { createTracefsSource, type TracefsSourceOptions } from './tracefs-source';
export { probeTracefs, type ProbeResult } from './probe';
export { parseTraceLine, type TraceLine } from './trace-line';
export { sweepStaleInstances } from './instance';
