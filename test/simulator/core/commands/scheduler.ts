import type {CoreCommand} from '../context.js'
import {fail} from '../io.js'
import {verifyApp} from '../store/apps.js'
import {GLOBAL, computedProperty, getProperty, setProperty} from '../store/properties.js'
import {report} from './report.js'

/** scheduler:report (plugins/scheduler/report.go): prefix trimmed, legacy keys kept; docker-local by default. */
export const schedulerReport: CoreCommand = (ctx, args) =>
  report(
    ctx,
    args.slice(1),
    {type: 'scheduler', trimPrefix: true, emitLegacyPrefix: true},
    (app) => ({
      '--scheduler-computed-selected': computedProperty(ctx.paths, 'scheduler', app, 'selected', 'docker-local'),
      '--scheduler-global-selected': getProperty(ctx.paths, 'scheduler', GLOBAL, 'selected') ?? '',
      '--scheduler-selected': getProperty(ctx.paths, 'scheduler', app, 'selected') ?? '',
      '--scheduler-computed-shell': '/bin/bash',
      '--scheduler-global-shell': '',
      '--scheduler-shell': '',
    }),
    (app) => verifyApp(ctx.paths, app),
  )

export const schedulerSet: CoreCommand = (ctx, args) => {
  const app = verifyApp(ctx.paths, args[1])
  const [key, value] = args.slice(2)
  if (key !== 'selected') fail('Invalid property specified, valid properties include: selected, shell')
  setProperty(ctx.paths, 'scheduler', app, 'selected', value ?? '')
  ctx.out.info1(`Setting ${key} to ${value ?? ''}`)
  return 0
}
