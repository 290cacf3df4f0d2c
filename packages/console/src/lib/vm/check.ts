/**
 * One line of a verification as the console shows it. `verified` is only ever set by code that
 * checked a certificate against the network's root key (or a hash chain tied to one); everything
 * else is `info`, and anything that could not be checked is `failed` with its reason.
 */
export type CheckStatus = 'verified' | 'failed' | 'info' | 'pending';

export interface CheckLine {
  label: string;
  status: CheckStatus;
  detail: string;
}

export const verified = (label: string, detail: string): CheckLine => ({ label, status: 'verified', detail });
export const failed = (label: string, detail: string): CheckLine => ({ label, status: 'failed', detail });
export const info = (label: string, detail: string): CheckLine => ({ label, status: 'info', detail });

/** The first line of an error's message (agent errors are long and multi-line). */
export function reason(error: unknown): string {
  const text = (error as Error)?.message ?? String(error);
  const cert = /(Invalid certificate[^\n]*|signature verification failed[^\n]*|Certificate verification error[^\n]*)/i.exec(text)?.[1];
  if (cert) return cert.trim();
  const reject = /Reject text: (.*)/.exec(text)?.[1] ?? /Reject message: (.*)/.exec(text)?.[1];
  return (reject ?? text.split('\n').find((l) => l.trim() !== '') ?? text).trim().slice(0, 300);
}

/** Summary of a list of lines: failed if any failed, verified if all verified, else info. */
export function summarise(lines: CheckLine[]): CheckStatus {
  if (lines.some((l) => l.status === 'failed')) return 'failed';
  if (lines.some((l) => l.status === 'pending')) return 'pending';
  if (lines.length > 0 && lines.every((l) => l.status === 'verified')) return 'verified';
  return 'info';
}
