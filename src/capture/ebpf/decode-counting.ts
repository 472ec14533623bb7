// What the ebpf source does with each ring-buffer record: decode it into the pipeline, and
// count it, as an event or as a decode error by kind.
import type { SourceStats } from '../../core/stages';
import type { DecodeErrorCounts } from '../decode-errors';
import type { DecodedEvents, RecordDecoder } from './decode-record';
import type { SampleHandler } from './ring-reader';

export function decodeCounting(decoder: RecordDecoder, events: DecodedEvents, stats: SourceStats, errors: DecodeErrorCounts): SampleHandler {
  return (bytes, view, at, len) => {
    const error = decoder.decode(bytes, view, at, len, events);
    if (error === undefined) stats.events++;
    else errors.note(error.kind, error.detail, { bytes: len });
  };
}
