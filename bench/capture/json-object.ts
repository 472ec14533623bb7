// The sensor's ECS file, the load generator's truth log and its summary are all one JSON
// object a line; each reader starts by taking that object apart from a bad line.

export function isJsonObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The JSON object on `line`, or an Error that says what `what` (the kind of line) was instead. */
export function parseJsonObject(line: string, what: string): Record<string, unknown> | Error {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return new Error(`${what} is not JSON: ${line.slice(0, 120)}`);
  }
  return isJsonObject(v) ? v : new Error(`${what} is not an object`);
}
