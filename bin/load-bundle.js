/**
 * Loads dist/bundle/probediff.cjs (scripts/bundle.js) as `require` would, but compiled with the V8 code
 * cache written beside it at build time: the functions a run needs are read, not compiled. A cache that
 * does not fit (another Node or V8, other V8 flags) is ignored by V8 and the source compiled as usual;
 * V8 tells a changed source only by its length, so the cache starts with the CRC-32 of the source it was
 * made from, and one made from other bytes is not used. The module is put in require's cache, where
 * oclif finds it when it asks for the bundle's commands.
 */
import {readFileSync, renameSync, writeFileSync} from 'node:fs'
import {Module, createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {Script} from 'node:vm'
import {crc32} from 'node:zlib'

/** `writeCache`: compile without the cache and write a new one when the process exits (the build's run). */
export function loadBundle(root, {writeCache = false} = {}) {
  const file = join(root, 'dist/bundle/probediff.cjs')
  const cacheFile = `${file}.cache`
  const source = readFileSync(file)
  const sourceCrc = crc32(source)
  let cachedData
  if (!writeCache) {
    try {
      const cache = readFileSync(cacheFile)
      if (cache.length > 4 && cache.readUInt32LE(0) === sourceCrc) cachedData = cache.subarray(4)
    } catch {
      // no cache: compile
    }
  }
  // The wrapper CommonJS gives a module, on the source's first line (stack traces keep its line numbers).
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source.toString('utf8')}\n})`, {filename: file, cachedData})
  const require = createRequire(file)
  const module = new Module(file)
  module.filename = file
  require.cache[file] = module
  script.runInThisContext().call(module.exports, module.exports, require, module, file, dirname(file))
  module.loaded = true
  if (writeCache) {
    process.once('exit', () => {
      const head = Buffer.alloc(4)
      head.writeUInt32LE(sourceCrc)
      writeFileSync(`${cacheFile}.tmp`, Buffer.concat([head, script.createCachedData()]))
      renameSync(`${cacheFile}.tmp`, cacheFile)
    })
  }
  return module.exports
}
