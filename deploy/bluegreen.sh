#!/usr/bin/env bash
# Blue/green release of HSE Digital, the runbook's "Blue-Green Deployment"
# steps as one command that stops at the first failure.
#
#   deploy/bluegreen.sh [--dry-run] IMAGE     release IMAGE to the idle slot and switch to it
#   deploy/bluegreen.sh [--dry-run] --rollback switch traffic back to the other slot
#
# Steps of a release (traffic moves only at step 5; a failure before that
# leaves it where it was, and from step 3 on the idle slot, the rollback
# slot, runs the new image: the failure then says which slot runs which
# image and the command that puts the idle slot back):
#   1. find the active slot from the selector of the Service
#   2. run the migration Job from IMAGE (hse migrate up) and wait for it
#   3. set IMAGE on the idle slot, wait for the rollout and for its pods
#   4. smoke test the idle slot through kubectl port-forward
#   5. switch the Service's selector to the idle slot
#   6. watch the error rate; switch back by itself if it crosses the threshold
#
# Migrations run before the new pods start, not after as in the seed runbook:
# "hse serve" refuses to start on a schema that is behind, so new pods could
# never become ready before migrating. The old slot keeps serving on the newer
# schema, which is why migrations must be backward compatible (expand first,
# contract in a later release).
#
# Environment (defaults in brackets):
#   NAMESPACE          [hse-production]
#   DEPLOY_PREFIX      [prod-hse-app]    Deployments are PREFIX-blue and PREFIX-green
#   SERVICE            [hse-app-service]
#   CONTAINER          [app]
#   APP_LABEL          [hse-app]         pods are app=APP_LABEL,slot=blue|green
#   APP_PORT           [3001]
#   ROLLOUT_TIMEOUT    [10m]             kubectl rollout status --timeout
#   READY_TIMEOUT      [300s]            kubectl wait --timeout for the pods
#   MIGRATION_TEMPLATE [k8s/migration/job.yaml beside this script]
#   MIGRATION_JOB      [hse-migrate-<UTC time>]
#   MIGRATION_TIMEOUT  [960]             seconds; the Job itself gives up after 900
#   LOCAL_PORT         [8080]            local end of the port-forward
#   SMOKE_CMD          [curl /api/ready and /api/health]  a command to which the
#                      idle slot's URL is appended, e.g. SMOKE_CMD="hse smoke --url"
#   PROMETHEUS_URL     []                watch the error rate there; without it,
#                      watch the new slot's pods for restarts and readiness
#   PROM_SELECTOR      [job="hse-digital",namespace="$NAMESPACE",slot="<new slot>"]
#   ERROR_WINDOW       [2m]              rate() window of the error-rate query
#   ERROR_THRESHOLD    [0.05]            error ratio that triggers the switch back
#   WATCH_SECONDS      [300]             how long step 6 watches
#   WATCH_INTERVAL     [10]              seconds between checks
#   POLL_INTERVAL      [5]               seconds between migration status checks
#   KUBECTL            [kubectl]
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

NAMESPACE=${NAMESPACE:-hse-production}
DEPLOY_PREFIX=${DEPLOY_PREFIX:-prod-hse-app}
SERVICE=${SERVICE:-hse-app-service}
CONTAINER=${CONTAINER:-app}
APP_LABEL=${APP_LABEL:-hse-app}
APP_PORT=${APP_PORT:-3001}
ROLLOUT_TIMEOUT=${ROLLOUT_TIMEOUT:-10m}
READY_TIMEOUT=${READY_TIMEOUT:-300s}
MIGRATION_TEMPLATE=${MIGRATION_TEMPLATE:-$script_dir/k8s/migration/job.yaml}
MIGRATION_JOB=${MIGRATION_JOB:-hse-migrate-$(date -u +%Y%m%d%H%M%S)}
MIGRATION_TIMEOUT=${MIGRATION_TIMEOUT:-960}
LOCAL_PORT=${LOCAL_PORT:-8080}
SMOKE_CMD=${SMOKE_CMD:-}
PROMETHEUS_URL=${PROMETHEUS_URL:-}
PROM_SELECTOR=${PROM_SELECTOR:-}
ERROR_WINDOW=${ERROR_WINDOW:-2m}
ERROR_THRESHOLD=${ERROR_THRESHOLD:-0.05}
WATCH_SECONDS=${WATCH_SECONDS:-300}
WATCH_INTERVAL=${WATCH_INTERVAL:-10}
POLL_INTERVAL=${POLL_INTERVAL:-5}
KUBECTL=${KUBECTL:-kubectl}

