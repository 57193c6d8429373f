# shellcheck shell=bash
# The decision verbs (graduate:release and graduate:abort): write the decision, wake the waiting
# gates at once, and on abort restore an app that nothing is holding.

# decide_main <release|abort> <dokku command> <id> <app>...
decide_main() {
  local decision=$1 app status=0
  shift 2
  parse_id_and_apps "$decision" "$@"
  for app in "${VERB_APPS[@]}"; do
    decide_app "$decision" "$app" || status=1
  done
  exit "$status"
}

decide_app() {
  local decision=$1 app=$2 refusal=""
  app_state_paths "$app"
  [[ -f $ARMED_FILE ]] || {
    log_warn "graduate: $app is not armed, so there is nothing to $decision; arm it for graduation $VERB_ID first"
    return 1
  }
  mutex_acquire "$APP_DIR/.lock"
  load_app_state
  if ! is_armed; then
    refusal="$app is not armed, so there is nothing to $decision; arm it for graduation $VERB_ID first"
  elif [[ ${ARMED[id]} != "$VERB_ID" ]]; then
    refusal="$app is armed for graduation ${ARMED[id]}, not $VERB_ID; refusing to $decision it"
  elif [[ -n ${DECISION[decision]:-} ]]; then
    # The same decision again is a retry. An expired or orphaned hold has already been aborted.
    if [[ ${DECISION[decision]} != "$decision" ]] && ! { [[ $decision == abort ]] && is_abort_like "${DECISION[decision]}"; }; then
      refusal="graduation $VERB_ID has already decided '${DECISION[decision]}' for $app (${DECISION[reason]:-at ${DECISION[decided_at]}}); it cannot be changed to $decision"
    fi
  elif [[ $decision == release ]] && lease_expired; then
    refusal="the lease of graduation $VERB_ID on $app ended at ${ARMED[expires_at]}, so its gate has aborted the deploy; run the graduation again"
  elif ! claim_decision "$decision" "graduate:$decision by graduation $VERB_ID"; then
    # Nothing was decided: the caller must not believe otherwise (a full disk, say).
    refusal="could not record the $decision of $app in $APP_DIR (is the disk full?); nothing was decided, so send it again once that is fixed"
  else
    wake_waiters
  fi

  if [[ -z $refusal && $decision == abort ]]; then
    restore_if_nothing_holds "$app" || refusal="$app is aborted, but restoring its old release failed (above); run the same abort again to retry"
  fi
  mutex_release
  if [[ -n $refusal ]]; then
    log_warn "graduate: $refusal"
    return 1
  fi
  if [[ $decision == release ]]; then printf 'released %s\n' "$app"; else printf 'aborted %s\n' "$app"; fi
}

# An app whose build failed (or never started) has no gate to restore it. A held gate restores on
# its own, and a deploy still running may yet re-tag latest, so both are left alone.
restore_if_nothing_holds() {
  count_live_waiters
  ((LIVE_WAITERS == 0)) || return 0
  deploy_in_progress "$1" && return 0
  restore_app "$1" -
}
