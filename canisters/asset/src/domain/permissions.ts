/**
 * Who may change the assets: the DFINITY asset canister's three permissions. `Prepare` creates
 * batches and uploads chunks; `Commit` also commits and changes assets directly;
 * `ManagePermissions` grants and revokes. Controllers may do everything (README § Permissions).
 */

export type Permission = 'Commit' | 'Prepare' | 'ManagePermissions';
export const PERMISSIONS: Permission[] = ['Commit', 'Prepare', 'ManagePermissions'];

/** Principals (as text) holding each permission, sorted. */
export type PermissionLists = Record<Permission, string[]>;

export const ANONYMOUS = '2vxsx-fae';

export const noPermissions = (): PermissionLists => ({ Commit: [], Prepare: [], ManagePermissions: [] });

export const holds = (lists: PermissionLists, principal: string, permission: Permission) => lists[permission].includes(principal);

/** Whether `caller` may do what needs `permission` (`Commit` implies `Prepare`). */
export function may(lists: PermissionLists, caller: string, isController: boolean, permission: Permission): boolean {
  if (isController) return true;
  if (holds(lists, caller, permission)) return true;
  return permission === 'Prepare' && holds(lists, caller, 'Commit');
}

/** Whether `caller` may revoke `permission` from `target`: anyone their own, managers anybody's. */
export function mayRevoke(lists: PermissionLists, caller: string, isController: boolean, target: string, permission: Permission): boolean {
  if (isController) return true;
  if (caller === target && holds(lists, caller, permission)) return true;
  return holds(lists, caller, 'ManagePermissions');
}

export function grant(lists: PermissionLists, principal: string, permission: Permission): PermissionLists {
  if (holds(lists, principal, permission)) return lists;
  return { ...lists, [permission]: [...lists[permission], principal].sort() };
}

export function revoke(lists: PermissionLists, principal: string, permission: Permission): PermissionLists {
  return { ...lists, [permission]: lists[permission].filter((p) => p !== principal) };
}
