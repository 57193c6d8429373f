import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {exitCodeTable, planExitCodeTable} from '../../../src/exit-codes.js'
import {hookVariableTable} from '../../../src/hooks/environment.js'
import {RESERVED_ENVIRONMENT_NAMES} from '../../../src/manifest/reserved.js'

/** The README documents tables that live in the code; these keep the two from drifting apart. */
const readme = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'README.md'), 'utf8')

/** The rows of the first Markdown table after `marker`, header and rule left out. */
function tableAfter(marker: string): string[][] {
  const lines = readme.slice(readme.indexOf(marker)).split('\n')
  const start = lines.findIndex((line) => line.startsWith('|'))
  const rows: string[][] = []
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break
    rows.push(line.split('|').slice(1, -1).map((cell) => cell.trim()))
  }
  return rows
}

describe('README', () => {
  it('lists exactly the exit codes of src/exit-codes.ts', () => {
    expect(tableAfter('### Exit codes')).toEqual(exitCodeTable.map(({code, meaning}) => [String(code), meaning]))
  })

  it('lists exactly the exit codes of plan --detailed-exitcode', () => {
    expect(tableAfter('| code | with `plan --detailed-exitcode` |')).toEqual(planExitCodeTable.map(({code, meaning}) => [String(code), meaning]))
  })

  it('lists exactly the hook variables of src/hooks/environment.ts', () => {
    expect(tableAfter('| variable | meaning |')).toEqual(hookVariableTable.map(({name, meaning}) => [`\`${name}\``, meaning]))
  })

  it('names every command an environment may not be called', () => {
    const commandsDir = path.resolve(__dirname, '..', '..', '..', 'src', 'commands')
    for (const file of fs.readdirSync(commandsDir)) {
      const command = file.replace(/\.ts$/, '')
      expect(RESERVED_ENVIRONMENT_NAMES as readonly string[]).toContain(command)
    }
  })
})