usage() {
	sed -n '4,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}/usage: /' >&2
	echo "see the comment at the top of ${BASH_SOURCE[0]} for the environment variables" >&2
	exit 2
}

dry_run=false
rollback=false
image=
while [[ $# -gt 0 ]]; do
	case "$1" in
	--dry-run) dry_run=true ;;
	--rollback) rollback=true ;;
	-h | --help) usage ;;
	-*) echo "unknown option $1" >&2; usage ;;
	*)
		[[ -z "$image" ]] || usage
		image=$1
		;;
	esac
	shift
done
if $rollback; then
	[[ -z "$image" ]] || usage
elif [[ -z "$image" ]]; then
	usage
fi

log() { printf '[bluegreen %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# The slot that has traffic, once known; every failure message says where
# traffic is, so that nobody has to guess at 3 a.m.
active=
# Set once step 2 has migrated and once step 3 has begun to change the idle
# slot: from then on a failure also says what changed and how to undo it.
migrated=false
idle_changed=false
fail() {
	log "FAILED: $*"
	if [[ -n "$active" ]]; then
		log "traffic untouched: $SERVICE still selects slot=$active"
	else
		log "nothing was changed"
	fi
	if $migrated; then
		log "the migrations of step 2 (job/$MIGRATION_JOB) stay applied; the release on slot=$active runs on the newer schema"
	fi
	if $idle_changed; then
		report_idle
	fi
	exit 1
}

# image_of prints the image of a slot's application container.
image_of() {
	k get deployment "$DEPLOY_PREFIX-$1" -n "$NAMESPACE" \
		-o "jsonpath={.spec.template.spec.containers[?(@.name==\"$CONTAINER\")].image}"
}

# report_idle says which slot runs which image once step 3 has touched the
# idle slot, which until then held the previous release for a rollback, and
# how to put it back.
report_idle() {
	local now
	now=$(image_of "$target" 2>/dev/null) || now=
	log "slot=$active (traffic) runs $active_image"
	if [[ "$now" == "$target_image" ]]; then
		log "slot=$target still runs $target_image: it is still the rollback slot"
		return
	fi
	log "slot=$target (the rollback slot) now runs ${now:-an image that cannot be read}, no longer $target_image: until it is put back, deploy/bluegreen.sh --rollback would switch traffic to the failed release"
	log "to put it back: $KUBECTL set image deployment/$DEPLOY_PREFIX-$target $CONTAINER=$target_image -n $NAMESPACE && $KUBECTL rollout status deployment/$DEPLOY_PREFIX-$target -n $NAMESPACE --timeout=$ROLLOUT_TIMEOUT"
}

# run executes a command that changes the cluster, or prints it in a dry run.
run() {
	if $dry_run; then
		printf '+ %s\n' "$(printf '%q ' "$@")"
		return 0
	fi
	"$@"
}

k() { "$KUBECTL" "$@"; }

other() { [[ "$1" == blue ]] && echo green || echo blue; }

# active_slot reads the Service's selector (runbook step 1).
active_slot() {
	local slot
	if ! slot=$(k get svc "$SERVICE" -n "$NAMESPACE" -o 'jsonpath={.spec.selector.slot}'); then
		if $dry_run; then
			log "dry run: cannot read $SERVICE; assuming slot=blue is active"
			echo blue
			return
		fi
		fail "step 1: cannot read the selector of service $SERVICE in $NAMESPACE"
	fi
	case "$slot" in
	blue | green) echo "$slot" ;;
	*) fail "step 1: service $SERVICE selects slot=\"$slot\", expected blue or green" ;;
	esac
}

