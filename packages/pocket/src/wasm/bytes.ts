/** Reading and writing the Wasm binary format's primitive encodings (LEB128, names, vectors). */

export class WasmFormatError extends Error {
  override name = 'WasmFormatError';
}

export class ByteReader {
  pos: number;

  constructor(readonly bytes: Uint8Array, start = 0, readonly end = bytes.length) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  byte(): number {
    if (this.pos >= this.end) throw new WasmFormatError('unexpected end of Wasm module');
    return this.bytes[this.pos++]!;
  }

  u32(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
    throw new WasmFormatError('malformed u32 LEB128');
  }

  /**
   * Reads an unsigned LEB128 of up to 64 bits as a number (a wasm64 memarg offset); values past
   * 2^53 lose precision, which is harmless where they are used (they only ever trap).
   */
  u64(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
    throw new WasmFormatError('malformed u64 LEB128');
  }

  /** Skips a signed or unsigned LEB128 of at most `maxBytes` bytes. */
  skipLeb(maxBytes = 10): void {
    for (let i = 0; i < maxBytes; i++) {
      if ((this.byte() & 0x80) === 0) return;
    }
    throw new WasmFormatError('malformed LEB128');
  }

  /** Reads a signed LEB128 as a bigint (used for constant expressions). */
  sleb(maxBytes = 10): bigint {
    let result = 0n;
    let shift = 0n;
    let b = 0;
    for (let i = 0; i < maxBytes; i++) {
      b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) {
        if (b & 0x40) result -= 1n << shift;
        return result;
      }
    }
    throw new WasmFormatError('malformed signed LEB128');
  }

  take(n: number): Uint8Array {
    if (this.pos + n > this.end) throw new WasmFormatError('unexpected end of Wasm module');
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  name(): string {
    return new TextDecoder('utf-8', { fatal: true }).decode(this.take(this.u32()));
  }
}

export class ByteWriter {
  private chunks: Uint8Array[] = [];
  private current: number[] = [];
  private flushedLength = 0;

  get length(): number {
    return this.flushedLength + this.current.length;
  }

  byte(b: number): this {
    this.current.push(b & 0xff);
    return this;
  }

  bytes(data: Uint8Array | readonly number[]): this {
    if (data instanceof Uint8Array && data.length > 256) {
      this.flush();
      this.chunks.push(data);
      this.flushedLength += data.length;
    } else {
      for (const b of data) this.current.push(b);
    }
    return this;
  }

  u32(value: number): this {
    let rest = value >>> 0;
    do {
      let b = rest & 0x7f;
      rest >>>= 7;
      if (rest !== 0) b |= 0x80;
      this.current.push(b);
    } while (rest !== 0);
    return this;
  }

  /** Signed LEB128 of a 32-bit integer (as `i32.const` takes it). */
  i32(value: number): this {
    let rest = value | 0;
    for (;;) {
      const b = rest & 0x7f;
      rest >>= 7;
      const done = (rest === 0 && (b & 0x40) === 0) || (rest === -1 && (b & 0x40) !== 0);
      this.current.push(done ? b : b | 0x80);
      if (done) return this;
    }
  }

  name(text: string): this {
    const encoded = new TextEncoder().encode(text);
    return this.u32(encoded.length).bytes(encoded);
  }

  /** Appends `content` prefixed by its length, as sections and function bodies are framed. */
  sized(content: Uint8Array): this {
    return this.u32(content.length).bytes(content);
  }

  private flush(): void {
    if (this.current.length > 0) {
      const chunk = Uint8Array.from(this.current);
      this.chunks.push(chunk);
      this.flushedLength += chunk.length;
      this.current = [];
    }
  }

  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.flushedLength);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}
