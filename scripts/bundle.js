#!/usr/bin/env node
/**
 * `npm run build`, last step: dist/bundle/probediff.cjs, what bin/run.js runs (src/cli/bundled.ts says why),
 * and its V8 code cache (probediff.cjs.cache, bin/load-bundle.js).
 * One CommonJS file with oclif, every command of oclif.manifest.json and the hooks of package.json,
 * compiled from src/ by esbuild (CommonJS because Node 20 can give a code cache to a script, not to an
 * ES module). tsc's dist/ is still built and used by the tests, the worker threads of `check` and scripts.
 * Each bundled module sees `import.meta.url` as its own file under dist/ (what tsc built), so paths it
 * finds from there (package.json, scripts/, the oracle's glue sources, the case worker) stay the same.
 * The code cache holds what V8 compiled while the bundle replayed and ingested a shipped case (a child
 * process, output discarded): the functions a run needs are then read, not compiled, at start-up.
 */
import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync, rmSync} from 'node:fs'
import {dirname, join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'
import {build} from 'esbuild'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const outdir = join(root, 'dist/bundle')
const target = './dist/bundle/probediff.cjs'
const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8'))

/** dist/x/y.js (tsc's output, as the manifest and package.json name it) → src/x/y.ts. */
const sourceOf = (distPath) => `./${distPath.replace(/^\.?\/?dist\//, 'src/').replace(/\.js$/, '.ts')}`

// Each command (and each hook) is required only when oclif asks for it, by a getter: a run evaluates
// the modules of its own command, not every command's (nor loads the Node built-ins they import).
const lazy = (name, file) => `  get ${JSON.stringify(name)}() { return require(${JSON.stringify(sourceOf(file))}).default },`
const commands = Object.values(manifest.commands).map((c) => lazy(c.id, c.relativePath.join('/')))
const hooks = Object.entries(pjson.oclif.hooks ?? {}).map(([event, file]) => {
  if (typeof file !== 'string') throw new Error(`bundle: hook ${event}: only a file path is supported`)
  return [event, lazy(`hook_${event}`, file)]
})
const discovery = {
  commands: {strategy: 'explicit', target, identifier: 'COMMANDS'},
  hooks: Object.fromEntries(hooks.map(([event]) => [event, {target, identifier: `hook_${event}`}])),
}
const lines = [
  `const {runBundled} = require('./src/cli/bundled.ts')`,
  `const discovery = ${JSON.stringify(discovery)}`,
  `module.exports = {`,
  `  COMMANDS: {`,
  ...commands.map((c) => `  ${c}`),
  `  },`,
  ...hooks.map(([, h]) => h),
  `  run: (root, argv) => runBundled(root, discovery, argv),`,
  `}`,
]

/** The bundled entry: generated above from the manifest (one list of commands: oclif's own discovery). */
const entryPlugin = {
  name: 'probediff-entry',
  setup(b) {
    b.onResolve({filter: /^probediff-entry$/}, () => ({path: 'probediff-entry', namespace: 'probediff-entry'}))
    b.onLoad({filter: /.*/, namespace: 'probediff-entry'}, () => ({contents: lines.join('\n'), loader: 'js', resolveDir: root}))
  },
}

/** `import.meta.url` of src/x/y.ts → the URL of dist/x/y.js, found from the bundle's own file. */
const moduleUrlPlugin = {
  name: 'dist-module-url',
  setup(b) {
    b.onLoad({filter: /\/src\/.*\.ts$/}, (args) => {
      const source = readFileSync(args.path, 'utf8')
      if (!source.includes('import.meta.url')) return undefined
      const twin = relative(outdir, join(root, 'dist', relative(join(root, 'src'), args.path).replace(/\.ts$/, '.js')))
      return {contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(twin)}, __probediffBundleUrl).href`), loader: 'ts'}
    })
  },
}

rmSync(outdir, {recursive: true, force: true})
await build({
  entryPoints: {probediff: 'probediff-entry'},
  bundle: true,
  format: 'cjs',
  outExtension: {'.js': '.cjs'},
  platform: 'node',
  // ES module builds first where a package has one (jsonc-parser's CommonJS build is a UMD esbuild cannot follow).
  mainFields: ['module', 'main'],
  target: `node${pjson.engines.node.match(/\d+/)[0]}`,
  outdir,
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  // oclif requires these only to run TypeScript sources (development mode), never in the bundle.
  external: ['typescript', 'ts-node'],
  banner: {js: `const __probediffBundleUrl=require('node:url').pathToFileURL(__filename).href;`},
  plugins: [entryPlugin, moduleUrlPlugin],
  logLevel: 'warning',
})

// The code cache: a run of the bundle on a shipped case, in a child (its output is not wanted).
const trainingCase = join(root, 'traces/k6.1-pc-modern-only')
const training = existsSync(join(trainingCase, 'trace.log.gz'))
  ? [['replay', join(trainingCase, 'trace.log.gz'), '--dmesg', join(trainingCase, 'dmesg.txt')], ['ingest', join(trainingCase, 'trace.log.gz'), '--json']]
  : [['help']]
const script = `import {loadBundle} from ${JSON.stringify(join(root, 'bin/load-bundle.js'))}
const {run} = loadBundle(${JSON.stringify(root)}, {writeCache: true})
for (const argv of ${JSON.stringify(training)}) await run(${JSON.stringify(root)}, argv)`
const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {stdio: ['ignore', 'ignore', 'inherit'], env: {...process.env, OCLIF_DISABLE_ENGINE_WARNING: '1'}})
if (r.status !== 0) throw new Error(`bundle: the code-cache run failed (${r.status ?? r.signal})`)
console.log(`dist/bundle/probediff.cjs: ${commands.length} commands, ${hooks.length} hooks; code cache from ${training.map((a) => a[0]).join(', ')}`)
