/**
 * Whether virtio_pci is built in, from the real Debian kernels of scripts/setup-qemu.sh (virtio_pci
 * is a module in all of them): from config-<release> next to the image, and from the image alone
 * (decompressed: no built-in `virtio_pci.force_legacy` parameter). capture refuses such a kernel
 * without its modules, before booting anything.
 */
import {copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {bzImageRelease, checkTransportBuiltIn} from '../../src/capture/builtin-drivers.js'
import {kernelCacheDir} from '../../src/capture/kernel-source.js'
import Capture from '../../src/commands/capture.js'
import {isCi} from '../../src/golden/update-mode.js'
import {runCli} from '../helpers/run-cli.js'
import {hasTool} from './host-tools.js'

const boot = join(kernelCacheDir(), '6.1', 'boot')
const image = (() => {
  try {
    return readdirSync(boot).find((f) => f.startsWith('vmlinuz-'))
  } catch {
    return undefined
  }
})()
const ok = image !== undefined && hasTool('xz')
if (!ok && !isCi()) console.warn('\n*** NOTICE: skipping built-in driver checks: no Debian 6.1 kernel (run scripts/setup-qemu.sh)\n')
const work = mkdtempSync(join(tmpdir(), 'probediff-builtin-'))
afterAll(() => rmSync(work, {recursive: true, force: true}))

describe.skipIf(!ok && !isCi())('is virtio_pci built in?', () => {
  it('reads the release from the bzImage header', () => {
    expect(bzImageRelease(readFileSync(join(boot, image!)))).toBe(image!.replace(/^vmlinuz-/, ''))
    expect(bzImageRelease(Buffer.from('not a kernel'))).toBeUndefined()
  })

  it("Debian's config next to the image: CONFIG_VIRTIO_PCI=m, with the transport's modular options", () => {
    const c = checkTransportBuiltIn(join(boot, image!))
    expect(c.verdict).toBe('modular')
    expect(c.evidence).toBe(`CONFIG_VIRTIO_PCI=m in ${join(boot, image!.replace('vmlinuz-', 'config-'))}`)
    expect(c.modular).toEqual(['CONFIG_VIRTIO', 'CONFIG_VIRTIO_PCI_LIB', 'CONFIG_VIRTIO_PCI_LIB_LEGACY', 'CONFIG_VIRTIO_PCI'])
  })

  it('the image alone, decompressed, has no built-in virtio_pci parameter', () => {
    const alone = join(work, image!)
    copyFileSync(join(boot, image!), alone)
    const c = checkTransportBuiltIn(alone)
    expect(c).toMatchObject({verdict: 'modular', evidence: `${alone} lacks the built-in parameter virtio_pci.force_legacy`})
  })

  it('a config that builds it in says so; one without it says the kernel has none', () => {
    const rel = image!.replace(/^vmlinuz-/, '')
    const fake = join(work, 'cfg-image')
    copyFileSync(join(boot, image!), fake)
    writeFileSync(join(work, `config-${rel}`), 'CONFIG_VIRTIO=y\nCONFIG_VIRTIO_PCI=y\n')
    expect(checkTransportBuiltIn(fake).verdict).toBe('built-in')
    writeFileSync(join(work, `config-${rel}`), '# CONFIG_VIRTIO_PCI is not set\nCONFIG_PCI=y\n')
    expect(checkTransportBuiltIn(fake).verdict).toBe('absent')
    rmSync(join(work, `config-${rel}`))
  })

  it('capture --vmlinuz IMAGE of a modular kernel without --modules exits 2 naming what is missing', async () => {
    const alone = join(work, 'alone', image!)
    mkdirSync(join(work, 'alone'), {recursive: true})
    copyFileSync(join(boot, image!), alone)
    copyFileSync(join(boot, image!.replace('vmlinuz-', 'config-')), join(work, 'alone', image!.replace('vmlinuz-', 'config-')))
    const run = await runCli(Capture, ['builtin-check', '--vmlinuz', alone, '--root', work, '--', '-device', 'virtio-rng-pci'])
    expect(run.exitCode, run.stdout + run.stderr).toBe(2)
    expect(run.stderr).toContain('virtio_pci is a module in this kernel (CONFIG_VIRTIO_PCI=m in ')
    expect(run.stderr).toContain('(modules: CONFIG_VIRTIO, CONFIG_VIRTIO_PCI_LIB, CONFIG_VIRTIO_PCI_LIB_LEGACY, CONFIG_VIRTIO_PCI)')
    expect(run.stderr).toContain('give --modules DIR')
  })
})
