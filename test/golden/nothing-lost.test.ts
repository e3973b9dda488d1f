/**
 * Nothing lost, nothing silent: in CI nothing in golden/ is written or removed without a flag; temp
 * files of a killed run are cleaned on the next write; write errors are one line naming the file
 * (exit 2); no cases, a case without input and symlinks leading out of a case are errors naming them.
 */
import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {chmod, cp, mkdir, mkdtemp, readFile, readdir, rename, symlink, writeFile} from 'node:fs/promises'
import {existsSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gunzipSync, gzipSync} from 'node:zlib'
import {beforeEach, describe, expect, it, vi} from 'vitest'
import Check from '../../src/commands/check.js'
import GoldenAccept from '../../src/commands/golden/accept.js'
import {PROJECT_ROOT, runCli} from '../helpers/run-cli.js'
import {runShell} from '../helpers/run-cli-process.js'

// A full disk, on demand: the atomic write fails as writeFile does on ENOSPC.
const disk = vi.hoisted(() => ({full: false}))
vi.mock('../../src/util/atomic-write.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/util/atomic-write.js')>()
  return {
    ...real,
    writeFileAtomic: async (path: string, data: string | Uint8Array) => {
      if (disk.full) throw Object.assign(new Error(`ENOSPC: no space left on device, write`), {code: 'ENOSPC', syscall: 'write'})
      return real.writeFileAtomic(path, data)
    },
  }
})

const CASE = 'k6.1-pc-ivshmem'
const noCi = {CI: undefined}
let root: string

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const f of (await readdir(dir)).sort()) out[f] = createHash('sha256').update(await readFile(join(dir, f))).digest('hex')
  return out
}

