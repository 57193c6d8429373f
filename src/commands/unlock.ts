import {Args, Flags} from '@oclif/core'
import {GraduateCommand} from '../cli/base-command.js'
import {confirmOrRefuse} from '../cli/confirmation.js'
import {acceptNewHostKeysFlag, manifestFlag, yesFlag} from '../cli/flags.js'
import {ExitCode} from '../exit-codes.js'
import {readEnvironmentState} from '../recovery/environment-state.js'
import {withEnvironment} from '../recovery/session.js'
import {planUnlock, unlockEnvironmentLock} from '../recovery/unlock.js'

export default class Unlock extends GraduateCommand {
  static override summary = "Release an environment's lock when the graduation that took it is gone."

  static override description = `A graduation locks its target environment on every target host; the lock expires on its own one
lease after its runner stops renewing it. This releases it now. A lock whose graduation still holds
gates with live leases is refused (it may still be running) unless --force.`

  static override examples = ['<%= config.bin %> unlock production', '<%= config.bin %> unlock production --yes']

  static override args = {env: Args.string({description: 'the environment to unlock', required: true})}
  static override flags = {
    manifest: manifestFlag,
    'accept-new-host-keys': acceptNewHostKeysFlag,
    yes: yesFlag,
    force: Flags.boolean({description: 'Unlock even though the graduation still holds gates.', default: false}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Unlock)
    const result = await withEnvironment(flags.manifest, args.env, async ({env, hosts, commandMs}) => {
      const state = await readEnvironmentState(env, hosts, commandMs)
      const plan = planUnlock(state)
      if (plan.id === null) return {plan, released: [] as string[], confirmed: true}
      const question = `Release the ${env.name} lock of graduation ${plan.id} held by ${plan.owner} on ${plan.hosts.join(', ')}?`
      if (!(await confirmOrRefuse(question, {yes: flags.yes, what: `release the ${env.name} lock`}))) return {plan, released: [] as string[], confirmed: false}
      return {plan, released: await unlockEnvironmentLock(state, plan, {force: flags.force, commandMs}), confirmed: true}
    }, {acceptNewHostKeys: flags['accept-new-host-keys']})
    if (!result.confirmed) {
      process.stderr.write('The lock was left in place.\n')
      process.exitCode = ExitCode.Aborted
      return
    }
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({env: result.plan.env, id: result.plan.id, owner: result.plan.owner, released: result.released})}\n`)
      return
    }
    process.stdout.write(
      result.plan.id === null
        ? `${result.plan.env} is not locked\n`
        : `released the ${result.plan.env} lock of graduation ${result.plan.id} (${result.plan.owner}) on ${result.released.join(', ')}\n`,
    )
  }
}
