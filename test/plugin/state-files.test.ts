import {execFile} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, test} from 'vitest'

/*
 * The gate's state writes (lib/common.sh): a file is written beside its place under a name no one
 * else has, then renamed or linked there, and every failure is returned to the verb that asked.
 */
const common = path.resolve(import.meta.dirname, '..', '..', 'dokku-plugin', 'lib', 'common.sh')
let dir: string

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graduate-state-files-'))
})
afterEach(() => {
  fs.rmSync(dir, {recursive: true, force: true})
})

/** Runs `script` in bash with common.sh sourced and `args` as $1…; resolves with its exit code and stdout. */
function bash(script: string, ...args: string[]): Promise<{code: number; stdout: string}> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', `set -uo pipefail; source "$0"; ${script}`, common, ...args], {env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin'}}, (error, stdout) => {
      resolve({code: error ? Number(error.code) : 0, stdout})
    })
  })
}

describe('state files', () => {
  test('kv_write replaces a file whole and leaves no temp file', async () => {
    fs.writeFileSync(path.join(dir, 'state'), 'old=1\n')
    expect((await bash(`kv_write "${dir}/state" a=1 b=two; echo $?`)).stdout).toBe('0\n')
    expect(fs.readFileSync(path.join(dir, 'state'), 'utf8')).toBe('a=1\nb=two\n')
    expect(fs.readdirSync(dir)).toEqual(['state'])
  })

  test('a directory that takes no file: kv_write returns 2 and nothing is written', async () => {
    expect((await bash(`kv_write "${dir}/missing/state" a=1; echo $?`)).stdout).toBe('2\n')
    expect(fs.readdirSync(dir)).toEqual([])
  })

  test('kv_claim creates once: 0, then 1 with the first content kept', async () => {
    expect((await bash(`kv_claim "${dir}/decision" decision=release; echo $?`)).stdout).toBe('0\n')
    expect((await bash(`kv_claim "${dir}/decision" decision=abort; echo $?`)).stdout).toBe('1\n')
    expect(fs.readFileSync(path.join(dir, 'decision'), 'utf8')).toBe('decision=release\n')
    expect(fs.readdirSync(dir)).toEqual(['decision'])
  })

  test('temp_create makes a new empty file each time, leaves noclobber off, and passes over a taken name', async () => {
    const {stdout} = await bash(`for i in 1 2 3; do temp_create "${dir}" || exit 9; printf '%s\\n' "$TEMP_FILE"; done; [[ -o noclobber ]] && echo noclobber-left-on`)
    const files = stdout.trim().split('\n')
    expect(files).not.toContain('noclobber-left-on')
    expect(new Set(files).size).toBe(3)
    for (const file of files) expect(fs.readFileSync(file, 'utf8')).toBe('')
    // The same RANDOM seed makes the second call's first name the one the first call took.
    const taken = await bash(`RANDOM=7; temp_create "${dir}"; first=$TEMP_FILE; printf x >"$first"; RANDOM=7; temp_create "${dir}"; echo "$? $([[ $TEMP_FILE == "$first" ]] && echo same || echo other)"; cat "$first"`)
    expect(taken.stdout).toBe('0 other\nx')
  })

  test('json_string escapes what JSON requires and keeps the rest; json_number lets only integers through', async () => {
    const text = 'a "quoted" back\\slash, tab\there, line\nbreak, bell\u0007, Zoë'
    const {stdout} = await bash(`json_string "$1"; printf '%s\\n' "$JSON_STRING"; for n in 12 -3 0 007 1.5 x ''; do json_number "$n"; printf '%s ' "$JSON_NUMBER"; done`, text)
    const [line, numbers] = stdout.split('\n')
    expect(JSON.parse(line!)).toBe(text)
    expect(line).toContain('\\u0007')
    expect(numbers).toBe('12 -3 0 null null null null ')
  })
})

