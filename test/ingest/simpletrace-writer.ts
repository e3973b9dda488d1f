/**
 * Writes simpletrace v4 files the way QEMU's trace/simple.c does (little-endian x86 host):
 * header {u64 ~0, u64 magic, u64 version}; mapping records {u64 type 0, u64 id, u32 len, name};
 * event records {u64 type 1, u64 id, u64 timestamp_ns, u32 length (24 + args), u32 pid, args}
 * with u64 args and strings as u32 length + bytes (the UTF-8 of a C string); the dropped record
 * uses id ~0 - 1.
 */
export type Arg = bigint | number | string

export class SimpletraceWriter {
  private readonly parts: Buffer[] = []
  /** Bytes written so far. */
  byteLength = 0

  private add(...bufs: Buffer[]): void {
    for (const b of bufs) {
      this.parts.push(b)
      this.byteLength += b.length
    }
  }

  header(version = 4n, magic = 0xf2b177cb0aa429b4n): this {
    const b = Buffer.alloc(24)
    b.writeBigUInt64LE(0xffffffffffffffffn, 0)
    b.writeBigUInt64LE(magic, 8)
    b.writeBigUInt64LE(version, 16)
    this.add(b)
    return this
  }

  mapping(id: number | bigint, name: string): this {
    const n = Buffer.from(name, 'utf8')
    const b = Buffer.alloc(20)
    b.writeBigUInt64LE(0n, 0)
    b.writeBigUInt64LE(BigInt(id), 8)
    b.writeUInt32LE(n.length, 16)
    this.add(b, n)
    return this
  }

  event(id: number | bigint, timestampNs: bigint, args: Arg[], pid = 4242): this {
    const payload = Buffer.concat(
      args.map((a) => {
        if (typeof a === 'string') {
          const s = Buffer.from(a, 'utf8')
          const len = Buffer.alloc(4)
          len.writeUInt32LE(s.length)
          return Buffer.concat([len, s])
        }
        const v = Buffer.alloc(8)
        // Signed ints are stored sign-extended, as a cast to uint64_t does.
        v.writeBigUInt64LE(BigInt.asUintN(64, BigInt(a)))
        return v
      }),
    )
    const b = Buffer.alloc(32)
    b.writeBigUInt64LE(1n, 0)
    b.writeBigUInt64LE(BigInt(id), 8)
    b.writeBigUInt64LE(timestampNs, 16)
    b.writeUInt32LE(24 + payload.length, 24)
    b.writeUInt32LE(pid, 28)
    this.add(b, payload)
    return this
  }

  dropped(count: number, timestampNs: bigint): this {
    return this.event(0xfffffffffffffffen, timestampNs, [count])
  }

  raw(bytes: Buffer): this {
    this.add(bytes)
    return this
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts)
  }
}
