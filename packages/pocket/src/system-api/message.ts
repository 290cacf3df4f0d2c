/**
 * Message arguments, caller, reply and reject, and ingress inspection
 * (IC interface spec § Method arguments, § Responding, § Ingress message inspection).
 */
import { HELP, traps } from '../errors.js';
import type { ExecutionContext } from './context.js';
import { copyToCanister, decodeUtf8, readFromCanister, utf8 } from './memory-access.js';

const EMPTY = new Uint8Array();

export function messageImports(ctx: () => ExecutionContext) {
  return {
    msg_arg_data_size: () => ctx().arg?.length ?? 0,
    msg_arg_data_copy: (dst: number, offset: number, size: number) => {
      const c = ctx();
      copyToCanister(c, 'ic0.msg_arg_data_copy', 'payload', c.arg ?? EMPTY, dst, offset, size);
    },
    msg_caller_size: () => ctx().caller.length,
    msg_caller_copy: (dst: number, offset: number, size: number) => {
      const c = ctx();
      copyToCanister(c, 'ic0.msg_caller_copy', 'id', c.caller, dst, offset, size);
    },
    // Caller info is only non-empty for callers authenticated by canister signatures.
    msg_caller_info_data_size: () => 0,
    msg_caller_info_data_copy: (dst: number, offset: number, size: number) => copyToCanister(ctx(), 'ic0.msg_caller_info_data_copy', 'data', EMPTY, dst, offset, size),
    msg_caller_info_signer_size: () => 0,
    msg_caller_info_signer_copy: (dst: number, offset: number, size: number) => copyToCanister(ctx(), 'ic0.msg_caller_info_signer_copy', 'id', EMPTY, dst, offset, size),
    msg_reject_code: () => ctx().rejectCode,
    msg_reject_msg_size: () => {
      const c = ctx();
      if (c.rejectMessage === undefined) throw traps.toolchain('ic0.msg_reject_msg_size: no reject message is available');
      return utf8.encode(c.rejectMessage).length;
    },
    msg_reject_msg_copy: (dst: number, offset: number, size: number) => {
      const c = ctx();
      if (c.rejectMessage === undefined) throw traps.toolchain('ic0.msg_reject_msg_copy: no reject message is available');
      copyToCanister(c, 'ic0.msg_reject_msg_copy', 'msg', utf8.encode(c.rejectMessage), dst, offset, size);
    },
    msg_deadline: () => ctx().deadline,
    msg_reply_data_append: (src: number, size: number) => {
      const c = ctx();
      if (!c.canRespond || c.response) throw traps.toolchain('ic0.msg_reply_data_append: the call is already replied.');
      const data = readFromCanister(c, 'msg.reply', src, size);
      if (c.replySize + data.length > c.maxReplySize) {
        throw traps.contract(`ic0.msg_reply_data_append: application payload size (${c.replySize + data.length}) cannot be larger than ${c.maxReplySize}.`, HELP.replyTooLarge);
      }
      c.replyParts.push(data);
      c.replySize += data.length;
    },
    msg_reply: () => {
      const c = ctx();
      if (!c.canRespond || c.response) throw traps.toolchain('ic0.msg_reply: the call is already replied');
      const data = new Uint8Array(c.replySize);
      let at = 0;
      for (const part of c.replyParts) {
        data.set(part, at);
        at += part.length;
      }
      c.response = { kind: 'reply', data };
    },
    msg_reject: (src: number, size: number) => {
      const c = ctx();
      if (!c.canRespond || c.response) throw traps.toolchain('ic0.msg_reject: the call is already replied');
      if ((size >>> 0) > c.maxReplySize) {
        throw traps.contract(`ic0.msg_reject: application payload size (${size >>> 0}) cannot be larger than ${c.maxReplySize}.`, HELP.rejectTooLarge);
      }
      const message = decodeUtf8(readFromCanister(c, 'ic0.msg_reject', src, size));
      if (message === undefined) throw traps.toolchain('ic0.msg_reject: invalid UTF-8 string provided');
      c.response = { kind: 'reject', message };
      c.replyParts = [];
      c.replySize = 0;
    },
    msg_method_name_size: () => utf8.encode(ctx().methodName ?? '').length,
    msg_method_name_copy: (dst: number, offset: number, size: number) => {
      const c = ctx();
      copyToCanister(c, 'ic0.msg_method_name_copy', 'payload', utf8.encode(c.methodName ?? ''), dst, offset, size);
    },
    accept_message: () => {
      const c = ctx();
      if (c.messageAccepted) throw traps.toolchain('ic0.accept_message: the function was already called.');
      c.messageAccepted = true;
    },
  };
}
