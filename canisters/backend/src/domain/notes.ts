/** The dapp's own state: notes its owner writes, kept in stable memory to show state surviving upgrades. */

export const MAX_NOTE_CHARS = 2000;

export function noteProblem(text: string): string | undefined {
  if (text.trim().length === 0) return 'a note cannot be empty';
  if (text.length > MAX_NOTE_CHARS) return `a note has at most ${MAX_NOTE_CHARS} characters, this one has ${text.length}`;
  return undefined;
}
