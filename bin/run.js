#!/usr/bin/env node
import {execute} from '@oclif/core'
import {routeArgv} from '../dist/cli/route.js'

await execute({dir: import.meta.url, args: routeArgv(process.argv.slice(2))})
