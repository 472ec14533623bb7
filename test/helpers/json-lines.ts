// Records a running sensor writes as JSON lines, read while it writes: a last line still being
// written does not parse yet and is left for the next read.
import fs from 'node:fs';

export function readJsonLines<T>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  const out: T[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // the line being written now; the next read has it whole
    }
  }
  return out;
}
