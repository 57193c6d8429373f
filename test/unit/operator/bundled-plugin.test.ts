import {execFile} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'
import {describe, expect, it} from 'vitest'

import {GraduateError} from '../../../src/errors.js'
import {BUNDLED_PLUGIN_DIR, bundledPlugin, packPlugin, pluginTomlVersion} from '../../../src/operator/bundled-plugin.js'

const run = promisify(execFile)

describe('the packaged gate plugin', () => {
  it("is dokku-plugin/ of this package, at its plugin.toml's version", () => {
    const plugin = bundledPlugin()
    expect(fs.realpathSync(plugin.dir)).toBe(fs.realpathSync(path.resolve(__dirname, '..', '..', '..', 'dokku-plugin')))
    expect(plugin.version).toBe(/^version = "([^"]+)"$/m.exec(fs.readFileSync(path.join(BUNDLED_PLUGIN_DIR, 'plugin.toml'), 'utf8'))![1])
  })

  it('packs into a tarball with one top-level directory, scripts still executable', async () => {
    const tarball = await packPlugin(bundledPlugin())
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gate-tarball-'))
    fs.writeFileSync(path.join(dir, 'gate.tgz'), tarball)
    await run('tar', ['-xzf', path.join(dir, 'gate.tgz'), '-C', dir])
    const top = fs.readdirSync(dir).filter((entry) => entry !== 'gate.tgz')
    expect(top).toHaveLength(1)
    const root = path.join(dir, top[0]!)
    expect(fs.readFileSync(path.join(root, 'plugin.toml'), 'utf8')).toBe(fs.readFileSync(path.join(BUNDLED_PLUGIN_DIR, 'plugin.toml'), 'utf8'))
    for (const script of ['install', 'subcommands/version', 'gate/check-deploy']) expect(fs.statSync(path.join(root, script)).mode & 0o111, script).not.toBe(0)
  })

  it('says how to recover when the package has no usable plugin', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'no-plugin-'))
    expect(() => bundledPlugin(empty)).toThrow(GraduateError)
    expect(() => bundledPlugin(empty)).toThrow(/packaged gate plugin is unusable: cannot read/)
    fs.writeFileSync(path.join(empty, 'plugin.toml'), '[plugin]\ndescription = "x"\n')
    expect(() => bundledPlugin(empty)).toThrow(/has no \[plugin\] version/)
  })
})

describe('pluginTomlVersion', () => {
  it('reads version from the [plugin] table only', () => {
    expect(pluginTomlVersion('[other]\nversion = "9.9.9"\n[plugin]\ndescription = "gate"\nversion = "0.2.0"  # bumped\n[plugin.config]\n')).toBe('0.2.0')
    expect(pluginTomlVersion('[plugin.config]\nversion = "1.0.0"\n')).toBeUndefined()
  })
})
