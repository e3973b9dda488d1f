/**
 * capture --lspci: the initramfs carries the real lspci with every library it links and pci.ids, and
 * the console block the guest prints decodes to lspci's output byte for byte. The pciutils trees are
 * each kernel series' Debian suite, unpacked by scripts/setup-qemu.sh (bullseye's has absolute
 * symlinks, trixie's is usr-merged), and this host's installed pciutils; without any of them the tree
 * tests are skipped with a notice, except in CI, where the three suites must be there.
 */
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {describe, expect, it} from 'vitest'
import {archProfile} from '../../src/capture/arch.js'
import {runCapture} from '../../src/capture/capture.js'
import {newcArchive, readNewcArchive} from '../../src/capture/cpio.js'
import {neededLibraries, programInterpreter} from '../../src/capture/elf.js'
import {CaptureFailure} from '../../src/capture/errors.js'
import {decodeLspciOutput, LSPCI_BEGIN, LSPCI_END, lspciGuestFiles, lspciScript, type PciutilsTree, pciutilsFor} from '../../src/capture/guest-lspci.js'
import {initramfsEntries, initScript} from '../../src/capture/initramfs.js'
import {KERNEL_SERIES, kernelFromSeries} from '../../src/capture/kernel-source.js'
import {isCi} from '../../src/golden/update-mode.js'
import {UsageError} from '../../src/util/errors.js'

/** [label, tree, the kernel release whose module index the tree should hold]. */
const trees: [string, PciutilsTree, string | undefined][] = []
for (const series of [...KERNEL_SERIES, undefined]) {
  const tree = await pciutilsFor(series).catch(() => undefined)
  if (!tree) continue
  const kernel = series ? await kernelFromSeries(series).catch(() => undefined) : undefined
  trees.push([series ? `Debian pciutils for ${series}` : "this host's pciutils", tree, kernel?.modulesDir?.split('/').pop()])
}
const cachedSuites = trees.length - (trees.some(([, t]) => t.root === '/') ? 1 : 0)
// The arm64 guests' pciutils (capture --arch arm64 --lspci): scripts/setup-qemu.sh caches 6.1 and 6.12.
for (const series of ['6.1', '6.12'] as const) {
  const tree = await pciutilsFor(series, undefined, 'arm64').catch(() => undefined)
  if (!tree) continue
  const kernel = await kernelFromSeries(series, 'arm64').catch(() => undefined)
  trees.push([`Debian arm64 pciutils for ${series}`, tree, kernel?.modulesDir?.split('/').pop()])
}
if (trees.length === 0 && !isCi()) console.warn('\n*** NOTICE: skipping the lspci initramfs tests: no pciutils (run scripts/setup-qemu.sh)\n')

