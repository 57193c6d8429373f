# shellcheck shell=bash
# Letting released deploys through the nginx switch (PROTOCOL.md "nginx-pre-reload"), shared by
# graduate:switch and graduate:await-switch --then-switch. Sourced after lib/common.sh.

# switch_app <id> <app> <at_ms>: makes the app's go mark and wakes whoever waits at its switch; prints
# one line, `switched <app> <reached_ms> <at_ms>`, `passed <app> <reached_ms> <passed_ms> <by>` or
# `open <app>`, or warns and returns 1. No mutex and no process: the state files are replaced whole,
# so reading them unlocked is safe, and the mark is made by the shell itself. Every fork here is
# latency between the hosts.
switch_app() {
  local id=$1 app=$2 at=$3 refusal="" line=""
  app_state_paths "$app"
  load_app_state
  switch_go_mark "$APP_DIR" "$id"
  if ! is_armed || [[ ${ARMED[id]} != "$id" ]]; then
    refusal="$app is not armed for graduation $id; nothing to switch"
  elif [[ ${DECISION[decision]:-} != release ]]; then
    refusal="graduation $id has not released $app (${DECISION[decision]:-no decision yet}); only a released deploy is switched"
  elif ! { : >"$SWITCH_GO_MARK"; } 2>/dev/null; then
    refusal="could not record the switch of $app in $APP_DIR (is the disk full?); its reload goes ahead on its own when its wait ends"
  else
    wake_switch_waiters
    # Read again after the mark: a deploy arriving meanwhile either saw the mark or is in this state.
    kv_load "$SWITCH_FILE" SWITCH || true
    if [[ ${SWITCH[id]:-} == "$id" && -n ${SWITCH[passed_ms]:-} ]]; then
      line="passed $app ${SWITCH[reached_ms]} ${SWITCH[passed_ms]} ${SWITCH[by]:-switch}"
    elif [[ ${SWITCH[id]:-} == "$id" ]]; then
      line="switched $app ${SWITCH[reached_ms]} $at"
    else
      line="open $app"
    fi
  fi
  if [[ -n $refusal ]]; then
    log_warn "graduate: $refusal"
    return 1
  fi
  printf '%s\n' "$line"
}
