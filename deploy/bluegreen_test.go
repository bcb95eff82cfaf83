package deploy_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	"sigs.k8s.io/yaml"
)

// The fakes record every call, one line each, in $FAKE_LOG and keep the
// Service's selector in $FAKE_STATE/slot and each Deployment's image in
// $FAKE_STATE/image-NAME. FAKE_FAIL makes the call whose recorded line
// contains it fail.
const fakeKubectl = `#!/usr/bin/env bash
line="kubectl $*"
printf '%s\n' "$line" >>"$FAKE_LOG"
if [[ -n "${FAKE_FAIL:-}" && "$line" == *"$FAKE_FAIL"* ]]; then
	echo "fake kubectl: failing: $line" >&2
	exit 1
fi
case "$1 $2" in
"get svc") cat "$FAKE_STATE/slot" ;;
"get deployment")
	if [[ "$*" == *readyReplicas* ]]; then echo "${FAKE_READY:-2}"
	elif [[ "$*" == *.image* ]]; then cat "$FAKE_STATE/image-$3" 2>/dev/null || echo "ghcr.io/org/hse-digital:v1.0.0"
	else echo "deployment.apps/$3"; fi ;;
"set image")
	# kubectl set image deployment/NAME CONTAINER=IMAGE ...
	printf '%s\n' "${4#*=}" >"$FAKE_STATE/image-${3#deployment/}" ;;
"get job") echo "${FAKE_JOB_STATUS-Complete} " ;;
"get pods")
	# The first listing is the baseline; later ones may differ.
	if [[ -e "$FAKE_STATE/pods-listed" ]]; then
		printf '%s\n' "${FAKE_PODS_LATER:-${FAKE_PODS:-pod-a 0 true}}"
	else
		touch "$FAKE_STATE/pods-listed"
		printf '%s\n' "${FAKE_PODS:-pod-a 0 true}"
	fi ;;
"patch svc")
	while [[ $# -gt 0 && "$1" != "-p" ]]; do shift; done
	sed -n 's/.*"slot":"\([a-z]*\)".*/\1/p' <<<"$2" >"$FAKE_STATE/slot" ;;
"create -n") cat >"$FAKE_STATE/job.yaml" ;;
"port-forward -n")
	echo $$ >"$FAKE_STATE/port-forward-pid"
	touch "$FAKE_STATE/port-forward-up"
	exec sleep 30 ;;
"logs job/"*) echo "fake migration logs" ;;
esac
`

const fakeCurl = `#!/usr/bin/env bash
line="curl $*"
printf '%s\n' "$line" >>"$FAKE_LOG"
if [[ -n "${FAKE_FAIL:-}" && "$line" == *"$FAKE_FAIL"* ]]; then exit 22; fi
case "$*" in
*/api/v1/query*)
	printf '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000.5,"%s"]}]}}\n' "${FAKE_ERROR_RATIO:-0}" ;;
*127.0.0.1*)
	# Only through the port-forward, as for real.
	[[ -e "$FAKE_STATE/port-forward-up" ]] || exit 7
	echo '{"status":"ok"}' ;;
*) exit 6 ;;
esac
`

// fakeSmoke stands in for "hse smoke --url URL".
const fakeSmoke = `#!/usr/bin/env bash
line="smoke $*"
printf '%s\n' "$line" >>"$FAKE_LOG"
if [[ -n "${FAKE_FAIL:-}" && "$line" == *"$FAKE_FAIL"* ]]; then exit 1; fi
`

const (
	testImage     = "ghcr.io/org/hse-digital:v9.9.9"
	activeImage   = "ghcr.io/org/hse-digital:v1.4.0" // on the active slot when a test starts
	previousImage = "ghcr.io/org/hse-digital:v1.3.0" // on the other slot, the rollback slot
)

func other(slot string) string {
	if slot == "blue" {
		return "green"
	}
	return "blue"
}

// bgResult is what one run of deploy/bluegreen.sh did.
type bgResult struct {
	calls  []string // kubectl, curl and smoke calls, in order
	slot   string   // the Service's selector afterwards
	job    string   // the migration Job it created, if any
	stdout string
	stderr string
	err    error
	env    []string // the script's environment, fakes first on PATH
	state  string   // the fakes' state directory
}

