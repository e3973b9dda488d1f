import {readdir, readFile, stat} from 'node:fs/promises'
import {basename, join, relative} from 'node:path'
import {InputError} from '../util/errors.js'
import {MODULE_SUFFIXES, readModuleFile} from './decompress.js'
import {ElfFormatError, moduleInfo} from './elf.js'

/**
 * A kernel's module directory (lib/modules/<release>): which modules exist as files, which are built
 * in (modules.builtin), and their dependencies — from modules.dep when depmod has run, otherwise from
 * each module's own .modinfo "depends=" (Debian's packages ship no modules.dep; depmod runs at install).
 */
export interface ModuleTree {
  readonly dir: string
  /** Normalised module name ("virtio_rng" for virtio-rng.ko) → path relative to dir. */
  readonly files: ReadonlyMap<string, string>
  readonly builtin: ReadonlySet<string>
  /** Present only when the directory has a modules.dep. */
  readonly dep?: ReadonlyMap<string, readonly string[]>
}

/** A module to insmod, in load order. */
export interface ModuleToLoad {
  readonly name: string
  /** Path relative to the module directory. */
  readonly file: string
  readonly image: Buffer
}

export interface LoadPlan {
  readonly load: readonly ModuleToLoad[]
  /** Wanted or needed modules that are compiled into the kernel. */
  readonly builtin: readonly string[]
  /** Wanted modules that exist neither as a file nor built in. */
  readonly missing: readonly string[]
}

/** Module names treat '-' and '_' alike (the kernel does too). */
export function normaliseModuleName(name: string): string {
  return name.replace(/-/g, '_')
}

export function moduleNameOfFile(path: string): string | undefined {
  const base = basename(path)
  const suffix = MODULE_SUFFIXES.find((s) => base.endsWith(s))
  return suffix ? normaliseModuleName(base.slice(0, -suffix.length)) : undefined
}

export async function loadModuleTree(dir: string): Promise<ModuleTree> {
  const st = await stat(dir).catch(() => undefined)
  if (!st?.isDirectory()) throw new InputError(`module directory not found: ${dir}`)
  const builtin = new Set<string>()
  for (const line of (await readOptional(join(dir, 'modules.builtin'))) ?? []) {
    const name = moduleNameOfFile(line.trim())
    if (name) builtin.add(name)
  }
  const files = new Map<string, string>()
  for (const rel of await walkModules(dir, join(dir, 'kernel'))) {
    const name = moduleNameOfFile(rel)
    if (name && !files.has(name)) files.set(name, rel)
  }
  const depLines = await readOptional(join(dir, 'modules.dep'))
  const dep = depLines ? parseModulesDep(depLines, join(dir, 'modules.dep')) : undefined
  if (files.size === 0 && builtin.size === 0) throw new InputError(`no kernel modules and no modules.builtin in ${dir}`)
  return dep ? {dir, files, builtin, dep} : {dir, files, builtin}
}

/** modules.dep: `kernel/a/b.ko.xz: kernel/c.ko.xz kernel/d.ko.xz` per line. */
export function parseModulesDep(lines: readonly string[], file: string): Map<string, string[]> {
  const dep = new Map<string, string[]>()
  lines.forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const colon = line.indexOf(':')
    const name = colon > 0 ? moduleNameOfFile(line.slice(0, colon)) : undefined
    if (!name) throw new InputError('not a modules.dep line (expected "module.ko: deps...")', {file, line: i + 1})
    const deps: string[] = []
    for (const d of line.slice(colon + 1).trim().split(/\s+/).filter(Boolean)) {
      const depName = moduleNameOfFile(d)
      if (!depName) throw new InputError(`not a module path: ${d}`, {file, line: i + 1})
      deps.push(depName)
    }
    dep.set(name, deps)
  })
  return dep
}

/**
 * Works out what to insmod for the wanted modules: dependencies first (depth-first post-order),
 * each module once, built-in ones skipped. Module images are read (and decompressed) once.
 */
export async function planModuleLoad(tree: ModuleTree, wanted: readonly string[]): Promise<LoadPlan> {
  const load: ModuleToLoad[] = []
  const builtin: string[] = []
  const missing: string[] = []
  const done = new Set<string>()
  const visiting = new Set<string>()

  const visit = async (name: string, neededBy: string | undefined): Promise<void> => {
    if (done.has(name)) return
    if (visiting.has(name)) throw new InputError(`module dependency cycle through ${name} in ${tree.dir}`)
    if (tree.builtin.has(name)) {
      done.add(name)
      builtin.push(name)
      return
    }
    const rel = tree.files.get(name)
    if (!rel) {
      if (neededBy) throw new InputError(`module ${neededBy} needs ${name}, which is neither a file nor built in under ${tree.dir}`)
      done.add(name)
      missing.push(name)
      return
    }
    visiting.add(name)
    const image = await readModuleFile(join(tree.dir, rel))
    const deps = tree.dep?.get(name) ?? dependsOf(image, join(tree.dir, rel))
    for (const d of deps) await visit(d, name)
    visiting.delete(name)
    done.add(name)
    load.push({name, file: rel, image})
  }

  for (const w of wanted) await visit(normaliseModuleName(w), undefined)
  return {load, builtin, missing}
}

function dependsOf(image: Buffer, path: string): string[] {
  try {
    const value = moduleInfo(image).get('depends')?.[0] ?? ''
    return value.split(',').filter(Boolean).map(normaliseModuleName)
  } catch (error) {
    if (error instanceof ElfFormatError) throw new InputError(`${error.message}`, {file: path})
    throw error
  }
}

async function readOptional(path: string): Promise<string[] | undefined> {
  try {
    return (await readFile(path, 'utf8')).split('\n')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

async function walkModules(root: string, dir: string): Promise<string[]> {
  const out: string[] = []
  let entries
  try {
    entries = await readdir(dir, {withFileTypes: true})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return out
    throw error
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(dir, e.name)
    if (e.isDirectory()) out.push(...(await walkModules(root, full)))
    else if (moduleNameOfFile(e.name)) out.push(relative(root, full))
  }
  return out
}