switch_to() {
	local slot=$1
	run "$KUBECTL" patch svc "$SERVICE" -n "$NAMESPACE" --type=merge \
		-p "{\"spec\":{\"selector\":{\"slot\":\"$slot\"}}}" || return 1
	if ! $dry_run; then
		local now
		now=$(k get svc "$SERVICE" -n "$NAMESPACE" -o 'jsonpath={.spec.selector.slot}') || return 1
		if [[ "$now" != "$slot" ]]; then
			log "the selector reads slot=$now after switching to $slot"
			return 1
		fi
	fi
}

# --rollback: the other slot still runs the previous release (the script
# never scales it down), so switching back is instant.
if $rollback; then
	active=$(active_slot)
	previous=$(other "$active")
	ready=$(k get deployment "$DEPLOY_PREFIX-$previous" -n "$NAMESPACE" -o 'jsonpath={.status.readyReplicas}' || true)
	if ! $dry_run && [[ "${ready:-0}" -lt 1 ]]; then
		fail "rollback: $DEPLOY_PREFIX-$previous has no ready pods; not switching to it"
	fi
	previous_image=$(image_of "$previous" || true)
	log "rollback: switching $SERVICE from slot=$active to slot=$previous (${previous_image:-image unknown}, ${ready:-?} ready pods)"
	switch_to "$previous" || fail "rollback: cannot patch service $SERVICE"
	active=$previous
	log "rollback done: traffic is on slot=$previous"
	exit 0
fi

# Step 1.
active=$(active_slot)
target=$(other "$active")
log "step 1: active slot=$active, releasing $image to slot=$target ($DEPLOY_PREFIX-$target in $NAMESPACE)"
# Before anything changes: a wrong DEPLOY_PREFIX or NAMESPACE must not get as
# far as migrating the database. The images of both slots are noted, so that a
# failure after step 3 can say what the rollback slot ran before.
if ! target_image=$(image_of "$target") || [[ -z "$target_image" ]]; then
	$dry_run || fail "step 1: deployment $DEPLOY_PREFIX-$target (container $CONTAINER) not found in $NAMESPACE"
	target_image=unknown
fi
active_image=$(image_of "$active") || active_image=
active_image=${active_image:-unknown}
log "step 1: slot=$active runs $active_image; slot=$target runs $target_image (the rollback slot until step 3)"

# Step 2: the migration Job, a copy of the template with this release's image
# and a unique name.
log "step 2: migrating with job/$MIGRATION_JOB"
[[ -r "$MIGRATION_TEMPLATE" ]] || fail "step 2: migration template $MIGRATION_TEMPLATE not found"
job_yaml=$(sed -E \
	-e "s|^  name: hse-migrate\$|  name: $MIGRATION_JOB|" \
	-e "s|^( +)image: .*\$|\\1image: $image|" \
	"$MIGRATION_TEMPLATE")
if ! grep -qx "  name: $MIGRATION_JOB" <<<"$job_yaml" || ! grep -qF "image: $image" <<<"$job_yaml"; then
	fail "step 2: $MIGRATION_TEMPLATE does not have the expected name: and image: lines"
fi
if $dry_run; then
	printf '+ %s <<EOF\n%s\nEOF\n' "$(printf '%q ' "$KUBECTL" create -n "$NAMESPACE" -f -)" "$job_yaml"
else
	k create -n "$NAMESPACE" -f - <<<"$job_yaml" >&2 || fail "step 2: cannot create job/$MIGRATION_JOB"
	deadline=$((SECONDS + MIGRATION_TIMEOUT))
	while :; do
		conditions=$(k get job "$MIGRATION_JOB" -n "$NAMESPACE" \
			-o 'jsonpath={range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}') ||
			fail "step 2: cannot read job/$MIGRATION_JOB"
		case " $conditions " in
		*" Complete "*) break ;;
		*" Failed "*)
			k logs "job/$MIGRATION_JOB" -n "$NAMESPACE" --tail=50 >&2 || true
			fail "step 2: migration job/$MIGRATION_JOB failed (logs above; kubectl describe job/$MIGRATION_JOB -n $NAMESPACE)"
			;;
		esac
		if ((SECONDS >= deadline)); then
			k logs "job/$MIGRATION_JOB" -n "$NAMESPACE" --tail=50 >&2 || true
			fail "step 2: migration job/$MIGRATION_JOB did not finish within ${MIGRATION_TIMEOUT}s"
		fi
		sleep "$POLL_INTERVAL"
	done
	log "step 2: migrations applied"
	migrated=true
