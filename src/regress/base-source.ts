/**
 * The base side of `probediff regress`: the same kernel tree at a git revision, read with git (only
 * the files the oracle reads, written into probediff's cache; the user's checkout, index and stash
 * are never touched), or another directory given with --base-source.
 */
import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {oracleCacheDir} from '../oracle/paths.js'
import {TREE_FILES} from '../oracle/recipe.js'
import {UsageError} from '../util/errors.js'

export interface BaseSource {
  /** Directory holding the base tree's files. */
  readonly dir: string
  /** How it was chosen, in words: `HEAD~1 (1a2b3c4 "subject")`, or the directory. */
  readonly description: string
  /** With git: the revision as given or defaulted, and the commit it resolved to. */
  readonly rev?: string
  readonly commit?: string
  /** Why this revision: `--base`, or the default rule (uncommitted changes -> HEAD, else HEAD~1). */
  readonly why: string
}

export interface BaseOptions {
  readonly tree: string
  readonly rev?: string
  readonly baseSource?: string
}

function git(tree: string, args: string[], input?: string): {ok: boolean; out: string; err: string} {
  const r = spawnSync('git', ['-C', tree, ...args], {encoding: 'buffer', input, maxBuffer: 256 << 20})
  if (r.error) throw new UsageError(`cannot run git: ${r.error.message}`)
  return {ok: r.status === 0, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8').trim()}
}

function gitBlob(tree: string, hash: string): Buffer {
  const r = spawnSync('git', ['-C', tree, 'cat-file', 'blob', hash], {maxBuffer: 256 << 20})
  if (r.status !== 0) throw new UsageError(`git cat-file blob ${hash} failed in ${tree}: ${r.stderr.toString().trim()}`)
  return r.stdout
}

export function resolveBase(opts: BaseOptions): BaseSource {
  if (opts.baseSource !== undefined) {
    if (opts.rev !== undefined) throw new UsageError('--base and --base-source exclude each other: give a revision of the tree or another directory')
    const dir = resolve(opts.baseSource)
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--base-source ${opts.baseSource}: not a directory`)
    return {dir, description: dir, why: '--base-source'}
  }
  const tree = resolve(opts.tree)
  const inside = git(tree, ['rev-parse', '--is-inside-work-tree'])
  if (!inside.ok || inside.out.trim() !== 'true') {
    throw new UsageError(`--kernel-source ${opts.tree} is not a git checkout: give the base with --base-source DIR`)
  }
  let rev = opts.rev
  let why = '--base'
  if (rev === undefined) {
    // Uncommitted changes to tracked files are the patch; otherwise the last commit is.
    const dirty = git(tree, ['status', '--porcelain', '--untracked-files=no', '--', '.'])
    rev = dirty.out.trim() ? 'HEAD' : 'HEAD~1'
    why = dirty.out.trim() ? 'default: the tree has uncommitted changes' : 'default: the tree is clean, so the patch is the last commit'
  }
  const commit = git(tree, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`])
  if (!commit.ok) throw new UsageError(`--base ${rev}: not a commit of ${opts.tree}${rev === 'HEAD~1' ? ' (the repository has a single commit: give --base)' : ''}`)
  const sha = commit.out.trim()
  const subject = git(tree, ['log', '-1', '--format=%h %s', sha]).out.trim()
  const dir = extractAt(tree, sha)
  const [short, ...words] = subject.split(' ')
  return {dir, description: `${rev} (${short} "${words.join(' ')}")`, rev, commit: sha, why}
}

/**
 * The oracle's files of the tree at `commit`, written under the cache (one directory per tree,
 * replaced atomically): `git ls-tree` names the blobs, `git cat-file` reads them.
 */
function extractAt(tree: string, commit: string): string {
  const prefix = git(tree, ['rev-parse', '--show-prefix']).out.trim()
  const listed = git(tree, ['ls-tree', '-r', '--full-name', commit, '--', ...TREE_FILES])
  if (!listed.ok) throw new UsageError(`git ls-tree ${commit} failed in ${tree}: ${listed.err}`)
  const key = createHash('sha256').update(tree).digest('hex').slice(0, 16)
  const dir = join(oracleCacheDir(), 'regress', 'base-trees', key)
  const tmp = `${dir}.tmp-${process.pid}`
  rmSync(tmp, {recursive: true, force: true})
  for (const line of listed.out.split('\n')) {
    const m = /^\d+ blob ([0-9a-f]+)\t(.+)$/.exec(line)
    if (!m) continue
    const rel = m[2]!.startsWith(prefix) ? m[2]!.slice(prefix.length) : m[2]!
    const dest = join(tmp, rel)
    mkdirSync(dirname(dest), {recursive: true})
    writeFileSync(dest, gitBlob(tree, m[1]!))
  }
  mkdirSync(tmp, {recursive: true})
  writeFileSync(join(tmp, '.probediff-base'), `${tree}\n${commit}\n`)
  rmSync(dir, {recursive: true, force: true})
  mkdirSync(dirname(dir), {recursive: true})
  renameSync(tmp, dir)
  return dir
}
