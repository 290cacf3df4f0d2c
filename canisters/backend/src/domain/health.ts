/**
 * The backend's `lineage_health` (issue 15): its configuration is loaded and well-formed, and its
 * notes are consistent (stored under their own id, numbered 0…n-1, each a valid note). The
 * manager asks it after installing a new backend and loads the pre-upgrade snapshot back if it fails.
 */
import type { DappConfig } from './config.js';
import { noteProblem } from './notes.js';

export interface StoredNote {
  key: string;
  id: bigint;
  text: string;
  author: string;
}

/** Whether a text is a principal (the shell passes Azle's `Principal.fromText` check). */
export type PrincipalCheck = (text: string) => boolean;

/**
 * Every broken invariant of the backend's state, in words; empty when it is sound.
 *
 * @example
 * backendProblems(config, [{ key: '00000000000000000000', id: 1n, text: 'x', author }], isPrincipal) // → ['note 00000000000000000000 holds id 1']
 */
export function backendProblems(config: DappConfig | undefined, notes: StoredNote[], isPrincipal: PrincipalCheck): string[] {
  const principalProblem = (name: string, text: string | undefined): string | undefined => {
    if (text === undefined) return `${name} is missing`;
    return isPrincipal(text) ? undefined : `${name} is not a principal (${text})`;
  };
  if (!config) return ['the backend has no configuration (installed without its init argument?)'];
  const problems: string[] = [];
  for (const [name, value] of [['nft', config.nft], ['manager', config.manager], ['registry', config.registry]] as const) {
    const p = principalProblem(name, value);
    if (p) problems.push(p);
  }
  if (config.asset !== undefined) {
    const p = principalProblem('asset', config.asset);
    if (p) problems.push(p);
  }
  notes.forEach((n, position) => {
    if (n.key !== n.id.toString().padStart(20, '0')) problems.push(`note ${n.key} holds id ${n.id}`);
    else if (n.id !== BigInt(position)) problems.push(`note ids are not consecutive: ${n.id} at position ${position}`);
    const text = noteProblem(n.text);
    if (text) problems.push(`note ${n.id}: ${text}`);
    const author = principalProblem(`the author of note ${n.id}`, n.author);
    if (author) problems.push(author);
  });
  return problems;
}
