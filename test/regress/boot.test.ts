/**
 * `probediff regress --vmlinuz`: real boots of Debian's 6.1 kernel (scripts/setup-qemu.sh) under two
 * captures' recorded QEMU commands. Against those captures' own goldens nothing changes; with a module
 * directory that has the virtio transport but none of the device drivers, every device's DRIVER_OK
 * changes. A modular kernel without its modules, or modules without virtio_pci, is refused before
 * anything boots. Without QEMU or the kernel the boots are skipped with a notice (in CI they fail).
 */
import {spawnSync} from 'node:child_process'
import {cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {kernelCacheDir} from '../../src/capture/kernel-source.js'
import Regress from '../../src/commands/regress.js'
import {corpusPaths, listCases, readCaseMeta} from '../../src/corpus/corpus.js'
import {isCi} from '../../src/golden/update-mode.js'
import {oracleCacheDir} from '../../src/oracle/paths.js'
import {type BootRegressResult, compareClaims, replayableInvocation} from '../../src/regress/boot.js'
import {renderBootKtap} from '../../src/regress/boot-report.js'
import type {KernelClaim} from '../../src/regress/kernel-claims.js'
import {hasTool} from '../capture/host-tools.js'
import {PROJECT_ROOT, runCli} from '../helpers/run-cli.js'

const root = join(kernelCacheDir(), '6.1')
const image = (() => {
  try {
    return readdirSync(join(root, 'boot')).find((f) => f.startsWith('vmlinuz-'))
  } catch {
    return undefined
  }
})()
const release = image?.replace(/^vmlinuz-/, '')
const ready = image !== undefined && hasTool('qemu-system-x86_64') && existsSync('/bin/busybox')
if (!ready && !isCi()) console.warn('\n*** NOTICE: skipping regress --vmlinuz boots: no QEMU, busybox or Debian 6.1 kernel (run scripts/setup-qemu.sh)\n')
const work = mkdtempSync(join(tmpdir(), 'probediff-regress-boot-'))
afterAll(() => rmSync(work, {recursive: true, force: true}))

const traces = join(PROJECT_ROOT, 'traces')
const regress = (args: string[]) => runCli(Regress, ['--root', PROJECT_ROOT, ...args])
const BOOT_MS = 240_000

interface JsonBoot {
  cases: {case: string; status: string; reason?: string; devices: {bdf: string; status: string; differences: string[]; notCompared: string[]}[]}[]
  summary: {cases: number; booted: number; changed: number; undetermined: number; devices: number}
  kernel: {release: string | null}
}

describe('regress --vmlinuz without booting', () => {
  it("every shipped capture's recorded QEMU argv is one capture rebuilds word for word", async () => {
    const paths = corpusPaths(PROJECT_ROOT)
    const captures = []
    for (const name of await listCases(paths)) {
      const meta = await readCaseMeta(paths, name)
      if (meta.kind !== 'capture') continue
      captures.push(name)
      const plan = replayableInvocation(meta)
      expect('reason' in plan ? plan.reason : 'ok', name).toBe('ok')
    }
    expect(captures.length).toBeGreaterThan(20)
    const meta = await readCaseMeta(paths, captures[0]!)
    const argv = [...(meta.qemu as {argv: string[]}).argv]
    argv[argv.indexOf('-m') + 1] = 'lots'
    expect(replayableInvocation({...meta, qemu: {argv}})).toEqual({reason: expect.stringMatching(/^capture cannot rebuild its recorded QEMU argv \(word \d+: recorded "lots", rebuilt "NaN"\)$/)})
    expect(replayableInvocation({...meta, kind: 'fault'})).toEqual({reason: 'not a QEMU capture (kind fault)'})
  })

  it("boots a capture under its recorded suite's QEMU (case.json qemu.suite), and refuses a suite it cannot set up", async () => {
    const paths = corpusPaths(PROJECT_ROOT)
    const qemu10 = await readCaseMeta(paths, 'k6.12-pc-transitional-qemu10')
    expect(replayableInvocation(qemu10)).toMatchObject({qemuSuite: 'trixie'})
    const plain = replayableInvocation(await readCaseMeta(paths, 'k6.12-pc-transitional'))
    expect('qemuSuite' in plain).toBe(false)
    const bogus = {...qemu10, qemu: {...(qemu10.qemu as object), suite: 'sid'}}
    expect(replayableInvocation(bogus)).toEqual({reason: 'QEMU suite sid is not one scripts/setup-qemu.sh unpacks'})
  })

  it('compares fact by fact; a fact one side lacks is named, not compared', () => {
    const claim = (o: Partial<KernelClaim>): KernelClaim => ({bdf: '0000:00:02.0', qemuDevice: 'virtio-net-pci', transport: 'modern', acknowledged: true, driverOk: true, messages: [], ...o})
    expect(compareClaims(claim({}), claim({})).status).toBe('same')
    expect(compareClaims(claim({}), claim({transport: 'legacy', messages: ['x']}))).toMatchObject({status: 'changed', differences: ['transport: modern -> legacy', 'messages: none -> x']})
    expect(compareClaims(claim({}), claim({driverOk: null}))).toMatchObject({status: 'undetermined', notCompared: ['driverOk (the candidate does not say)']})
    expect(compareClaims(claim({transport: null}), claim({transport: null}))).toMatchObject({status: 'undetermined', notCompared: ['transport (neither side says)']})
    expect(compareClaims(claim({}), undefined).status).toBe('gone')
    expect(compareClaims(undefined, claim({})).status).toBe('new')
  })
})

describe.skipIf(!ready && !isCi())('regress --vmlinuz: Debian 6.1 booted under the recorded QEMU commands', () => {
  const vmlinuz = join(root, 'boot', image ?? 'missing')

  it('the 6.1 image against the goldens of two of its own captures: nothing changes, exit 0', {timeout: BOOT_MS}, async () => {
    const run = await regress(['--vmlinuz', vmlinuz, '--no-corpus', join(traces, 'k6.1-pc-vectors0'), join(traces, 'k6.1-pc-modern-only'), join(traces, 'fault-short-common'), '--jobs', '2', '--json'])
    expect(run.exitCode, run.stderr).toBe(0)
    const json = JSON.parse(run.stdout) as JsonBoot
    expect(json.kernel.release).toBe(release)
    expect(json.cases.map((c) => [c.case, c.status])).toEqual([['k6.1-pc-vectors0', 'ran'], ['k6.1-pc-modern-only', 'ran'], ['fault-short-common', 'skipped']])
    expect(json.summary).toMatchObject({cases: 3, booted: 2, changed: 0, undetermined: 0, devices: 5})
    for (const d of json.cases.flatMap((c) => c.devices)) expect(d).toMatchObject({status: 'same', differences: [], notCompared: []})
    // The same result as KTAP, through the kernel's own parser when scripts/ci-ktap-check.sh fetched it.
    const ktap = renderBootKtap(json as unknown as BootRegressResult)
    expect(ktap).toMatch(/^ok 3 fault-short-common # SKIP not a QEMU capture \(kind fault\)$/m)
    const kunit = join(oracleCacheDir(), 'debian', '6.1', 'kunit', 'tools', 'testing', 'kunit', 'kunit.py')
    if (existsSync(kunit)) {
      const file = join(work, 'boot.ktap')
      writeFileSync(file, ktap)
      const parsed = spawnSync('python3', [kunit, 'parse', file], {encoding: 'utf8'})
      expect(parsed.stdout).toMatch(/Ran 6 tests: passed: 5, skipped: 1/)
      expect(parsed.stdout).not.toMatch(/ERROR|errors:/)
    }
  })

  it('modules with the virtio transport but no device drivers: DRIVER_OK changes on every device, exit 1', {timeout: BOOT_MS}, async () => {
    const modules = join(work, 'transport-only', release!)
    const src = join(root, 'lib', 'modules', release!)
    mkdirSync(join(modules, 'kernel', 'drivers'), {recursive: true})
    cpSync(join(src, 'kernel', 'drivers', 'virtio'), join(modules, 'kernel', 'drivers', 'virtio'), {recursive: true})
    for (const f of ['modules.builtin', 'modules.order']) cpSync(join(src, f), join(modules, f))
    const run = await regress(['--vmlinuz', vmlinuz, '--modules', modules, '--no-corpus', join(traces, 'k6.1-pc-vectors0')])
    expect(run.exitCode, run.stderr).toBe(1)
    expect(run.stdout.replace(/\n +/g, ' ')).toMatch(/^probediff regress: 1 case, 1 booted with 6\.1\.\d+-\d+-amd64: 2 devices, 2 changed, 0 undetermined$/m)
    expect(run.stdout.replace(/\n +/g, ' ')).toContain(`k6.1-pc-vectors0: warning: driver virtio_net not found in ${modules}: its devices will get no driver`)
    expect(run.stdout).toMatch(/^k6\.1-pc-vectors0 0000:00:02\.0 virtio-net-pci: changed\n {2}driverOk: true -> false$/m)
    expect(run.stdout.split('\n').filter((l) => l.length > 80)).toEqual([])
  })

  it('a modular virtio_pci without modules, or modules without virtio_pci, is refused before any boot, naming what is missing', async () => {
    // The image with its config beside it, but no lib/modules: capture's built-in check decides.
    const alone = join(work, 'alone', 'boot')
    mkdirSync(alone, {recursive: true})
    symlinkSync(vmlinuz, join(alone, image!))
    symlinkSync(join(root, 'boot', `config-${release}`), join(alone, `config-${release}`))
    const t0 = Date.now()
    const modular = await regress(['--vmlinuz', join(alone, image!), '--no-corpus', join(traces, 'k6.1-pc-vectors0')])
    expect(modular.exitCode).toBe(2)
    expect(modular.stderr.trim()).toBe(`probediff: virtio_pci is a module in this kernel (CONFIG_VIRTIO_PCI=m in ${join(alone, `config-${release}`)}) (modules: CONFIG_VIRTIO, CONFIG_VIRTIO_PCI_LIB, CONFIG_VIRTIO_PCI_LIB_LEGACY, CONFIG_VIRTIO_PCI) and no module directory was found: give --modules DIR (lib/modules/<release> with virtio_pci.ko and its dependencies)`)
    // A module tree that has the block driver but not the transport.
    const empty = join(work, 'no-transport', release!)
    mkdirSync(join(empty, 'kernel', 'drivers', 'block'), {recursive: true})
    cpSync(join(root, 'lib', 'modules', release!, 'modules.builtin'), join(empty, 'modules.builtin'))
    cpSync(join(root, 'lib', 'modules', release!, 'kernel', 'drivers', 'block', 'virtio_blk.ko'), join(empty, 'kernel', 'drivers', 'block', 'virtio_blk.ko'))
    const noTransport = await regress(['--vmlinuz', vmlinuz, '--modules', empty, '--no-corpus', join(traces, 'k6.1-pc-vectors0')])
    expect(noTransport.exitCode).toBe(2)
    expect(noTransport.stderr.trim()).toBe(`probediff: module virtio_blk needs virtio, which is neither a file nor built in under ${empty}`)
    expect(Date.now() - t0).toBeLessThan(20_000)
    const both = await regress(['--vmlinuz', vmlinuz, '--kernel-source', work])
    expect(both.exitCode).toBe(2)
    expect(both.stderr).toContain('give exactly one of --kernel-source TREE')
  })
})
