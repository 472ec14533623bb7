// The writable form of a readonly record, for the one function that fills it in step by step
// before it hands the finished (readonly) value out.
export type Building<T> = { -readonly [K in keyof T]: T[K] };
