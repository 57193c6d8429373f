import {describe, expect, it} from 'vitest'

import {splitPushOutput, type PushLine} from '../../../src/dokku/parse/push-lines.js'
import {classifyPush} from '../../../src/dokku/parse/push-outcome.js'
import {readPushTranscript} from './fixtures.js'

const ID = '20261123T101500Z-3f9a'
const REJECTED = ` ! [remote rejected] main -> main (pre-receive hook declined)\nerror: failed to push some refs to '127.0.0.1:ga'\n`

function lines(name: string): PushLine[] {
  return splitPushOutput(readPushTranscript(name))
}

/**
 * A captured transcript with the observation gate's lines (`[zz-testgate] …`) replaced by the lines the
 * graduate gate prints at the same points (dokku-plugin/PROTOCOL.md, "Output lines").
 */
function withGraduateGate(name: string): PushLine[] {
  const transcript = readPushTranscript(name)
    .replace(/remote:\s+\[zz-testgate\] HELD app=ga proc=(\w+) index=(\d+) build=\w+/g, `remote: =====> graduate: holding ga ($1.$2) for graduation ${ID}; old release keeps serving`)
    .replace(/remote:  !     \[zz-testgate\] aborted (\S+)/g, `remote:  !     graduate: aborted ga ($1) by graduation ${ID}; restored dokku/ga:latest and GIT_REV`)
  expect(transcript).not.toContain('zz-testgate')
  return splitPushOutput(transcript)
}

describe('pushes that deployed', () => {
  it.each([
    ['push-ga-rev1-initial.txt', '* [new branch]      main -> main'],
    ['push-ga-rev2-hold-release.txt', '2be4874..20690cd  main -> main'],
    ['push-ga-rev5-maxparallel2-worker.txt', '20690cd..9e5fb5c  main -> main'],
    ['push-ga-rev8-held-with-concurrent-psrestart.txt', '5f59374..0cc84ba  main -> main'],
  ])('%s → deployed', (name, refUpdate) => {
    expect(classifyPush(lines(name), 0)).toEqual({outcome: 'deployed', failedChecks: [], detail: refUpdate})
  })

  it('is not fooled by an app build that prints git’s own words', () => {
    const output = splitPushOutput(`remote: Everything up-to-date        \nTo 127.0.0.1:ga\n   2be4874..20690cd  main -> main\n`)
    expect(classifyPush(output, 0).outcome).toBe('deployed')
  })
})

describe('pushes that deployed nothing', () => {
  it('an unchanged branch: git sends nothing and no hook runs', () => {
    expect(classifyPush(splitPushOutput('Everything up-to-date\n'), 0)).toMatchObject({outcome: 'up-to-date'})
  })

  it('a push to another branch is accepted without a deploy (exit 0)', () => {
    // Dokku's own lines for this case (plugins/git/functions, cmd-git-hook), relayed by git.
    const output = splitPushOutput(
      "remote: \x1b[1G\x1b[K-----> WARNING: deploy did not complete, you must push to main.        \n" +
        "remote: \x1b[1G\x1b[K-----> for example, try 'git push <dokku> staging:main'        \n" +
        'To 127.0.0.1:ga\n * [new branch]      abc -> staging\n',
    )
    expect(classifyPush(output, 0)).toEqual({
      outcome: 'not-deployed-wrong-branch',
      failedChecks: [],
      detail: 'WARNING: deploy did not complete, you must push to main.',
    })
  })
})

