/**
 * `golden review` on a real terminal (tmux): each case is shown through the pager (less), then one
 * key, no Enter, decides it. Needs tmux (.ci/run installs it); without it the test is skipped and says why.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {chmod, cp, mkdir, mkdtemp, readFile, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {isCi} from '../../src/golden/update-mode.js'
import {PROJECT_ROOT} from '../helpers/run-cli.js'
import {runShell} from '../helpers/run-cli-process.js'

const hasTmux = spawnSync('tmux', ['-V']).status === 0
// In CI tmux must be there (.ci/run installs it): the test then fails instead of skipping.
const inCi = isCi()
if (!hasTmux && !inCi) console.warn('golden-review-tty: SKIPPED: tmux is not installed (apt-get install tmux; .ci/run installs it)')

const SOCKET = `probediff-test-${process.pid}`
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], {encoding: 'utf8'})
const screen = () => tmux('capture-pane', '-p', '-t', 'review')

async function until(what: string, test: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${screen()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** A case whose accepted golden claims an older common-config size, and its pending golden from a real run. */
async function pendingCase(root: string, name: string): Promise<{golden: string; pending: string}> {
  await cp(join(PROJECT_ROOT, 'traces', name), join(root, 'traces', name), {recursive: true})
  const golden = join(root, 'golden', `${name}.json`)
  const text = await readFile(join(PROJECT_ROOT, 'golden', `${name}.json`), 'utf8')
  const older = text.replace(/"kernelLength": "(0x[0-9a-f]+)", "length": "0x1000", "mappedLength": "\1", "offset": "0x0", "ok": true, "what": "common"/g, '"kernelLength": "0x30", "length": "0x1000", "mappedLength": "0x30", "offset": "0x0", "ok": true, "what": "common"')
  expect(older).not.toBe(text)
  await writeFile(golden, older)
  return {golden, pending: `${golden}.new`}
}

afterEach(() => {
  if (hasTmux) spawnSync('tmux', ['-L', SOCKET, 'kill-server'])
})

describe.skipIf(!hasTmux && !inCi)('golden review under tmux', () => {
  it('pages each case with less, then a single key (no Enter) accepts or rejects it', async () => {
    if (!hasTmux) throw new Error('tmux is not installed, and CI is set: .ci/run installs it')
    const root = await mkdtemp(join(tmpdir(), 'probediff-review-'))
    await mkdir(join(root, 'golden'))
    const a = await pendingCase(root, 'k6.1-pc-vectors0')
    const b = await pendingCase(root, 'k6.12-pc-vectors0')
    const rejectedBefore = await readFile(b.golden, 'utf8')
    const made = await runShell(`$PROBEDIFF check --root ${root} --update=new`)
    expect(made.exitCode, made.stdout + made.stderr).toBe(1)
    expect(existsSync(a.pending) && existsSync(b.pending)).toBe(true)
    const accepted = await readFile(a.pending, 'utf8')

    const script = join(root, 'review.sh')
    const done = join(root, 'done')
    await writeFile(script, `cd ${PROJECT_ROOT}\nunset CI PAGER\nexport LESS=R\n${process.execPath} bin/run.js golden review --root ${root}\necho "exit=$?" > ${done}\nsleep 60\n`)
    await chmod(script, 0o755)
    tmux('new-session', '-d', '-s', 'review', '-x', '200', '-y', '50', `bash ${script}`)

    // Case 1: less shows the summary first; q leaves the pager, then `a` alone accepts.
    await until('the first case in less', () => screen().includes('(1/2) k6.1-pc-vectors0: pending golden change:'))
    expect(screen()).toMatch(/^ {2}00:02\.0 virtio-net-pci: modern\/0 \(same\); changed: predicted\.mappings\[common\]$/m)
    tmux('send-keys', '-t', 'review', 'q')
    await until('the prompt', () => screen().includes('k6.1-pc-vectors0: a accept, r reject, s skip, q quit (one key, no Enter)'))
    tmux('send-keys', '-t', 'review', '-l', 'a')

    // Case 2: `r` alone rejects.
    await until('the second case in less', () => screen().includes('(2/2) k6.12-pc-vectors0: pending golden change:'))
    tmux('send-keys', '-t', 'review', 'q')
    await until('the second prompt', () => screen().includes('k6.12-pc-vectors0: a accept, r reject'))
    tmux('send-keys', '-t', 'review', '-l', 'r')

    await until('review to exit', () => existsSync(done))
    expect(await readFile(done, 'utf8')).toBe('exit=0\n')
    expect(screen()).toContain('1 accepted, 1 rejected, 0 skipped, 0 left')
    expect(await readFile(a.golden, 'utf8')).toBe(accepted)
    expect(existsSync(a.pending)).toBe(false)
    expect(await readFile(b.golden, 'utf8')).toBe(rejectedBefore)
    expect(existsSync(b.pending)).toBe(false)
  }, 60_000)
})
