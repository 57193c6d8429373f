import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {ConnectionError} from '../../../src/errors.js'
import {NodeSshTransport} from '../../../src/ssh/node-ssh-transport.js'
import type {PassphraseSource} from '../../../src/ssh/passphrases.js'
import {type ConnectionSettings, type SettingsDefaults, settingsFor, systemDefaults} from '../../../src/ssh/settings.js'
import {localUser} from './openssh.js'

/** A scratch home for one test file: HOME points at it, so messages show ~/… and the real ~/.ssh is never read. */
export interface ScratchHome {
  dir: string
  sshDir: string
  /** Writes an ssh_config file and returns its path. */
  writeConfig(name: string, lines: string[]): string
  remove(): void
}

export function scratchSshHome(): ScratchHome {
  const realHome = process.env.HOME
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graduate-openssh-home-'))
  const sshDir = path.join(dir, '.ssh')
  fs.mkdirSync(sshDir, {mode: 0o700})
  process.env.HOME = dir
  return {
    dir,
    sshDir,
    writeConfig(name, lines) {
      const file = path.join(sshDir, name)
      fs.writeFileSync(file, `${lines.join('\n')}\n`)
      return file
    },
    remove() {
      process.env.HOME = realHome
      fs.rmSync(dir, {recursive: true, force: true})
    },
  }
}

/** Settings for a destination as graduate resolves them from one config file (nothing from the real machine). */
export function settingsFrom(configFile: string, home: ScratchHome, host: string, overrides: Partial<SettingsDefaults> = {}): ConnectionSettings {
  return settingsFor(
    {host, display: host},
    {
      ...systemDefaults({}),
      homeDir: home.dir,
      configFiles: [{file: configFile, system: false}],
      globalKnownHostsFiles: [],
      localUser,
      connectTimeoutMs: 20_000,
      ...overrides,
    },
  )
}

export const quickRetry = {attempts: 2, baseDelayMs: 50, budgetMs: 5_000}

/** A passphrase source that must not be asked: the key is expected to come from somewhere else. */
export const noPassphrase: PassphraseSource = {
  passphraseFor: async (file) => {
    throw new Error(`graduate asked for the passphrase of ${file}, which it should not need`)
  },
  howToSupply: 'not needed',
}

export function passphraseOf(passphrase: string | undefined): PassphraseSource {
  return {passphraseFor: async () => passphrase, howToSupply: 'set GRADUATE_SSH_PASSPHRASE'}
}

export function transport(passphrases: PassphraseSource = passphraseOf(undefined)): NodeSshTransport {
  return new NodeSshTransport({retry: quickRetry, passphrases})
}

/** The ConnectionError a connection attempt fails with (the test fails if it connects). */
export async function connectionError(attempt: Promise<unknown>): Promise<ConnectionError> {
  try {
    await attempt
  } catch (error) {
    if (error instanceof ConnectionError) return error
    throw error
  }
  throw new Error('expected the connection to fail, but it succeeded')
}
