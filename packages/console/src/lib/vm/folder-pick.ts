/**
 * Reading a picked folder in the browser: through `showDirectoryPicker` where the browser has it,
 * or the files of an `<input type=file webkitdirectory>` (every browser).
 */
import { relativeToPicked, type PickedFile } from './asset.js';

interface DirHandle { kind: 'directory'; name: string; values(): AsyncIterable<DirHandle | FileHandle> }
interface FileHandle { kind: 'file'; name: string; getFile(): Promise<File> }

/** The files of an `<input webkitdirectory>` selection. */
export async function filesFromInput(list: FileList): Promise<PickedFile[]> {
  return Promise.all(Array.from(list).map(async (f) => ({ path: relativeToPicked(f.webkitRelativePath || f.name), bytes: new Uint8Array(await f.arrayBuffer()) })));
}

/** Whether the browser offers the directory picker. */
export const hasDirectoryPicker = () => typeof (globalThis as { showDirectoryPicker?: unknown }).showDirectoryPicker === 'function';

/** The files under a folder the user picks with `showDirectoryPicker`. */
export async function filesFromPicker(): Promise<PickedFile[]> {
  const root = await (globalThis as unknown as { showDirectoryPicker(): Promise<DirHandle> }).showDirectoryPicker();
  const out: PickedFile[] = [];
  const walk = async (dir: DirHandle, prefix: string) => {
    for await (const entry of dir.values()) {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.kind === 'directory') await walk(entry, path);
      else out.push({ path, bytes: new Uint8Array(await (await entry.getFile()).arrayBuffer()) });
    }
  };
  await walk(root, '');
  return out;
}
