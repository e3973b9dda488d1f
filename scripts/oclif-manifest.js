#!/usr/bin/env node
/**
 * Writes oclif.manifest.json (gitignored) after `tsc` (`npm run build`), so that oclif finds a command without
 * importing every command module first (start-up of every probediff invocation).
 * Same content as `oclif manifest` from the oclif dev CLI, without that large dependency.
 */
import {renameSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Plugin} from '@oclif/core'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const plugin = new Plugin({root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true})
await plugin.load()
const file = join(root, 'oclif.manifest.json')
writeFileSync(`${file}.tmp`, `${JSON.stringify(plugin.manifest, null, 2)}\n`)
renameSync(`${file}.tmp`, file)
console.log(`oclif.manifest.json: ${Object.keys(plugin.manifest.commands).length} commands`)