fi

# Step 3.
log "step 3: deploying $image to $DEPLOY_PREFIX-$target"
$dry_run || idle_changed=true
run "$KUBECTL" set image "deployment/$DEPLOY_PREFIX-$target" "$CONTAINER=$image" -n "$NAMESPACE" ||
	fail "step 3: cannot set the image of $DEPLOY_PREFIX-$target"
run "$KUBECTL" rollout status "deployment/$DEPLOY_PREFIX-$target" -n "$NAMESPACE" --timeout="$ROLLOUT_TIMEOUT" ||
	fail "step 3: $DEPLOY_PREFIX-$target did not roll out (kubectl describe deployment/$DEPLOY_PREFIX-$target -n $NAMESPACE)"
run "$KUBECTL" wait --for=condition=Ready --timeout="$READY_TIMEOUT" pod -l "app=$APP_LABEL,slot=$target" -n "$NAMESPACE" ||
	fail "step 3: the pods of slot=$target did not become ready"

# Step 4: through a port-forward to the idle slot, which has no traffic yet.
log "step 4: smoke testing slot=$target"
url="http://127.0.0.1:$LOCAL_PORT"
if $dry_run; then
	printf '+ %s &\n' "$(printf '%q ' "$KUBECTL" port-forward -n "$NAMESPACE" "deployment/$DEPLOY_PREFIX-$target" "$LOCAL_PORT:$APP_PORT")"
	if [[ -n "$SMOKE_CMD" ]]; then
		printf '+ %s %q\n' "$SMOKE_CMD" "$url"
	else
		printf '+ curl -fsS %s/api/ready\n+ curl -fsS %s/api/health\n' "$url" "$url"
	fi
else
	pf_log=$(mktemp)
	"$KUBECTL" port-forward -n "$NAMESPACE" "deployment/$DEPLOY_PREFIX-$target" "$LOCAL_PORT:$APP_PORT" >"$pf_log" 2>&1 &
	pf_pid=$!
	trap 'kill "$pf_pid" 2>/dev/null || true; rm -f "$pf_log"' EXIT
	up=false
	for _ in $(seq 60); do
		if ! kill -0 "$pf_pid" 2>/dev/null; then
			cat "$pf_log" >&2
			fail "step 4: kubectl port-forward to $DEPLOY_PREFIX-$target exited"
		fi
		if curl -fsS -o /dev/null --max-time 2 "$url/api/live" 2>/dev/null; then
			up=true
			break
		fi
		sleep 0.5
	done
	$up || fail "step 4: $url/api/live did not answer through the port-forward"
	if [[ -n "$SMOKE_CMD" ]]; then
		SMOKE_URL=$url bash -c "$SMOKE_CMD \"\$SMOKE_URL\"" >&2 || fail "step 4: smoke test failed: $SMOKE_CMD $url"
	else
		for path in /api/ready /api/health; do
			curl -fsS --max-time 10 "$url$path" >&2 || fail "step 4: GET $path on slot=$target failed"
			echo >&2
		done
	fi
	kill "$pf_pid" 2>/dev/null || true
	wait "$pf_pid" 2>/dev/null || true
	trap - EXIT
	rm -f "$pf_log"
	log "step 4: smoke test passed"
fi

# Step 5.
log "step 5: switching $SERVICE from slot=$active to slot=$target"
switch_to "$target" || fail "step 5: cannot switch service $SERVICE to slot=$target (check it with: $KUBECTL get svc $SERVICE -n $NAMESPACE -o yaml)"
previous=$active
active=$target
log "step 5: traffic is on slot=$target; slot=$previous keeps the previous release for a rollback"

