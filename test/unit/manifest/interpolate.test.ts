import {describe, expect, test} from 'vitest'

import {interpolate} from '../../../src/manifest/interpolate.js'

describe('interpolate', () => {
  const env = {HOST: 'prod.example.com', PORT: '2222', EMPTY: ''}

  test('replaces ${VAR} in every string value, however deep, and leaves keys and other values alone', () => {
    const result = interpolate({'${HOST}': 1, list: ['dokku@${HOST}:${PORT}', 3, true, null], nested: {empty: 'x${EMPTY}y'}}, env)
    expect(result).toEqual({
      value: {'${HOST}': 1, list: ['dokku@prod.example.com:2222', 3, true, null], nested: {empty: 'xy'}},
      issues: [],
    })
  })

  test('$${ is a literal ${', () => {
    expect(interpolate({label: 'costs $${HOST} and $$ and $HOST'}, env).value).toEqual({label: 'costs ${HOST} and $$ and $HOST'})
  })

  test('hook commands reach the shell exactly as written', () => {
    const hooks = {
      post: [
        {label: 'on ${HOST}', local: 'echo ${HOST} $${X}', run: {app: '${HOST}', command: 'migrate ${HOST}'}, ssh: {host: '${HOST}', command: 'x ${NOPE}'}},
      ],
    }
    expect(interpolate({hooks}, env)).toEqual({
      value: {
        hooks: {
          post: [
            {
              label: 'on prod.example.com',
              local: 'echo ${HOST} $${X}',
              run: {app: 'prod.example.com', command: 'migrate ${HOST}'},
              ssh: {host: 'prod.example.com', command: 'x ${NOPE}'},
            },
          ],
        },
      },
      issues: [],
    })
  })

  test('an unset variable is an issue at its value, one per variable', () => {
    expect(interpolate({environments: {prod: {host: '${USER_NAME}@${PROD_HOST}'}}}, env).issues).toEqual([
      {path: ['environments', 'prod', 'host'], at: 'value', message: '${USER_NAME} is not set; export it or write the value in the manifest'},
      {path: ['environments', 'prod', 'host'], at: 'value', message: '${PROD_HOST} is not set; export it or write the value in the manifest'},
    ])
  })

  test('a malformed reference says how to write one', () => {
    expect(interpolate({a: ['${}', '${A-B}', 'x${HOST']}, env).issues.map((issue) => [issue.path, issue.message])).toEqual([
      [['a', 0], '${} is not a variable reference; write ${NAME} with letters, digits and underscores, or $${ for a literal ${'],
      [['a', 1], '${A-B} is not a variable reference; write ${NAME} with letters, digits and underscores, or $${ for a literal ${'],
      [['a', 2], '${HOST is not closed; write ${NAME}, or $${ for a literal ${'],
    ])
  })
})