describe('pushes Dokku rejected', () => {
  it('failed health checks name every failed container and the check that failed', () => {
    expect(classifyPush(lines('push-ga-rev7-failed-healthcheck.txt'), 1)).toEqual({
      outcome: 'rejected',
      cause: 'checks-failed',
      failedChecks: [
        {container: 'web.2', count: 1},
        {container: 'web.1', count: 1},
      ],
      detail:
        "Could not start due to 1 failed checks (web.2): Failure in name='web check': unable to find expected content in response body: THIS-WILL-NOT-MATCH",
    })
    expect(classifyPush(lines('push-failed-healthcheck-earlier-run.txt'), 1)).toMatchObject({
      cause: 'checks-failed',
      failedChecks: [{container: 'web.1', count: 1}],
    })
  })

  it('a second push while the app is held meets the deploy lock', () => {
    expect(classifyPush(lines('push-ga-concurrent-while-held.txt'), 1)).toEqual({
      outcome: 'rejected',
      cause: 'deploy-lock-held',
      failedChecks: [],
      detail: 'ga currently has a deploy lock in place. Exiting...',
    })
  })

  it.each([['push-ga-rev3-abort.txt'], ['push-ga-rev9-abort-multiweb.txt']])('%s with the graduate gate → gate-aborted', (name) => {
    expect(classifyPush(withGraduateGate(name), 1)).toEqual({
      outcome: 'rejected',
      cause: 'gate-aborted',
      failedChecks: [],
      detail: expect.stringMatching(new RegExp(`^graduate: aborted ga \\(web\\.\\d\\) by graduation ${ID}`)),
    })
  })

  it('an abort by a gate graduate does not know is rejected for an unknown cause', () => {
    expect(classifyPush(lines('push-ga-rev3-abort.txt'), 1)).toEqual({
      outcome: 'rejected',
      cause: 'unknown',
      failedChecks: [],
      detail: "Dokku's deploy of web.1 failed",
    })
  })

  it('without a known marker, names the container jobs that failed, or else git’s rejection', () => {
    expect(classifyPush(lines('push-ga-rev9-abort-multiweb.txt'), 1).detail).toBe("Dokku's deploy of web.2, web.1 failed")
    expect(classifyPush(splitPushOutput(REJECTED), 1)).toEqual({
      outcome: 'rejected',
      cause: 'unknown',
      failedChecks: [],
      detail: '! [remote rejected] main -> main (pre-receive hook declined)',
    })
  })

  it('the gate refusing a deploy it was not armed for', () => {
    const output = splitPushOutput(
      `remote:  !     graduate: ga is held for graduation ${ID}; refusing this git-hook deploy (wait for it or run \`graduate abort production\`)        \n` +
        'remote: parallel: This job failed:        \n' +
        REJECTED,
    )
    expect(classifyPush(output, 1)).toMatchObject({outcome: 'rejected', cause: 'gate-refused', detail: expect.stringMatching(/^graduate: ga is held/)})
  })

  it.each([
    // plugins/common/functions (dokku_build) and plugins/app-json/functions.go (executeScript).
    [' !     App build failed', 'build-failed'],
    [' !     Execution of release task failed: ./bin/release', 'release-task-failed'],
    [' !     Execution of predeploy task failed: rake db:migrate', 'release-task-failed'],
  ])('%j → %s', (line, cause) => {
    const output = splitPushOutput(`remote: -----> Releasing ga...        \nremote: ${line}        \n${REJECTED}`)
    expect(classifyPush(output, 1)).toMatchObject({outcome: 'rejected', cause, detail: line.replace(/^ !\s+/, '')})
  })
})

describe('pushes that did not finish', () => {
  it('a push cut off while held is failed, not rejected', () => {
    expect(classifyPush(lines('push-ga-rev4-disconnect.txt'), null)).toEqual({
      outcome: 'failed',
      cause: 'unknown',
      failedChecks: [],
      detail: 'the connection closed before git finished',
    })
  })

  it('a git failure names git’s last error', () => {
    const output = splitPushOutput('fatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\n')
    expect(classifyPush(output, 128)).toMatchObject({outcome: 'failed', cause: 'unknown', detail: 'fatal: Could not read from remote repository.'})
  })
})

describe('line order does not matter', () => {
  it.each([['push-ga-rev7-failed-healthcheck.txt'], ['push-ga-concurrent-while-held.txt'], ['push-ga-rev2-hold-release.txt']])(
    '%s classifies the same reversed',
    (name) => {
      const exitCode = name.includes('rev2') ? 0 : 1
      const forward = classifyPush(lines(name), exitCode)
      const reversed = classifyPush(lines(name).reverse(), exitCode)

      expect(reversed.outcome).toBe(forward.outcome)
      expect(reversed.cause).toBe(forward.cause)
      expect(new Set(reversed.failedChecks.map((check) => check.container))).toEqual(new Set(forward.failedChecks.map((check) => check.container)))
    },
  )

  it('a failed check outranks the gate abort that followed it, in either order', () => {
    const failedCheck = 'remote:  !     Could not start due to 1 failed checks (web.2)        \n'
    const gateAbort = `remote:  !     graduate: aborted ga (web.1) by graduation ${ID}; restored dokku/ga:latest and GIT_REV        \n`

    expect(classifyPush(splitPushOutput(failedCheck + gateAbort + REJECTED), 1).cause).toBe('checks-failed')
    expect(classifyPush(splitPushOutput(gateAbort + failedCheck + REJECTED), 1).cause).toBe('checks-failed')
  })
})