/** A pid no process has: one of a child that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {encoding: 'utf8'}).stdout)
}

beforeEach(async () => {
  disk.full = false
  root = await mkdtemp(join(tmpdir(), 'probediff-lost-'))
  await cp(join(PROJECT_ROOT, 'traces', CASE), join(root, 'traces', CASE), {recursive: true})
  await mkdir(join(root, 'golden'))
  await cp(join(PROJECT_ROOT, 'golden', `${CASE}.json`), join(root, 'golden', `${CASE}.json`))
})

describe('in CI nothing in golden/ is written or removed without an explicit flag', () => {
  it('a pending .json.new of a matching case survives `check` in CI (it was deleted before)', async () => {
    await writeFile(join(root, 'golden', `${CASE}.json.new`), await readFile(join(root, 'golden', `${CASE}.json`)))
    const before = await snapshot(join(root, 'golden'))
    const ci = await runCli(Check, ['--root', root], {CI: '1'})
    expect(ci.exitCode, ci.stdout + ci.stderr).toBe(0)
    expect(await snapshot(join(root, 'golden'))).toEqual(before)
    // With the flag it is leftover and goes.
    expect((await runCli(Check, ['--root', root, '--update=new'], {CI: '1'})).exitCode).toBe(0)
    expect(existsSync(join(root, 'golden', `${CASE}.json.new`))).toBe(false)
  })

  it('a new case in CI writes no golden and fails', async () => {
    await rename(join(root, 'golden', `${CASE}.json`), join(root, 'saved.json'))
    const ci = await runCli(Check, ['--root', root], {CI: '1'})
    expect(ci.exitCode).toBe(1)
    expect(ci.stdout).toMatch(/new golden:\n {2}00:02\.0 ivshmem-plain: none\/ENODEV, 0 messages, verdict undetermined \(new\)/)
    expect(await readdir(join(root, 'golden'))).toEqual([])
  })
})

describe('temp files of a killed run', () => {
  it('are removed on the next write; those of a live process stay', async () => {
    const dead = join(root, 'golden', `.${CASE}.json.${deadPid()}.0badc0de.tmp`)
    const live = join(root, 'golden', `.${CASE}.json.${process.ppid}.0badc0de.tmp`)
    await writeFile(dead, '{"half": ')
    await writeFile(live, '{"half": ')
    // CI without a flag writes nothing, so the leftovers stay too.
    await runCli(Check, ['--root', root], {CI: '1'})
    expect(existsSync(dead)).toBe(true)
    // A golden whose header is outdated is rewritten: the write cleans up first.
    const golden = join(root, 'golden', `${CASE}.json`)
    await writeFile(golden, (await readFile(golden, 'utf8')).replace(/"probediff": "[^"]*"/, '"probediff": "0.0.0"'))
    const run = await runCli(Check, ['--root', root, '--update=new'], noCi)
    expect(run.stdout).toContain('header refreshed')
    expect(existsSync(dead)).toBe(false)
    expect(existsSync(live)).toBe(true)
  })
})

describe('write errors are one line with the path, exit 2', () => {
  it('ENOSPC while writing a golden', async () => {
    const golden = join(root, 'golden', `${CASE}.json`)
    await writeFile(golden, (await readFile(golden, 'utf8')).replace(/"probediff": "[^"]*"/, '"probediff": "0.0.0"'))
    disk.full = true
    const r = await runCli(Check, ['--root', root, '--update=all'], noCi)
    expect(r.exitCode).toBe(2)
    expect(r.stderr.trim()).toBe(`probediff: ${golden}: cannot write ${CASE}.json: ENOSPC (write)`)
  })

  it('EACCES: golden/ not writable (run as an unprivileged user when root)', async () => {
    const golden = join(root, 'golden')
    await writeFile(join(golden, `${CASE}.json`), (await readFile(join(golden, `${CASE}.json`), 'utf8')).replace(/"probediff": "[^"]*"/, '"probediff": "0.0.0"'))
    await writeFile(join(golden, `${CASE}.json.new`), await readFile(join(golden, `${CASE}.json`)))
    await chmod(root, 0o755)
    await chmod(golden, 0o555)
    const asUser = process.getuid?.() === 0 ? `HOME=${root} setpriv --reuid=65534 --regid=65534 --clear-groups ` : ''
    const check = await runShell(`${asUser}$PROBEDIFF check --root ${root} --update=all`)
    expect(check.exitCode, check.stdout + check.stderr).toBe(2)
    expect(check.stderr).toMatch(new RegExp(`^probediff: ${golden}/${CASE}\\.json: cannot write ${CASE}\\.json: EACCES \\(open\\)\\n$`))
    const accept = await runShell(`${asUser}$PROBEDIFF golden accept ${CASE} --root ${root}`)
    expect(accept.exitCode).toBe(2)
    expect(accept.stderr).toMatch(new RegExp(`^probediff: ${golden}/${CASE}\\.json: cannot write ${CASE}\\.json: EACCES \\(rename\\)\\n$`))
    await chmod(golden, 0o755)
  })

  it('a --junit file that cannot be written', async () => {
    const r = await runCli(Check, ['--root', root, '--junit', '/proc/junit.xml'], {CI: '1'})
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toBe('probediff: /proc/junit.xml: cannot write junit.xml: ENOENT (open)\n')
  })

  it('golden accept of a pending file onto a golden that is a directory', async () => {
    await writeFile(join(root, 'golden', `${CASE}.json.new`), await readFile(join(root, 'golden', `${CASE}.json`)))
    await rename(join(root, 'golden', `${CASE}.json`), join(root, 'saved.json'))
    await mkdir(join(root, 'golden', `${CASE}.json`, 'x'), {recursive: true})
    const r = await runCli(GoldenAccept, [CASE, '--root', root], noCi)
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(new RegExp(`^probediff: .*golden/${CASE}\\.json: cannot write ${CASE}\\.json: (EISDIR|ENOTEMPTY|EEXIST) \\(rename\\)\\n$`))
  })
})

describe('no cases, no input, symlinks', () => {
  it('zero cases is exit 2 naming the directory, in CI too', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'probediff-no-cases-'))
    await mkdir(join(empty, 'traces'))
    for (const env of [noCi, {CI: '1'}]) {
      const missing = await runCli(Check, ['--root', '/nonexistent'], env)
      expect(missing.exitCode).toBe(2)
      expect(missing.stderr).toBe('probediff: --root /nonexistent: no such directory\n')
      const r = await runCli(Check, ['--root', empty], env)
      expect(r.exitCode).toBe(2)
      expect(r.stderr).toMatch(new RegExp(`^probediff: ${empty}/traces: no cases found`, 'm'))
    }
  })

  it('a case with only case.json is exit 2 naming its directory', async () => {
    const dir = join(root, 'traces', 'empty-case')
    await mkdir(dir)
    await writeFile(join(dir, 'case.json'), JSON.stringify({name: 'empty-case', kind: 'fault'}))
    const r = await runCli(Check, ['--root', root, 'empty-case'], noCi)
    expect(r.exitCode).toBe(2)
    expect(r.stdout).toContain(`empty-case: error: ${dir}: case empty-case has no input files (only case.json)`)
    expect(await readdir(join(root, 'golden'))).toEqual([`${CASE}.json`])
  })

  it('a symlink inside the case is followed; one leading out of the case is refused', async () => {
    const dir = join(root, 'traces', CASE)
    await mkdir(join(dir, 'data'))
    await rename(join(dir, 'trace.log.gz'), join(dir, 'data', 'trace.log.gz'))
    await symlink('data/trace.log.gz', join(dir, 'trace.log.gz'))
    const inside = await runCli(Check, ['--root', root], {CI: '1'})
    expect(inside.exitCode, inside.stdout).toBe(0)
    expect(inside.stdout).toMatch(new RegExp(`${CASE}\\s+1\\s+match`))

    await rename(join(dir, 'data', 'trace.log.gz'), join(root, 'elsewhere.gz'))
    await rename(join(dir, 'trace.log.gz'), join(dir, 'old-link'))
    await symlink(join(root, 'elsewhere.gz'), join(dir, 'trace.log.gz'))
    const outside = await runCli(Check, ['--root', root], {CI: '1'})
    expect(outside.exitCode).toBe(2)
    expect(outside.stdout).toContain(`${CASE}: error: ${dir}/trace.log.gz: case input is a symlink to ${root}/elsewhere.gz, outside the case directory`)
  })
})

describe('done when: unrelated lines added to a trace keep the case matching', () => {
  it('a QEMU warning line at the top of a real trace: match, "inputs changed, outcome same"', async () => {
    const name = 'k6.1-pc-legacy-only'
    await cp(join(PROJECT_ROOT, 'traces', name), join(root, 'traces', name), {recursive: true})
    await cp(join(PROJECT_ROOT, 'golden', `${name}.json`), join(root, 'golden', `${name}.json`))
    const trace = join(root, 'traces', name, 'trace.log.gz')
    const warning = "qemu-system-x86_64: warning: host doesn't support requested feature: CPUID.80000001H:ECX.svm [bit 2]\n"
    await writeFile(trace, gzipSync(Buffer.concat([Buffer.from(warning), gunzipSync(await readFile(trace))])))
    const r = await runCli(Check, ['--root', root, name], {CI: '1'})
    expect(r.exitCode, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(new RegExp(`${name}\\s+3\\s+match \\(inputs changed, outcome same\\)\\s+agree`))
  })
})
