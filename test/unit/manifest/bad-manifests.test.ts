import {readdirSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {describe, expect, test} from 'vitest'

import {ManifestError} from '../../../src/errors.js'
import {ExitCode} from '../../../src/exit-codes.js'
import {loadManifest} from '../../../src/manifest/load.js'
import {expectedReports} from '../../fixtures/manifests/bad-expectations.js'

const badDirectory = fileURLToPath(new URL('../../fixtures/manifests/bad/', import.meta.url))


async function manifestErrorOf(file: string): Promise<ManifestError> {
  const error = await loadManifest(`${badDirectory}${file}`, {env: {}, displayPath: file}).then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error, `${file} should not load`).toBeInstanceOf(ManifestError)
  return error as ManifestError
}

describe('bad manifests', () => {
  test('every fixture has an expected report', () => {
    expect(readdirSync(badDirectory).sort()).toEqual(Object.keys(expectedReports).sort())
  })

  test.each(Object.entries(expectedReports))('%s is reported as file:line:col path: message, exit 2', async (file, lines) => {
    const error = await manifestErrorOf(file)
    expect(error.message.split('\n')).toEqual(lines)
    expect(error.exitCode).toBe(ExitCode.Usage)
    expect(error.code).toBe('manifest_invalid')
  })

  test('issues carry the structured location as well as the rendered line', async () => {
    const error = await manifestErrorOf('run-hook-unknown-app.yml')
    expect(error.issues).toEqual([
      {
        file: 'run-hook-unknown-app.yml',
        line: 12,
        column: 18,
        path: 'hooks.post[0].run.app',
        message: '"apii" is not one of the apps; did you mean "api"?',
      },
    ])
  })

  test('without a display path the file is named as given', async () => {
    const path = `${badDirectory}wrong-type.yml`
    const error = await loadManifest(path, {env: {}}).catch((thrown: unknown) => thrown)
    expect((error as ManifestError).issues[0]?.file).toBe(path)
  })
})
