/**
 * Loads dist/bundle/probediff.cjs (scripts/bundle.js) as `require` would, but compiled with the V8 code
 * cache written beside it at build time: the functions a run needs are read, not compiled. A cache that
 * does not fit (another Node or V8, other V8 flags, a rebuilt bundle) is ignored by V8, and the source is
 * compiled as usual. The module is put in require's cache, where oclif finds it when it asks for the
 * bundle's commands.
 */
import {readFileSync, renameSync, writeFileSync} from 'node:fs'
import {Module, createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {Script} from 'node:vm'

/** `writeCache`: compile without the cache and write a new one when the process exits (the build's run). */
export function loadBundle(root, {writeCache = false} = {}) {
  const file = join(root, 'dist/bundle/probediff.cjs')
  const cacheFile = `${file}.cache`
  const source = readFileSync(file, 'utf8')
  let cachedData
  if (!writeCache) {
    try {
      cachedData = readFileSync(cacheFile)
    } catch {
      // no cache: compile
    }
  }
  // The wrapper CommonJS gives a module, on the source's first line (stack traces keep its line numbers).
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {filename: file, cachedData})
  const require = createRequire(file)
  const module = new Module(file)
  module.filename = file
  require.cache[file] = module
  script.runInThisContext().call(module.exports, module.exports, require, module, file, dirname(file))
  module.loaded = true
  if (writeCache) {
    process.once('exit', () => {
      writeFileSync(`${cacheFile}.tmp`, script.createCachedData())
      renameSync(`${cacheFile}.tmp`, cacheFile)
    })
  }
  return module.exports
}
