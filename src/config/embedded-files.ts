// Where the single executable puts the files it carries that must exist on disk (the BPF
// object, the native addons): a root-only directory inside the state directory, so an
// installed sensor writes nowhere else.
import { join } from 'node:path';
import { embeddedFile } from './sea-assets';
import { defaultStateDir } from './state-dir';

export function embeddedFilesDir(): string {
  return join(defaultStateDir(), 'runtime');
}

/** The checked on-disk copy of the carried file `name`, or null outside a single executable. */
export function embeddedFilePath(name: string): string | null {
  return embeddedFile(name, embeddedFilesDir());
}

/** Loads a native addon from a file, the way require() loads a .node file. */
export function loadAddonFile(file: string): unknown {
  const mod = { exports: {} };
  process.dlopen(mod, file);
  return mod.exports;
}

/**
 * The native addon carried as `name`, checked and loaded: the release build puts this where
 * koffi and better-sqlite3 would look their addons up in node_modules.
 */
export function loadEmbeddedAddon(name: string): unknown {
  const file = embeddedFilePath(name);
  if (!file) throw new Error(`native addon ${name} is only carried by the single executable`);
  return loadAddonFile(file);
}
