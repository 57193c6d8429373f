import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import ts from 'typescript'
import {settingsFor, type ConnectionSettings, type SettingsDefaults} from '../../../../src/ssh/settings.js'
import type {KeyPair} from './ssh-server.js'

/** A throwaway home directory with an `.ssh` folder, removed by `remove()`. */
export interface TestHome {
  dir: string
  sshDir: string
  knownHosts: string
  writeKnownHosts(lines: string[]): Promise<void>
  writeIdentity(key: KeyPair, name?: string): Promise<string>
  remove(): Promise<void>
}

export async function makeTestHome(): Promise<TestHome> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'graduate-ssh-test-'))
  const sshDir = path.join(dir, '.ssh')
  await fs.mkdir(sshDir, {mode: 0o700})
  const knownHosts = path.join(sshDir, 'known_hosts')
  return {
    dir,
    sshDir,
    knownHosts,
    writeKnownHosts: (lines) => fs.writeFile(knownHosts, lines.map((line) => `${line}\n`).join('')),
    async writeIdentity(key, name = 'id_ed25519') {
      const file = path.join(sshDir, name)
      await fs.writeFile(file, key.private, {mode: 0o600})
      return file
    },
    remove: () => fs.rm(dir, {recursive: true, force: true}),
  }
}

export function testDefaults(home: TestHome, overrides: Partial<SettingsDefaults> = {}): SettingsDefaults {
  return {
    homeDir: home.dir,
    agentSocket: undefined,
    connectTimeoutMs: 10_000,
    keepaliveIntervalMs: 15_000,
    keepaliveCountMax: 8,
    maxSessions: 10,
    maxConnections: 4,
    configFiles: [{file: path.join(home.sshDir, 'config'), system: false}],
    globalKnownHostsFiles: [],
    localUser: 'tester',
    localUid: '1000',
    localHost: 'testbox.example.com',
    env: {},
    acceptNewHostKeys: false,
    ...overrides,
  }
}

/** Settings for the test server, decided by settingsFor like the real thing. */
export function serverSettings(home: TestHome, port: number, overrides: Partial<SettingsDefaults> = {}): ConnectionSettings {
  return settingsFor({host: '127.0.0.1', port, display: 'test'}, testDefaults(home, overrides))
}

/** A fast retry policy so failure tests do not wait out production backoff. */
export const quickRetry = {attempts: 3, baseDelayMs: 10, budgetMs: 5_000}

/**
 * Compiles the git SSH helper (and the framing it imports) to plain JS in `outDir`, as `npm run build`
 * would, so tests running from TypeScript sources have a helper node can execute.
 */
export async function compileGitHelper(outDir: string): Promise<string> {
  const sourceDir = path.resolve(import.meta.dirname, '../../../../src/ssh')
  for (const name of ['git-ssh-helper', 'bridge-frames']) {
    const source = await fs.readFile(path.join(sourceDir, `${name}.ts`), 'utf8')
    const {outputText} = ts.transpileModule(source, {
      compilerOptions: {module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true},
      fileName: `${name}.ts`,
    })
    await fs.writeFile(path.join(outDir, `${name}.js`), outputText)
  }
  await fs.writeFile(path.join(outDir, 'package.json'), '{"type": "module"}\n')
  return path.join(outDir, 'git-ssh-helper.js')
}
