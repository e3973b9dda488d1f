import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadModuleTree, moduleNameOfFile, parseModulesDep, planModuleLoad} from '../../src/capture/kernel-modules.js'
import {moduleInfo} from '../../src/capture/elf.js'
import {InputError} from '../../src/util/errors.js'
import {fakeModule} from './elf-fixture.js'
import {hasTool} from './host-tools.js'

/** Writes a module tree: rel path → depends list; compressed with the given suffix's tool. */
function makeTree(mods: Record<string, string[]>, opts: {builtin?: string[]; dep?: string} = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'modtree-'))
  for (const [rel, deps] of Object.entries(mods)) {
    const path = join(dir, rel)
    mkdirSync(dirname(path), {recursive: true})
    const name = moduleNameOfFile(rel) ?? 'x'
    const image = fakeModule(name, deps)
    if (rel.endsWith('.ko')) writeFileSync(path, image)
    else if (rel.endsWith('.ko.xz')) writeFileSync(path, execFileSync('xz', ['-c'], {input: image}))
    else if (rel.endsWith('.ko.zst')) writeFileSync(path, execFileSync('zstd', ['-c', '-q'], {input: image}))
  }
  writeFileSync(join(dir, 'modules.builtin'), (opts.builtin ?? []).map((b) => `${b}\n`).join(''))
  if (opts.dep !== undefined) writeFileSync(join(dir, 'modules.dep'), opts.dep)
  return dir
}

describe('module names', () => {
  it('strips every module suffix and treats - like _', () => {
    expect(moduleNameOfFile('kernel/drivers/char/hw_random/virtio-rng.ko.xz')).toBe('virtio_rng')
    expect(moduleNameOfFile('virtio_pci.ko.zst')).toBe('virtio_pci')
    expect(moduleNameOfFile('a.ko')).toBe('a')
    expect(moduleNameOfFile('README')).toBeUndefined()
  })
})

describe('.modinfo', () => {
  it('reads depends= from a module image', () => {
    expect(moduleInfo(fakeModule('virtio_net', ['virtio', 'net_failover'])).get('depends')).toEqual(['virtio,net_failover'])
  })
})

describe('modules.dep', () => {
  it('parses module paths and their dependencies', () => {
    const dep = parseModulesDep(['kernel/a/virtio_pci.ko.xz: kernel/v/virtio_ring.ko.xz kernel/v/virtio.ko.xz', 'kernel/v/virtio.ko.xz:', ''], 'modules.dep')
    expect(dep.get('virtio_pci')).toEqual(['virtio_ring', 'virtio'])
    expect(dep.get('virtio')).toEqual([])
  })

  it('reports a malformed line with file:line', () => {
    expect(() => parseModulesDep(['kernel/a.ko: b.ko', 'garbage'], 'modules.dep')).toThrow(/modules\.dep:2:/)
  })
})

describe('load plan', () => {
  const debianLike = {
    'kernel/drivers/virtio/virtio.ko': [],
    'kernel/drivers/virtio/virtio_ring.ko': [],
    'kernel/drivers/virtio/virtio_pci_modern_dev.ko': [],
    'kernel/drivers/virtio/virtio_pci_legacy_dev.ko': [],
    'kernel/drivers/virtio/virtio_pci.ko': ['virtio_ring', 'virtio_pci_modern_dev', 'virtio_pci_legacy_dev', 'virtio'],
    'kernel/net/core/failover.ko': [],
    'kernel/drivers/net/net_failover.ko': ['failover'],
    'kernel/drivers/net/virtio_net.ko': ['virtio_ring', 'virtio', 'net_failover'],
    'kernel/drivers/char/hw_random/virtio-rng.ko': ['virtio', 'virtio_ring', 'rng_core'],
  }

  it('loads dependencies first, each once, from .modinfo when there is no modules.dep', async () => {
    const tree = await loadModuleTree(makeTree(debianLike, {builtin: ['kernel/drivers/char/hw_random/rng-core.ko']}))
    const plan = await planModuleLoad(tree, ['virtio_pci', 'virtio_net', 'virtio-rng'])
    const order = plan.load.map((m) => m.name)
    expect(order).toEqual(['virtio_ring', 'virtio_pci_modern_dev', 'virtio_pci_legacy_dev', 'virtio', 'virtio_pci', 'failover', 'net_failover', 'virtio_net', 'virtio_rng'])
    expect(plan.builtin).toEqual(['rng_core'])
    expect(plan.missing).toEqual([])
  })

  it('skips built-in drivers and reports wanted drivers that do not exist', async () => {
    const tree = await loadModuleTree(makeTree({'kernel/drivers/char/hw_random/virtio-rng.ko': ['virtio']}, {builtin: ['kernel/drivers/virtio/virtio.ko', 'kernel/drivers/virtio/virtio_pci.ko']}))
    const plan = await planModuleLoad(tree, ['virtio_pci', 'virtio_rng', 'virtio_scsi'])
    expect(plan.load.map((m) => m.name)).toEqual(['virtio_rng'])
    expect(plan.builtin).toEqual(['virtio_pci', 'virtio'])
    expect(plan.missing).toEqual(['virtio_scsi'])
  })

  it('prefers modules.dep over .modinfo when depmod has run', async () => {
    const dir = makeTree({'kernel/a.ko': [], 'kernel/b.ko': ['a'], 'kernel/c.ko': []}, {dep: 'kernel/b.ko: kernel/c.ko\nkernel/a.ko:\nkernel/c.ko:\n'})
    const plan = await planModuleLoad(await loadModuleTree(dir), ['b'])
    expect(plan.load.map((m) => m.name)).toEqual(['c', 'b'])
  })

  it('fails clearly when a dependency exists nowhere', async () => {
    const tree = await loadModuleTree(makeTree({'kernel/virtio_scsi.ko': ['scsi_mod']}))
    await expect(planModuleLoad(tree, ['virtio_scsi'])).rejects.toThrow(/virtio_scsi needs scsi_mod/)
  })

  it('fails clearly on a dependency cycle', async () => {
    const tree = await loadModuleTree(makeTree({'kernel/a.ko': ['b'], 'kernel/b.ko': ['a']}))
    await expect(planModuleLoad(tree, ['a'])).rejects.toBeInstanceOf(InputError)
  })

  it('rejects a module directory that does not exist', async () => {
    await expect(loadModuleTree('/nonexistent/lib/modules/x')).rejects.toThrow(/module directory not found/)
  })

  it.runIf(hasTool('xz') && hasTool('zstd'))('decompresses .ko.xz and .ko.zst images to plain ELF', async () => {
    const tree = await loadModuleTree(makeTree({'kernel/v/virtio.ko.xz': [], 'kernel/v/virtio_pci.ko.zst': ['virtio']}))
    const plan = await planModuleLoad(tree, ['virtio_pci'])
    expect(plan.load.map((m) => [m.name, m.file])).toEqual([['virtio', 'kernel/v/virtio.ko.xz'], ['virtio_pci', 'kernel/v/virtio_pci.ko.zst']])
    for (const m of plan.load) expect(m.image.readUInt32BE(0)).toBe(0x7f454c46)
  })
})
