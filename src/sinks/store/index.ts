// The store's surface for the rest of the program: the sink, and the readers `query` and
// `hunt` use.
export { createStoreSink, type StoreSink, type StoreSinkOptions } from './store-sink';
export { openStoreReadOnly, type StoreDb } from './open';
export { readActivity, readKnown } from './history';
export { searchConnections } from './search';
export { countBy, COUNT_BY_FIELDS, type CountByField, type CountRow } from './count-by';
export { parseAddressRange } from './ip-blob';
export { readHostMeta } from './meta';
export type { ConnectionFilter } from './filter';
