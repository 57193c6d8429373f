import {readdirSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {describe, expect, test} from 'vitest'

import {ManifestError} from '../../../src/errors.js'
import {ExitCode} from '../../../src/exit-codes.js'
import {loadManifest} from '../../../src/manifest/load.js'

const badDirectory = fileURLToPath(new URL('../../fixtures/manifests/bad/', import.meta.url))

/** Each fixture holds one problem (many-problems.yml holds several) and renders exactly these lines. */
const expectedReports: Record<string, string[]> = {
  'malformed-yaml.yml': [
    'malformed-yaml.yml:6:1 invalid YAML: all mapping items must start at the same column; check the indentation: the keys of one map start in the same column, nested keys further right',
  ],
  'unquoted-variable-in-flow.yml': [
    'unquoted-variable-in-flow.yml:10:67 invalid YAML: unexpected flow-map-start at node end; a value with ${…} inside {…} or […] needs quotes: "…${VAR}…"',
  ],
  'unknown-alias.yml': ['unknown-alias.yml:5:11 invalid YAML: the alias *prod-host has no anchor &prod-host before it; define the anchor first'],
  'alias-bomb.yml': ['alias-bomb.yml:1:1 invalid YAML: Excessive alias count indicates a resource exhaustion attack'],
  'empty.yml': ['empty.yml:1:1 the manifest is empty; expected environments and apps (graduate init writes a starting point)'],
  'wrong-type.yml': [
    'wrong-type.yml:5:11 environments.production.host: expected a host like dokku@host:22 or {hostname, user, port}, got the number 22',
  ],
  'apps-as-list.yml': ['apps-as-list.yml:6:7 apps: expected a map of app names, like api:, web:, got a list'],
  'unknown-key.yml': ['unknown-key.yml:5:5 environments.production.hots: unknown key "hots"; did you mean "host"?'],
  'unknown-top-level-key.yml': [
    'unknown-top-level-key.yml:8:1 deploy: unknown key "deploy"; expected one of: environments, apps, hooks, options',
  ],
  'unknown-environment.yml': [
    'unknown-environment.yml:12:22 hooks.post[0].environments[0]: "prod" is not an environment of this manifest; did you mean "production"?',
  ],
  'duplicate-app.yml': ['duplicate-app.yml:9:3 apps.api: "api" appears twice in this map (first on line 7); keep one'],
  'invalid-app-name.yml': [
    'invalid-app-name.yml:8:3 apps.My_Web: "My_Web" is not a valid Dokku app name; Dokku allows lowercase letters, digits, dots and hyphens, starting with a letter or digit (e.g. my-web)',
  ],
  'invalid-environment-name.yml': [
    'invalid-environment-name.yml:4:3 environments.Prod_EU: "Prod_EU" is not a valid environment name; use lowercase letters, digits and hyphens, starting with a letter (e.g. prod-eu)',
  ],
  'reserved-environment.yml': [
    'reserved-environment.yml:4:3 environments.plan: "plan" is also a graduate command, so `graduate plan …` would be ambiguous; rename the environment, e.g. plan-env',
  ],
  'one-environment.yml': [
    'one-environment.yml:2:3 environments: lists only "production"; a graduation needs at least two environments, a source and a target',
  ],
  'missing-hosts.yml': [
    'missing-hosts.yml:4:3 environments.production: has no host for apps web, worker; add host: dokku@host:22 to production, or give each app its own under environments.production.apps.<app>.host',
  ],
  'bad-host-port.yml': ['bad-host-port.yml:3:11 environments.dev.host: port 70000 is out of range; expected a port from 1 to 65535'],
  'unset-variable.yml': [
    'unset-variable.yml:5:11 environments.production.host: ${PROD_HOST} is not set; export it or write the value in the manifest',
  ],
  'hook-two-kinds.yml': [
    'hook-two-kinds.yml:10:7 hooks.post[0]: has local and run; a hook does exactly one of local, run or ssh, so split it into two hooks',
  ],
  'hook-without-kind.yml': [
    'hook-without-kind.yml:10:7 hooks.pre[0]: says nothing to run; add one of local: <shell command>, run: {app, command} or ssh: {host, command}',
  ],
  'run-hook-unknown-app.yml': ['run-hook-unknown-app.yml:12:18 hooks.post[0].run.app: "apii" is not one of the apps; did you mean "api"?'],
  'override-unknown-app.yml': [
    'override-unknown-app.yml:7:7 environments.production.apps.wbe: "wbe" is not one of the apps; did you mean "web"?',
  ],
  'bad-duration.yml': [
    'bad-duration.yml:10:13 options.timeouts.deploy: expected a duration like 90s, 10m, 1h30m or 500ms, or a number of seconds, got the text "10 minutes"',
  ],
  'zero-duration.yml': ['zero-duration.yml:9:10 options.lease: expected a duration longer than zero, got the text "0s"'],
  'lease-fraction.yml': ['lease-fraction.yml:9:10 options.lease: the gate counts its lease in whole seconds; write e.g. 90s or 2m'],
  'shared-dokku-app.yml': [
    'shared-dokku-app.yml:8:15 environments.production.apps.web.name: web would deploy to Dokku app api on dokku@prod.example.com:22, which api already deploys to in production; each app needs its own Dokku app, so give web a different name or host in production',
  ],
  'many-problems.yml': [
    'many-problems.yml:5:5 environments.staging.hots: unknown key "hots"; did you mean "host"?',
    'many-problems.yml:8:17 environments.production.host.hostname: ${PROD_HOST} is not set; export it or write the value in the manifest',
    'many-problems.yml:9:13 environments.production.host.port: expected a port from 1 to 65535, got the text "seventy"',
    'many-problems.yml:12:3 apps.Web: "Web" is not a valid Dokku app name; Dokku allows lowercase letters, digits, dots and hyphens, starting with a letter or digit (e.g. web)',
    'many-problems.yml:13:3 apps.api: "api" appears twice in this map (first on line 11); keep one',
    'many-problems.yml:16:7 hooks.post[0]: has run and ssh; a hook does exactly one of local, run or ssh, so split it into two hooks',
    'many-problems.yml:17:18 hooks.post[0].run.app: "apii" is not one of the apps; did you mean "api"?',
    'many-problems.yml:19:16 hooks.post[0].timeout: expected a duration like 90s, 10m, 1h30m or 500ms, or a number of seconds, got the text "10x"',
    'many-problems.yml:20:22 hooks.post[0].environments[0]: "prod" is not an environment of this manifest; did you mean "production"?',
    'many-problems.yml:22:16 options.concurrency: expected a whole number from 1 to 64, got the number 100',
  ],
}

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