// image is the image the fake cluster has on a Deployment.
func (r bgResult) image(t *testing.T, deployment string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(r.state, "image-"+deployment))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func (r bgResult) called(prefix string) int {
	n := 0
	for _, c := range r.calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

// runBlueGreen runs the script with the fakes first on PATH, the selector at
// active, and env on top of fast test timings.
func runBlueGreen(t *testing.T, active string, env map[string]string, args ...string) bgResult {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not found")
	}
	dir := t.TempDir()
	bin, state := filepath.Join(dir, "bin"), filepath.Join(dir, "state")
	for _, d := range []string{bin, state} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range map[string]string{"kubectl": fakeKubectl, "curl": fakeCurl, "fake-smoke": fakeSmoke} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(state, "slot"), []byte(active+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The active slot runs the current release, the other the one before.
	for slot, img := range map[string]string{active: activeImage, other(active): previousImage} {
		if err := os.WriteFile(filepath.Join(state, "image-prod-hse-app-"+slot), []byte(img+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	logFile := filepath.Join(dir, "calls.log")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", append([]string{"bluegreen.sh"}, args...)...)
	cmd.Env = []string{
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + dir,
		"FAKE_LOG=" + logFile,
		"FAKE_STATE=" + state,
		"MIGRATION_JOB=hse-migrate-test",
		"POLL_INTERVAL=0.05",
		"WATCH_SECONDS=3", // bash counts whole seconds: leave room for several checks on a busy machine
		"WATCH_INTERVAL=0.2",
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// The fake port-forward may outlive the script if it is not killed;
	// WaitDelay keeps that from blocking the test on the shared pipes.
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("bluegreen.sh timed out\nstderr:\n%s", stderr.String())
	}

	r := bgResult{stdout: stdout.String(), stderr: stderr.String(), err: err, env: cmd.Env, state: state}
	if b, err := os.ReadFile(logFile); err == nil {
		r.calls = strings.Split(strings.TrimSpace(string(b)), "\n")
	}
	b, _ := os.ReadFile(filepath.Join(state, "slot"))
	r.slot = strings.TrimSpace(string(b))
	if b, err := os.ReadFile(filepath.Join(state, "job.yaml")); err == nil {
		r.job = string(b)
	}
	// The script must not leave its port-forward running (it would hold the
	// local port for the next release).
	if b, err := os.ReadFile(filepath.Join(state, "port-forward-pid")); err == nil {
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		if !exited(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("the port-forward (pid %d) is still running after the script exited", pid)
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("calls:\n%s\nstdout:\n%s\nstderr:\n%s", strings.Join(r.calls, "\n"), r.stdout, r.stderr)
		}
	})
	return r
}

// exited reports whether pid is gone, giving it a moment to be reaped.
func exited(pid int) bool {
	for range 50 {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return true
		}
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil && strings.Contains(string(b), ") Z ") {
			return true // a zombie waiting for its reaper has stopped running
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// sequence reduces the calls to compare them with an expected list: repeated
// polls collapse into one, and the port-forward, which runs in the background
// and records itself concurrently with the first probe, is checked apart.
func sequence(t *testing.T, calls []string) []string {
	t.Helper()
	var seq []string
	pf := -1
	for _, c := range calls {
		if strings.HasPrefix(c, "kubectl port-forward") {
			pf = len(seq)
			continue
		}
		if len(seq) > 0 && seq[len(seq)-1] == c {
			continue
		}
		seq = append(seq, c)
	}
	if pf >= 0 && !slices.ContainsFunc(seq[:pf], func(c string) bool { return strings.HasPrefix(c, "kubectl wait") }) {
		t.Errorf("the port-forward started before the pods were ready")
	}
	return seq
}

const (
	getSlot     = `kubectl get svc hse-app-service -n hse-production -o jsonpath={.spec.selector.slot}`
	greenImage  = `kubectl get deployment prod-hse-app-green -n hse-production -o jsonpath={.spec.template.spec.containers[?(@.name=="app")].image}`
	blueImage   = `kubectl get deployment prod-hse-app-blue -n hse-production -o jsonpath={.spec.template.spec.containers[?(@.name=="app")].image}`
	jobStatus   = `kubectl get job hse-migrate-test -n hse-production -o jsonpath={range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}`
	listPods    = `kubectl get pods -n hse-production -l app=hse-app,slot=green -o jsonpath={range .items[*]}{.metadata.name}{" "}{.status.containerStatuses[0].restartCount}{" "}{.status.containerStatuses[0].ready}{"\n"}{end}`
	patchGreen  = `kubectl patch svc hse-app-service -n hse-production --type=merge -p {"spec":{"selector":{"slot":"green"}}}`
	patchBlue   = `kubectl patch svc hse-app-service -n hse-production --type=merge -p {"spec":{"selector":{"slot":"blue"}}}`
	probeLive   = `curl -fsS -o /dev/null --max-time 2 http://127.0.0.1:8080/api/live`
	probeReady  = `curl -fsS --max-time 10 http://127.0.0.1:8080/api/ready`
	probeHealth = `curl -fsS --max-time 10 http://127.0.0.1:8080/api/health`
)

// releaseCalls are the calls of a successful release from blue to green, up
// to the switch.
var releaseCalls = []string{
	getSlot,
	greenImage,
	blueImage,
	`kubectl create -n hse-production -f -`,
	jobStatus,
	`kubectl set image deployment/prod-hse-app-green app=` + testImage + ` -n hse-production`,
	`kubectl rollout status deployment/prod-hse-app-green -n hse-production --timeout=10m`,
	`kubectl wait --for=condition=Ready --timeout=300s pod -l app=hse-app,slot=green -n hse-production`,
	probeLive,
	probeReady,
	probeHealth,
	patchGreen,
	getSlot,
}

func TestBlueGreenRelease(t *testing.T) {
	t.Parallel()
	r := runBlueGreen(t, "blue", nil, testImage)
	if r.err != nil {
		t.Fatalf("release failed: %v", r.err)
	}
	want := append(slices.Clone(releaseCalls), listPods)
	if diff := cmp.Diff(want, sequence(t, r.calls)); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if r.called("kubectl port-forward -n hse-production deployment/prod-hse-app-green 8080:3001") != 1 {
		t.Error("no port-forward to the idle deployment")
	}
	if r.slot != "green" {
		t.Errorf("selector slot = %q, want green", r.slot)
	}
	if r.called(listPods) < 2 {
		t.Errorf("the pods of the new slot were listed %d times while watching, want a baseline and checks", r.called(listPods))
	}

	// The Job is the template with this release's image and a unique name.
	var job batchv1.Job
	if err := yaml.UnmarshalStrict([]byte(r.job), &job); err != nil {
		t.Fatalf("the created Job does not decode: %v\n%s", err, r.job)
	}
	if job.Name != "hse-migrate-test" {
		t.Errorf("job name = %q", job.Name)
	}
	c := job.Spec.Template.Spec.Containers[0]
	if c.Image != testImage || strings.Join(c.Args, " ") != "migrate up" {
		t.Errorf("job runs %s %v, want %s migrate up", c.Image, c.Args, testImage)
	}
	if job.Spec.BackoffLimit == nil || *job.Spec.BackoffLimit != 3 {
		t.Errorf("backoffLimit = %v, want 3", job.Spec.BackoffLimit)
	}
}

func TestBlueGreenFromGreen(t *testing.T) {
	t.Parallel()
	r := runBlueGreen(t, "green", map[string]string{"NAMESPACE": "hse-staging", "DEPLOY_PREFIX": "staging-hse-app"}, testImage)
	if r.err != nil {
		t.Fatalf("release failed: %v", r.err)
	}
	if r.slot != "blue" {
		t.Errorf("selector slot = %q, want blue", r.slot)
	}
	for _, want := range []string{
		`kubectl set image deployment/staging-hse-app-blue app=` + testImage + ` -n hse-staging`,
		`kubectl port-forward -n hse-staging deployment/staging-hse-app-blue 8080:3001`,
		`kubectl patch svc hse-app-service -n hse-staging --type=merge -p {"spec":{"selector":{"slot":"blue"}}}`,
	} {
		if r.called(want) != 1 {
			t.Errorf("missing call %s", want)
		}
	}
}

// TestBlueGreenStopsAtFailure fails each step in turn: the script must exit
// non-zero, leave the selector on blue and stop before the next step.
func TestBlueGreenStopsAtFailure(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		env     map[string]string
		notCall string // the first call that must not happen
	}{
		{"service unreadable", map[string]string{"FAKE_FAIL": "kubectl get svc"}, "kubectl get deployment"},
		{"idle deployment missing", map[string]string{"FAKE_FAIL": "kubectl get deployment"}, "kubectl create"},
		{"migration job not created", map[string]string{"FAKE_FAIL": "kubectl create"}, "kubectl set image"},
		{"migration job status unreadable", map[string]string{"FAKE_FAIL": "kubectl get job"}, "kubectl set image"},
		{"migration failed", map[string]string{"FAKE_JOB_STATUS": "Failed"}, "kubectl set image"},
		{"migration timed out", map[string]string{"FAKE_JOB_STATUS": "", "MIGRATION_TIMEOUT": "0"}, "kubectl set image"},
		{"set image", map[string]string{"FAKE_FAIL": "kubectl set image"}, "kubectl rollout"},
		{"rollout", map[string]string{"FAKE_FAIL": "kubectl rollout status"}, "kubectl wait"},
		{"pods not ready", map[string]string{"FAKE_FAIL": "kubectl wait"}, "kubectl port-forward"},
		{"port-forward", map[string]string{"FAKE_FAIL": "kubectl port-forward"}, "curl -fsS --max-time 10"},
		{"readiness smoke test", map[string]string{"FAKE_FAIL": "/api/ready"}, "curl -fsS --max-time 10 http://127.0.0.1:8080/api/health"},
		{"health smoke test", map[string]string{"FAKE_FAIL": "/api/health"}, "kubectl patch"},
		{"custom smoke test", map[string]string{"SMOKE_CMD": "fake-smoke --url", "FAKE_FAIL": "smoke --url"}, "kubectl patch"},
		{"switch", map[string]string{"FAKE_FAIL": "kubectl patch"}, "kubectl get pods"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := runBlueGreen(t, "blue", c.env, testImage)
			var exit *exec.ExitError
			if !errors.As(r.err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("exit = %v, want status 1", r.err)
			}
			if r.slot != "blue" {
				t.Errorf("selector slot = %q after a failure, want blue (untouched)", r.slot)
			}
			if c.name != "switch" && r.called("kubectl patch") > 0 {
				t.Error("the selector was patched despite the failure")
			}
			if n := r.called(c.notCall); n > 0 {
				t.Errorf("%q ran after the failure", c.notCall)
			}
			if !strings.Contains(r.stderr, "FAILED") ||
				!strings.Contains(r.stderr, "still selects slot=blue") && !strings.Contains(r.stderr, "nothing was changed") {
				t.Errorf("stderr does not say what failed and where traffic is:\n%s", r.stderr)
			}
			if c.name == "migration failed" && r.called("kubectl logs job/hse-migrate-test") != 1 {
				t.Error("the failed migration's logs were not shown")
			}
			checkFailureReport(t, r, c.name)
		})
	}
}

// checkFailureReport checks what a failed release says beyond where the
// traffic is: from step 3 on, which slot runs which image and, when the
// rollback slot was changed, the command that puts it back.
func checkFailureReport(t *testing.T, r bgResult, name string) {
	t.Helper()
	migrated := !slices.Contains([]string{"service unreadable", "idle deployment missing", "migration job not created",
		"migration job status unreadable", "migration failed", "migration timed out"}, name)
	if got := strings.Contains(r.stderr, "the migrations of step 2 (job/hse-migrate-test) stay applied"); got != migrated {
		t.Errorf("stderr says the migrations stay applied: %v, want %v", got, migrated)
	}
	idleTouched := migrated
	changed := idleTouched && name != "set image"
	putBack := "to put it back: kubectl set image deployment/prod-hse-app-green app=" + previousImage + " -n hse-production"
	for _, c := range []struct {
		text string
		want bool
	}{
		{"slot=blue (traffic) runs " + activeImage, idleTouched},
		{"slot=green still runs " + previousImage + ": it is still the rollback slot", idleTouched && !changed},
		{"slot=green (the rollback slot) now runs " + testImage + ", no longer " + previousImage, changed},
		{"deploy/bluegreen.sh --rollback would switch traffic to the failed release", changed},
		{putBack, changed},
	} {
		if got := strings.Contains(r.stderr, c.text); got != c.want {
			t.Errorf("stderr contains %q: %v, want %v", c.text, got, c.want)
		}
	}
	if name == "set image" {
		if got := r.image(t, "prod-hse-app-green"); got != previousImage {
			t.Errorf("the failed set image changed the image to %s", got)
		}
	}
}

// TestBlueGreenPutBackAfterStep3 runs the command a release that failed at
// step 3 prints, and checks that it puts the rollback slot back on the
// previous release, so that --rollback is safe again.
func TestBlueGreenPutBackAfterStep3(t *testing.T) {
	t.Parallel()
	r := runBlueGreen(t, "blue", map[string]string{"FAKE_FAIL": "kubectl rollout status"}, testImage)
	if r.err == nil {
		t.Fatal("the release succeeded despite the failed rollout")
	}
	if got := r.image(t, "prod-hse-app-green"); got != testImage {
		t.Fatalf("the rollback slot runs %s after step 3, want the new image %s", got, testImage)
	}
	_, command, ok := strings.Cut(r.stderr, "to put it back: ")
	if !ok {
		t.Fatalf("no command to put the slot back:\n%s", r.stderr)
	}
	command, _, _ = strings.Cut(command, "\n")
	cmd := exec.Command("bash", "-c", command)
	cmd.Env = slices.DeleteFunc(slices.Clone(r.env), func(v string) bool { return strings.HasPrefix(v, "FAKE_FAIL=") })
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", command, err, out)
	}
	if got := r.image(t, "prod-hse-app-green"); got != previousImage {
		t.Errorf("after the printed command the rollback slot runs %s, want %s", got, previousImage)
	}
	if got := r.image(t, "prod-hse-app-blue"); got != activeImage {
		t.Errorf("the active slot runs %s, want %s untouched", got, activeImage)
	}
}

func TestBlueGreenSmokeCommand(t *testing.T) {
	t.Parallel()
	r := runBlueGreen(t, "blue", map[string]string{"SMOKE_CMD": "fake-smoke --url"}, testImage)
	if r.err != nil {
		t.Fatalf("release failed: %v", r.err)
	}
	if r.called("smoke --url http://127.0.0.1:8080") != 1 {
		t.Error("SMOKE_CMD was not run with the port-forward's URL")
	}
	if r.called(probeReady)+r.called(probeHealth) > 0 {
		t.Error("the default curl smoke test ran although SMOKE_CMD was set")
	}
}

// TestBlueGreenWatch covers step 6: the switch back when the new slot goes
// bad, judged by Prometheus when PROMETHEUS_URL is set and by the pods
// otherwise.
func TestBlueGreenWatch(t *testing.T) {
	t.Parallel()
	const prom = "http://prometheus:9090"
	for _, c := range []struct {
		name     string
		env      map[string]string
		wantSlot string
	}{
		{"error ratio above 5%", map[string]string{"PROMETHEUS_URL": prom, "FAKE_ERROR_RATIO": "0.2"}, "blue"},
		{"error ratio below 5%", map[string]string{"PROMETHEUS_URL": prom, "FAKE_ERROR_RATIO": "0.01"}, "green"},
		{"no traffic yet", map[string]string{"PROMETHEUS_URL": prom, "FAKE_ERROR_RATIO": "NaN"}, "green"},
		{"custom threshold", map[string]string{"PROMETHEUS_URL": prom, "FAKE_ERROR_RATIO": "0.02", "ERROR_THRESHOLD": "0.01"}, "blue"},
		{"prometheus down", map[string]string{"PROMETHEUS_URL": prom, "FAKE_FAIL": "api/v1/query"}, "green"},
		{"pods restart", map[string]string{"FAKE_PODS": "pod-a 0 true\npod-b 0 true", "FAKE_PODS_LATER": "pod-a 1 true\npod-b 0 true"}, "blue"},
		{"pods stay unready", map[string]string{"FAKE_PODS_LATER": "pod-a 0 false"}, "blue"},
		{"pods healthy", map[string]string{"FAKE_PODS": "pod-a 3 true"}, "green"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := runBlueGreen(t, "blue", c.env, testImage)
			if r.slot != c.wantSlot {
				t.Errorf("selector slot = %q, want %s", r.slot, c.wantSlot)
			}
			if c.wantSlot == "blue" {
				if r.err == nil {
					t.Error("exit 0 after switching back, want a failure")
				}
				if diff := cmp.Diff([]int{1, 1}, []int{r.called(patchGreen), r.called(patchBlue)}); diff != "" {
					t.Errorf("patches to green and back (-want +got):\n%s", diff)
				}
			} else if r.err != nil {
				t.Errorf("release failed: %v", r.err)
			}
			if c.env["PROMETHEUS_URL"] != "" {
				query := `query=sum(rate(hse_digital_http_request_errors_total{job="hse-digital",namespace="hse-production",slot="green"}[2m])) / sum(rate(hse_digital_http_requests_total{job="hse-digital",namespace="hse-production",slot="green"}[2m]))`
				if r.called("curl -fsS --max-time 10 -G "+prom+"/api/v1/query --data-urlencode "+query) == 0 {
					t.Errorf("Prometheus was not asked for the error ratio of the new slot")
				}
			}
		})
	}
}

func TestBlueGreenRollback(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, from, want string
		env              map[string]string
		wantErr          bool
	}{
		{"blue to green", "blue", "green", nil, false},
		{"green to blue", "green", "blue", nil, false},
		{"other slot not ready", "blue", "blue", map[string]string{"FAKE_READY": "0"}, true},
		{"patch fails", "blue", "blue", map[string]string{"FAKE_FAIL": "kubectl patch"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := runBlueGreen(t, c.from, c.env, "--rollback")
			if (r.err != nil) != c.wantErr {
				t.Errorf("err = %v, want error %v", r.err, c.wantErr)
			}
			if r.slot != c.want {
				t.Errorf("selector slot = %q, want %s", r.slot, c.want)
			}
			for _, forbidden := range []string{"kubectl set image", "kubectl create", "kubectl rollout"} {
				if r.called(forbidden) > 0 {
					t.Errorf("--rollback ran %s", forbidden)
				}
			}
		})
	}
}