# Step 6.
if $dry_run; then
	log "step 6: would watch slot=$target for ${WATCH_SECONDS}s and switch back to slot=$previous above an error ratio of $ERROR_THRESHOLD"
	exit 0
fi

switch_back() {
	log "step 6: $*; switching back to slot=$previous"
	if ! switch_to "$previous"; then
		log "CRITICAL: could not switch back; traffic may still be on slot=$target: run deploy/bluegreen.sh --rollback"
		exit 1
	fi
	active=$previous
	log "traffic is back on slot=$previous; slot=$target runs $image for inspection"
	log "to make slot=$target the rollback slot again: $KUBECTL set image deployment/$DEPLOY_PREFIX-$target $CONTAINER=$target_image -n $NAMESPACE"
	exit 1
}

# error_ratio prints the new slot's error ratio, or nothing when Prometheus
# has no data yet (no traffic, or no slot label on the series).
error_ratio() {
	local sel=${PROM_SELECTOR:-job=\"hse-digital\",namespace=\"$NAMESPACE\",slot=\"$target\"}
	local q="sum(rate(hse_digital_http_request_errors_total{$sel}[$ERROR_WINDOW])) / sum(rate(hse_digital_http_requests_total{$sel}[$ERROR_WINDOW]))"
	local body
	body=$(curl -fsS --max-time 10 -G "${PROMETHEUS_URL%/}/api/v1/query" --data-urlencode "query=$q") || return 1
	sed -n 's/.*"value":\[[^,]*,"\([^"]*\)"\].*/\1/p' <<<"$body"
}

# pod_states prints "restarts ready" per pod of the new slot.
pod_states() {
	k get pods -n "$NAMESPACE" -l "app=$APP_LABEL,slot=$target" \
		-o 'jsonpath={range .items[*]}{.metadata.name}{" "}{.status.containerStatuses[0].restartCount}{" "}{.status.containerStatuses[0].ready}{"\n"}{end}'
}
restarts() { awk '{s += $2} END {print s + 0}' <<<"$1"; }
not_ready() { awk '$3 != "true" {n++} END {print n + 0}' <<<"$1"; }

if [[ -n "$PROMETHEUS_URL" ]]; then
	log "step 6: watching the error ratio of slot=$target in Prometheus for ${WATCH_SECONDS}s (threshold $ERROR_THRESHOLD)"
else
	log "step 6: PROMETHEUS_URL not set; watching the pods of slot=$target for restarts and readiness for ${WATCH_SECONDS}s"
	baseline=$(pod_states) || fail "step 6: cannot list the pods of slot=$target"
fi
unready_checks=0
deadline=$((SECONDS + WATCH_SECONDS))
while ((SECONDS < deadline)); do
	sleep "$WATCH_INTERVAL"
	if [[ -n "$PROMETHEUS_URL" ]]; then
		if ! ratio=$(error_ratio); then
			log "step 6: Prometheus did not answer; still watching"
			continue
		fi
		case "$ratio" in
		"" | NaN) log "step 6: no requests on slot=$target yet" ;;
		*)
			log "step 6: error ratio of slot=$target: $ratio"
			if awk -v r="$ratio" -v t="$ERROR_THRESHOLD" 'BEGIN {exit !(r + 0 > t + 0)}'; then
				switch_back "error ratio $ratio is above $ERROR_THRESHOLD"
			fi
			;;
		esac
	else
		if ! now=$(pod_states); then
			log "step 6: cannot list pods; still watching"
			continue
		fi
		if (($(restarts "$now") > $(restarts "$baseline"))); then
			switch_back "pods of slot=$target restarted ($(restarts "$baseline") -> $(restarts "$now") restarts)"
		fi
		if (($(not_ready "$now") > 0)); then
			unready_checks=$((unready_checks + 1))
			log "step 6: $(not_ready "$now") pods of slot=$target not ready"
			# Twice in a row: one failed probe during a scale-up is not a bad release.
			((unready_checks < 2)) || switch_back "pods of slot=$target stay not ready"
		else
			unready_checks=0
		fi
	fi
done
log "done: $image is live on slot=$target; slot=$previous keeps the previous release (deploy/bluegreen.sh --rollback switches back)"
