/** Builds tiny but well-formed ELF64 files for the capture tests (no real kernel module needed). */

export interface ElfFixture {
  /** Section name → contents. */
  readonly sections?: Readonly<Record<string, Uint8Array>>
  /** Program header types (3 = PT_INTERP). */
  readonly programTypes?: readonly number[]
}

export function buildElf(spec: ElfFixture): Buffer {
  const sections = Object.entries(spec.sections ?? {})
  const names = ['', ...sections.map(([n]) => n), '.shstrtab']
  const nameOffsets: number[] = []
  let strtab = ''
  for (const n of names) {
    nameOffsets.push(strtab.length)
    strtab += `${n}\0`
  }
  const phnum = spec.programTypes?.length ?? 0
  const phoff = 64
  let offset = phoff + phnum * 56
  const bodies: {offset: number; data: Uint8Array}[] = []
  for (const [, data] of sections) {
    bodies.push({offset, data})
    offset += data.length
  }
  const strtabBytes = Buffer.from(strtab, 'latin1')
  bodies.push({offset, data: strtabBytes})
  offset += strtabBytes.length
  const shoff = (offset + 7) & ~7
  const shnum = names.length
  const buf = Buffer.alloc(shoff + shnum * 64)
  buf.writeUInt32BE(0x7f454c46, 0)
  buf[4] = 2
  buf[5] = 1
  buf[6] = 1
  buf.writeUInt16LE(1, 0x10)
  buf.writeUInt16LE(62, 0x12)
  buf.writeUInt32LE(1, 0x14)
  buf.writeBigUInt64LE(BigInt(phnum ? phoff : 0), 0x20)
  buf.writeBigUInt64LE(BigInt(shoff), 0x28)
  buf.writeUInt16LE(64, 0x34)
  buf.writeUInt16LE(56, 0x36)
  buf.writeUInt16LE(phnum, 0x38)
  buf.writeUInt16LE(64, 0x3a)
  buf.writeUInt16LE(shnum, 0x3c)
  buf.writeUInt16LE(shnum - 1, 0x3e)
  spec.programTypes?.forEach((t, i) => buf.writeUInt32LE(t, phoff + i * 56))
  bodies.forEach((b, i) => {
    Buffer.from(b.data).copy(buf, b.offset)
    const sh = shoff + (i + 1) * 64
    buf.writeUInt32LE(nameOffsets[i + 1] ?? 0, sh)
    buf.writeUInt32LE(i === bodies.length - 1 ? 3 : 1, sh + 4)
    buf.writeBigUInt64LE(BigInt(b.offset), sh + 0x18)
    buf.writeBigUInt64LE(BigInt(b.data.length), sh + 0x20)
  })
  return buf
}

/** A kernel-module-like ELF whose .modinfo says name= and depends=. */
export function fakeModule(name: string, depends: readonly string[]): Buffer {
  const modinfo = Buffer.from(`license=GPL\0depends=${depends.join(',')}\0name=${name}\0`, 'latin1')
  return buildElf({sections: {'.text': Buffer.from([0xc3]), '.modinfo': modinfo}})
}