func TestBlueGreenDryRun(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--dry-run", testImage}, {testImage, "--dry-run"}, {"--dry-run", "--rollback"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			r := runBlueGreen(t, "blue", nil, args...)
			if r.err != nil {
				t.Fatalf("dry run failed: %v", r.err)
			}
			for _, c := range r.calls {
				if !strings.HasPrefix(c, "kubectl get ") {
					t.Errorf("a dry run made a call other than kubectl get: %s", c)
				}
			}
			if r.slot != "blue" {
				t.Errorf("selector slot = %q after a dry run", r.slot)
			}
			want := []string{"kubectl patch svc hse-app-service -n hse-production --type=merge -p"}
			if args[1] != "--rollback" {
				want = append(want,
					"kubectl create -n hse-production -f -",
					"name: hse-migrate-test",
					"image: "+testImage,
					"kubectl set image deployment/prod-hse-app-green app="+testImage,
					"kubectl rollout status deployment/prod-hse-app-green",
					"kubectl port-forward -n hse-production deployment/prod-hse-app-green 8080:3001",
				)
			}
			for _, w := range want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("the dry run does not print %q:\n%s", w, r.stdout)
				}
			}
		})
	}
}

func TestBlueGreenUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{}, {"--bogus", testImage}, {testImage, "another"}, {"--rollback", testImage}} {
		r := runBlueGreen(t, "blue", nil, args...)
		var exit *exec.ExitError
		if !errors.As(r.err, &exit) || exit.ExitCode() != 2 {
			t.Errorf("%v: exit = %v, want status 2 (usage)", args, r.err)
		}
		if len(r.calls) > 0 {
			t.Errorf("%v: made calls %v", args, r.calls)
		}
	}
}
