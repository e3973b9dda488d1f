import {Args, loadHelpClass} from '@oclif/core'
import {UsageError} from '../util/errors.js'
import {BaseCommand} from './base.js'

export default class Help extends BaseCommand {
  static override summary = 'Show the help of probediff or of one command (same as -h / --help)'
  static override examples = ['<%= config.bin %> help', '<%= config.bin %> help oracle build', '<%= config.bin %> help --json']
  static override strict = false
  static override args = {command: Args.string({required: false, description: 'a command, e.g. replay or oracle build'})}

  async run(): Promise<{commands: {id: string; summary?: string}[]} | undefined> {
    const {argv} = await this.parse(Help)
    const words = argv as string[]
    const id = words.join(':')
    if (words.length > 0 && !this.config.findCommand(id) && !this.config.findTopic(id)) {
      throw new UsageError(`help: no command ${words.join(' ')} (probediff help lists them)`)
    }
    if (this.jsonEnabled()) {
      const commands = this.config.commands.filter((c) => !c.hidden && (words.length === 0 || c.id === id || c.id.startsWith(`${id}:`)))
      return {commands: commands.map((c) => ({id: c.id.replaceAll(':', ' '), summary: c.summary}))}
    }
    const HelpClass = await loadHelpClass(this.config)
    await new HelpClass(this.config, this.config.pjson.oclif.helpOptions).showHelp(words)
    return undefined
  }
}
