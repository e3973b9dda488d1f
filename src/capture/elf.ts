/**
 * The little of ELF64 (little-endian) that capture needs: the strings of a kernel module's .modinfo
 * section (name=, depends=, ...), whether an executable is statically linked (no PT_INTERP), and for a
 * dynamically linked one its program interpreter and the libraries it needs (DT_NEEDED).
 */

export class ElfFormatError extends Error {
  override readonly name = 'ElfFormatError'
}

const PT_INTERP = 3

function checkHeader(buf: Buffer): void {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) throw new ElfFormatError('not an ELF file')
  if (buf[4] !== 2) throw new ElfFormatError('not a 64-bit ELF file')
  if (buf[5] !== 1) throw new ElfFormatError('not a little-endian ELF file')
}

/** Returns the bytes of the named section, or undefined when the file has no such section. */
export function elfSection(buf: Buffer, wanted: string): Buffer | undefined {
  checkHeader(buf)
  const shoff = Number(buf.readBigUInt64LE(0x28))
  const shentsize = buf.readUInt16LE(0x3a)
  const shnum = buf.readUInt16LE(0x3c)
  const shstrndx = buf.readUInt16LE(0x3e)
  if (shentsize < 64 || shoff + shnum * shentsize > buf.length || shstrndx >= shnum) {
    throw new ElfFormatError('section header table out of bounds')
  }
  const section = (i: number) => {
    const at = shoff + i * shentsize
    return {
      name: buf.readUInt32LE(at),
      offset: Number(buf.readBigUInt64LE(at + 0x18)),
      size: Number(buf.readBigUInt64LE(at + 0x20)),
    }
  }
  const strtab = section(shstrndx)
  for (let i = 0; i < shnum; i++) {
    const s = section(i)
    const nameStart = strtab.offset + s.name
    const nameEnd = buf.indexOf(0, nameStart)
    if (nameEnd < 0) continue
    if (buf.toString('latin1', nameStart, nameEnd) !== wanted) continue
    if (s.offset + s.size > buf.length) throw new ElfFormatError(`section ${wanted} out of bounds`)
    return buf.subarray(s.offset, s.offset + s.size)
  }
  return undefined
}

/** The key=value strings of a module's .modinfo section; a key may repeat (alias=...). */
export function moduleInfo(buf: Buffer): Map<string, string[]> {
  const section = elfSection(buf, '.modinfo')
  if (!section) throw new ElfFormatError('no .modinfo section (not a kernel module?)')
  const info = new Map<string, string[]>()
  for (const entry of section.toString('latin1').split('\0')) {
    const eq = entry.indexOf('=')
    if (eq <= 0) continue
    const key = entry.slice(0, eq)
    const values = info.get(key) ?? []
    values.push(entry.slice(eq + 1))
    info.set(key, values)
  }
  return info
}

/** e_machine: the CPU architecture the file is for (62 x86-64, 183 AArch64). */
export function elfMachine(buf: Buffer): number {
  checkHeader(buf)
  return buf.readUInt16LE(0x12)
}

/** True when the executable has no program interpreter, i.e. it runs without a dynamic loader. */
export function isStaticExecutable(buf: Buffer): boolean {
  checkHeader(buf)
  const phoff = Number(buf.readBigUInt64LE(0x20))
  const phentsize = buf.readUInt16LE(0x36)
  const phnum = buf.readUInt16LE(0x38)
  if (phentsize < 56 || phoff + phnum * phentsize > buf.length) throw new ElfFormatError('program header table out of bounds')
  for (let i = 0; i < phnum; i++) {
    if (buf.readUInt32LE(phoff + i * phentsize) === PT_INTERP) return false
  }
  return true
}

/** The program interpreter (.interp, e.g. /lib64/ld-linux-x86-64.so.2), or undefined for a static file. */
export function programInterpreter(buf: Buffer): string | undefined {
  const interp = elfSection(buf, '.interp')
  if (!interp) return undefined
  const end = interp.indexOf(0)
  return interp.toString('latin1', 0, end < 0 ? interp.length : end)
}

const DT_NULL = 0n
const DT_NEEDED = 1n
const DYN_ENTRY_SIZE = 16

/** The DT_NEEDED sonames of a shared object or executable, in order (names index .dynstr). */
export function neededLibraries(buf: Buffer): string[] {
  const dynamic = elfSection(buf, '.dynamic')
  if (!dynamic) return []
  const dynstr = elfSection(buf, '.dynstr')
  if (!dynstr) throw new ElfFormatError('.dynamic without .dynstr')
  const out: string[] = []
  for (let at = 0; at + DYN_ENTRY_SIZE <= dynamic.length; at += DYN_ENTRY_SIZE) {
    const tag = dynamic.readBigInt64LE(at)
    if (tag === DT_NULL) break
    if (tag !== DT_NEEDED) continue
    const start = Number(dynamic.readBigUInt64LE(at + 8))
    const end = dynstr.indexOf(0, start)
    if (start >= dynstr.length || end < 0) throw new ElfFormatError('DT_NEEDED name outside .dynstr')
    out.push(dynstr.toString('latin1', start, end))
  }
  return out
}