describe.skipIf(trees.length === 0 && !isCi())('the lspci initramfs', () => {
  it.runIf(isCi())('has the pciutils of every kernel series in CI', () => {
    expect(cachedSuites, 'scripts/setup-qemu.sh caches pciutils for 5.10, 6.1 and 6.12').toBe(KERNEL_SERIES.length)
  })

  it.each(trees)('from %s holds lspci, its program interpreter, every library it needs (recursively) and pci.ids', async (_, tree, release) => {
    const lspci = await lspciGuestFiles(tree, release)
    // buildInitramfs gzips exactly this archive.
    const archive = newcArchive(initramfsEntries(Buffer.from('\x7fELF-busybox'), [], {lspci}))
    const records = new Map(readNewcArchive(archive).map((r) => [r.name, r]))

    const binary = records.get('usr/bin/lspci')
    expect(binary).toBeDefined()
    expect((binary?.mode ?? 0) & 0o111).not.toBe(0)
    const interp = programInterpreter(binary?.data ?? Buffer.alloc(0))
    expect(interp).toMatch(tree.arch === 'arm64' ? /ld-linux-aarch64\.so\.1$/ : /ld-linux-x86-64\.so\.2$/)
    expect(records.get(interp?.replace(/^\//, '') ?? '')?.data.subarray(0, 4).toString('latin1')).toBe('\x7fELF')
    expect(lspci.libraries).toEqual(expect.arrayContaining(['libpci.so.3', 'libc.so.6']))

    // Closure: every DT_NEEDED of lspci and of every copied library is itself in the archive.
    const libDir = lspci.libDir
    expect(libDir).toBe(tree.arch === 'arm64' ? 'lib/aarch64-linux-gnu' : 'lib/x86_64-linux-gnu')
    for (const name of ['usr/bin/lspci', ...lspci.libraries.map((l) => `${libDir}/${l}`)]) {
      const record = records.get(name)
      expect(record, name).toBeDefined()
      for (const needed of neededLibraries(record?.data ?? Buffer.alloc(0))) {
        if (needed === interp?.split('/').pop()) continue
        expect(records.has(`${libDir}/${needed}`), `${name} needs ${needed}`).toBe(true)
      }
    }
    expect(records.get('usr/share/misc/pci.ids')?.data.toString('latin1')).toMatch(/^1af4\s+Red Hat, Inc\./m)
    expect(records.get('tmp')?.mode).toBe(0o041777)
    expect(records.has('bin/sed') && records.has('bin/wc')).toBe(true)
    if (release) {
      // The binary index libkmod reads for lspci -k, built by setup-qemu.sh's depmod.
      expect(lspci.moduleIndex).toEqual(expect.arrayContaining(['modules.alias.bin', 'modules.dep.bin', 'modules.builtin.bin']))
      for (const name of lspci.moduleIndex) expect(records.has(`lib/modules/${release}/${name}`), name).toBe(true)
    }
    // Every directory comes before what it holds (the kernel's unpacker needs it).
    const names = [...records.keys()]
    for (const [i, name] of names.entries()) {
      const parent = name.split('/').slice(0, -1).join('/')
      if (parent) expect(names.indexOf(parent), name).toBeLessThan(i)
    }
  })
})

describe('the lspci step of /init', () => {
  it('runs the full command after the kernel log, only when asked', () => {
    const without = initScript([])
    expect(without).not.toContain(LSPCI_BEGIN)
    const lines = initScript([], {lspci: {files: [], libDir: 'lib/x86_64-linux-gnu'}}).split('\n')
    const run = lines.findIndex((l) => l.includes('/usr/bin/lspci -vvv -xxx -nn -k -D'))
    expect(run).toBeGreaterThan(lines.indexOf('dmesg'))
    expect(run).toBeLessThan(lines.indexOf('poweroff -f'))
    expect(lspciScript('lib/x86_64-linux-gnu')[1]).toBe(`echo ${LSPCI_BEGIN}`)
  })

  const block = (body: string[]) => ['[ 1.0] noise', LSPCI_BEGIN, ...body, LSPCI_END, ''].join('\r\n')

  it("decodes lspci's stdout exactly, blank lines and tabs included, with its version and stderr", () => {
    const run = decodeLspciOutput(block([
      '@@PDLSPCI version lspci version 3.9.0',
      '@@PDLSPCI out 0000:00:02.0 Unclassified device [00ff]: Red Hat, Inc. Virtio RNG [1af4:1005]',
      '@@PDLSPCI out \tSubsystem: Red Hat, Inc. Device [1af4:0004]',
      '[    3.2] a kernel line that slipped through',
      '@@PDLSPCI out ',
      '@@PDLSPCI err lspci: Unable to load libkmod resources: error -2',
      '@@PDLSPCI end 0 3',
    ]))
    expect(run.text).toBe('0000:00:02.0 Unclassified device [00ff]: Red Hat, Inc. Virtio RNG [1af4:1005]\n\tSubsystem: Red Hat, Inc. Device [1af4:0004]\n\n')
    expect(run.version).toBe('lspci version 3.9.0')
    expect(run.stderr).toEqual(['lspci: Unable to load libkmod resources: error -2'])
  })

  it('fails the capture on a missing block, a lost line, a failed lspci or no output', () => {
    const failure = (console: string) => {
      try {
        decodeLspciOutput(console)
      } catch (error) {
        expect(error).toBeInstanceOf(CaptureFailure)
        return (error as Error).message
      }
      return 'no failure'
    }
    expect(failure('no markers at all')).toMatch(/no begin marker/)
    expect(failure(block(['@@PDLSPCI out a', '@@PDLSPCI end 0 2']))).toMatch(/1 lines decoded, the guest counted 2/)
    expect(failure(block(['@@PDLSPCI err error while loading shared libraries', '@@PDLSPCI end 127 0']))).toMatch(/exit 127/)
    expect(failure(block(['@@PDLSPCI end 0 0']))).toMatch(/printed nothing/)
    expect(failure(block(['@@PDLSPCI out a']))).toMatch(/no status line/)
  })
})

it.runIf(existsSync('/usr/bin/lspci'))("reads this host's lspci as an ELF program with an interpreter and libpci", async () => {
  const lspci = await readFile('/usr/bin/lspci')
  expect(programInterpreter(lspci)).toMatch(/^\/lib.*ld-linux-x86-64\.so\.2$/)
  expect(neededLibraries(lspci)).toContain('libpci.so.3')
})

describe('capture --lspci usage errors', () => {
  it('names the setup script when a series has no cached pciutils', async () => {
    await expect(pciutilsFor('6.1', '/nonexistent/pciutils')).rejects.toThrow(/no cached pciutils for kernel series 6\.1 .*scripts\/setup-qemu\.sh --kernels 6\.1/)
  })

  it('refuses --lspci with --initrd before anything runs', async () => {
    const attempt = runCapture({
      name: 'x', tracesDir: '/nonexistent', kernel: {vmlinuz: '/nonexistent'}, initrd: '/nonexistent', busybox: '/bin/busybox',
      machine: 'pc', accel: 'tcg', qemu: '/nonexistent/qemu', timeoutSeconds: 1, eventSet: 'cfg', extraModules: [], deviceArgs: [],
      force: false, memoryMiB: 64, lspci: {root: '/', packages: [], arch: 'amd64'}, arch: archProfile('amd64'),
    })
    await expect(attempt).rejects.toThrow(UsageError)
    await expect(attempt).rejects.toThrow(/--lspci needs the initramfs probediff builds; it excludes --initrd/)
  })
})
