/**
 * How bin/run.js runs a command: through dist/bundle/probediff.cjs, one esbuild bundle of oclif and every
 * command (scripts/bundle.js, part of `npm run build`), compiled from a V8 code cache (bin/load-bundle.js).
 * Node then reads one file instead of the ~190 that oclif and a command import one by one (the module
 * loader was half of a short command's CPU), and evaluates only the modules of the command being run.
 * oclif itself runs as before (its parser, help, errors and exit codes), from the same package.json and
 * oclif.manifest.json, told only that the commands and hooks are exports of the bundle (oclif's
 * "explicit" command discovery) instead of files under dist/commands.
 * The in-process tests and bin/dev.js do not use this: they run oclif from node_modules on dist/ or src/.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {execute, settings, type Interfaces} from '@oclif/core'

type Discovery = Pick<Interfaces.OclifConfiguration, 'commands' | 'hooks'>

export async function runBundled(root: string, discovery: Discovery, argv: string[] = process.argv.slice(2)): Promise<void> {
  const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Interfaces.PJSON
  // The bundle is the compiled code: never look for TypeScript sources (oclif does when NODE_ENV=development).
  settings.enableAutoTranspile = false
  await execute({args: argv, loadOptions: {root, pjson: {...pjson, oclif: {...pjson.oclif, ...discovery}}}})
}
