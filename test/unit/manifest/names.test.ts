import {describe, expect, test} from 'vitest'

import {appNameProblem, environmentNameProblem} from '../../../src/manifest/names.js'
import {RESERVED_ENVIRONMENT_NAMES} from '../../../src/manifest/reserved.js'

// The cases from Dokku's own tests of IsValidAppName (plugins/common/common_test.go).
describe("app names follow Dokku's rule", () => {
  test.each(['myapp', 'my-app', 'my.app', 'app123', '123app', 'my-app.prod', 'a', '0'])('%s is valid', (name) => {
    expect(appNameProblem(name)).toBeUndefined()
  })

  test.each([
    'app;id',
    'app$cmd',
    'app`whoami`',
    'app|cat',
    'app&background',
    'app>file',
    'app(cmd)',
    'app{cmd}',
    'app*',
    'app!',
    'app\\cmd',
    'app"quote',
    "app'quote",
    'app cmd',
    'app\ncmd',
    'app~cmd',
    'app/cmd',
    'app:cmd',
    'app_name',
    'App',
    '-app',
    '.app',
  ])('%j is refused', (name) => {
    expect(appNameProblem(name)).toMatch(/is not a valid Dokku app name; Dokku allows lowercase letters, digits, dots and hyphens, starting with a letter or digit/)
  })

  test('an empty name (a null key in YAML) is called what it is', () => {
    expect(appNameProblem('')).toBe('the key is empty (YAML reads null, ~ or nothing before the colon as no name at all); write the name')
  })

  test('the message suggests the name with the rule applied', () => {
    expect(appNameProblem('My_App')).toBe(
      '"My_App" is not a valid Dokku app name; Dokku allows lowercase letters, digits, dots and hyphens, starting with a letter or digit (e.g. my-app)',
    )
    expect(appNameProblem('_')).toBe(
      '"_" is not a valid Dokku app name; Dokku allows lowercase letters, digits, dots and hyphens, starting with a letter or digit',
    )
  })
})

describe('environment names', () => {
  test.each(['dev', 'production', 'eu-west-2', 'qa2'])('%s is valid', (name) => {
    expect(environmentNameProblem(name)).toBeUndefined()
  })

  test('an empty name (a null key in YAML) is called what it is', () => {
    expect(environmentNameProblem('')).toContain('the key is empty')
  })

  test.each(['Prod', '2nd', '-dev', 'prod_eu', 'prod.eu'])('%j is refused', (name) => {
    expect(environmentNameProblem(name)).toMatch(/is not a valid environment name; use lowercase letters, digits and hyphens, starting with a letter/)
  })

  test.each([...RESERVED_ENVIRONMENT_NAMES])('%s is a graduate command', (name) => {
    expect(environmentNameProblem(name)).toBe(
      `"${name}" is also a graduate command, so \`graduate ${name} …\` would be ambiguous; rename the environment, e.g. ${name}-env`,
    )
  })
})
