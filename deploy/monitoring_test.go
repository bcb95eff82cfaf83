package deploy_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

const monitoringDir = "monitoring"

// Runbook anchors that alerts may link to (sections of docs/runbook.md).
var runbookAnchors = []string{
	"failure-mode-1-pods-crashing",
	"failure-mode-2-database-connection-issues",
	"failure-mode-3-high-error-rate",
	"failure-mode-4-high-latency",
	"failure-mode-5-redis-connection-failures",
	"failure-mode-6-domain-events-not-delivered",
	"backups",
	"monitoring-verification",
}

// appMetrics are the series the server exports (internal/server/metrics.go
// and the dependency collector). Queries may use only these, up, and the
// kube-state-metrics, Go runtime and process series.
var appMetrics = map[string]bool{
	"hse_digital_http_requests_total":                   true,
	"hse_digital_http_request_errors_total":             true,
	"hse_digital_http_request_duration_seconds_bucket":  true,
	"hse_digital_http_request_duration_seconds_sum":     true,
	"hse_digital_http_request_duration_seconds_count":   true,
	"hse_digital_dependency_up":                         true,
	"hse_digital_backup_last_success_timestamp_seconds": true,
	"hse_digital_backup_last_size_bytes":                true,
	"hse_digital_outbox_pending_events":                 true,
	"hse_digital_outbox_oldest_pending_age_seconds":     true,
	"hse_digital_domain_events_total":                   true,
	"go_sql_max_open_connections":                       true,
	"go_sql_open_connections":                           true,
	"go_sql_in_use_connections":                         true,
	"go_sql_idle_connections":                           true,
	"go_sql_wait_count_total":                           true,
	"go_sql_wait_duration_seconds_total":                true,
	"up":                                                true,
}

func knownMetric(name string) bool {
	switch {
	case appMetrics[name]:
		return true
	case strings.HasPrefix(name, "go_sql_"):
		return false // only the DBStatsCollector names above
	case strings.HasPrefix(name, "kube_"), // kube-state-metrics
		strings.HasPrefix(name, "go_"), strings.HasPrefix(name, "process_"): // Go and process collectors
		return true
	}
	return false
}

// requirePromtool returns promtool's path, skipping the test where it is not
// installed, except in CI, which must run these tests.
func requirePromtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("promtool is required in CI (Debian: apt-get install prometheus)")
	}
	t.Skip("promtool not installed (Debian: apt-get install prometheus); skipping the rule checks")
	return ""
}

func TestAlertRulesPromtool(t *testing.T) {
	promtool := requirePromtool(t)
	for _, args := range [][]string{
		{"check", "rules", "alerts.yml"},
		{"test", "rules", "alerts_test.yml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = monitoringDir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// ruleFile is the Prometheus rule file format, decoded strictly.
type ruleFile struct {
	Groups []struct {
		Name     string `json:"name"`
		Interval string `json:"interval"`
		Rules    []struct {
			Alert       string            `json:"alert"`
			Record      string            `json:"record"`
			Expr        string            `json:"expr"`
			For         string            `json:"for"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"rules"`
	} `json:"groups"`
}

func TestAlertRules(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(monitoringDir, "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var rf ruleFile
	if err := yaml.UnmarshalStrict(b, &rf); err != nil {
		t.Fatalf("alerts.yml: %v", err)
	}
	runbook := runbookHeadings(t)
	alerts := map[string]string{}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			alerts[r.Alert] = r.Expr
			if sev := r.Labels["severity"]; !slices.Contains([]string{"P0", "P1", "P2", "P3"}, sev) {
				t.Errorf("%s: severity %q, want one of the runbook's P0-P3", r.Alert, sev)
			}
			if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("%s: needs summary and description annotations", r.Alert)
			}
			u := r.Annotations["runbook_url"]
			page, anchor, _ := strings.Cut(u, "#")
			if !strings.HasSuffix(page, "docs/runbook.md") || !slices.Contains(runbookAnchors, anchor) {
				t.Errorf("%s: runbook_url %q, want docs/runbook.md#<one of %v>", r.Alert, u, runbookAnchors)
			}
			if runbook != nil && !runbook[anchor] {
				t.Errorf("%s: docs/runbook.md has no heading with anchor #%s", r.Alert, anchor)
			}
			for _, m := range metricNames(r.Expr) {
				if !knownMetric(m) {
					t.Errorf("%s: unknown metric %q in %s", r.Alert, m, r.Expr)
				}
			}
		}
	}
	// The runbook's numbers, as the brief for these rules gives them.
	for name, want := range map[string]string{
		"HSEHighErrorRate":         "sum(rate(hse_digital_http_request_errors_total[5m])) / sum(rate(hse_digital_http_requests_total[5m])) > 0.05",
		"HSEHighLatency":           "histogram_quantile(0.95,",
		"HSEPodCrashLooping":       `reason="CrashLoopBackOff"`,
		"HSEReplicasBelowDesired":  "kube_deployment_spec_replicas",
		"HSEDatabasePoolSaturated": "> 0.9",
		"HSERedisDown":             `hse_digital_dependency_up{dependency="redis"}`,
		"HSETargetDown":            `up{job="hse-digital"} == 0`,
		"HSEBackupStale":           "> 26 * 3600",
	} {
		if expr, ok := alerts[name]; !ok {
			t.Errorf("alert %s is missing", name)
		} else if !strings.Contains(expr, want) {
			t.Errorf("alert %s: expression %q does not contain %q", name, expr, want)
		}
	}
}

// runbookHeadings returns the anchors of docs/runbook.md's headings, or nil
// while that document does not exist yet.
func runbookHeadings(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "docs", "runbook.md"))
	if os.IsNotExist(err) {
		t.Log("docs/runbook.md does not exist yet: runbook anchors not checked against it")
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	inFence := false
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inFence = !inFence
		}
		if inFence || !strings.HasPrefix(line, "#") {
			continue
		}
		anchors[githubAnchor(strings.TrimLeft(line, "#"))] = true
	}
	return anchors
}

// githubAnchor is the anchor GitHub gives a Markdown heading: lower case,
// punctuation dropped, spaces turned into hyphens.
func githubAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestDashboard(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(monitoringDir, "dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID        string  `json:"uid"`
		Title      string  `json:"title"`
		Panels     []panel `json:"panels"`
		Templating struct {
			List []struct {
				Name  string          `json:"name"`
				Type  string          `json:"type"`
				Query json.RawMessage `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("dashboard.json: %v", err)
	}
	if dash.UID == "" || dash.Title == "" {
		t.Error("the dashboard needs a uid and a title")
	}

	var exprs []string
	titles := map[string]bool{}
	ids := map[int]bool{}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			titles[p.Title] = true
			if ids[p.ID] {
				t.Errorf("panel id %d is used twice", p.ID)
			}
			ids[p.ID] = true
			for _, tg := range p.Targets {
				if strings.TrimSpace(tg.Expr) == "" {
					t.Errorf("panel %q has a target without expr", p.Title)
				}
				exprs = append(exprs, tg.Expr)
			}
			walk(p.Panels)
		}
	}
	walk(dash.Panels)

	for _, v := range dash.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			var s string
			if err := json.Unmarshal(v.Query, &s); err != nil {
				t.Fatalf("variable %s: query is neither a string nor an object", v.Name)
			}
			q.Query = s
		}
		exprs = append(exprs, templateExpr(q.Query))
	}

	used := map[string]bool{}
	for _, e := range exprs {
		for _, m := range metricNames(e) {
			used[m] = true
			if !knownMetric(m) {
				t.Errorf("unknown metric %q in %s", m, e)
			}
		}
	}
	// What the dashboard is for.
	for _, m := range []string{
		"hse_digital_http_requests_total", "hse_digital_http_request_errors_total",
		"hse_digital_http_request_duration_seconds_bucket", "go_sql_in_use_connections",
		"go_sql_max_open_connections", "hse_digital_dependency_up",
		"hse_digital_backup_last_success_timestamp_seconds", "kube_deployment_status_replicas_available",
	} {
		if !used[m] {
			t.Errorf("no panel shows %s", m)
		}
	}
	for _, q := range []string{"histogram_quantile(0.5,", "histogram_quantile(0.95,", "histogram_quantile(0.99,"} {
		if !slices.ContainsFunc(exprs, func(e string) bool { return strings.Contains(e, q) && strings.Contains(e, "route") }) {
			t.Errorf("no per-route latency panel with %s", q)
		}
	}
	if !titles["Background jobs"] || !used["hse_digital_outbox_oldest_pending_age_seconds"] || !used["hse_digital_domain_events_total"] {
		t.Error("the background jobs row shows no domain-event delivery")
	}
}

// panel is the part of a Grafana panel the test reads; rows nest panels.
type panel struct {
	ID      int    `json:"id"`
	Title   string `json:"title"`
	Type    string `json:"type"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

// templateExpr turns a Grafana variable query into PromQL:
// label_values(EXPR, label) -> EXPR.
func templateExpr(q string) string {
	if m := regexp.MustCompile(`^\s*label_values\((.*),\s*\w+\s*\)\s*$`).FindStringSubmatch(q); m != nil {
		return m[1]
	}
	if m := regexp.MustCompile(`^\s*query_result\((.*)\)\s*$`).FindStringSubmatch(q); m != nil {
		return m[1]
	}
	return q
}

var (
	promString   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`[^`]*`")
	promGrafana  = regexp.MustCompile(`\$\{[^}]*\}|\$\w+`)
	promMatchers = regexp.MustCompile(`\{[^{}]*\}|\[[^\[\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)`)
	promIdent    = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*`)
	promKeywords = map[string]bool{
		"and": true, "or": true, "unless": true, "bool": true, "offset": true,
		"inf": true, "nan": true, "atan2": true,
	}
)

// metricNames lists the metric names a PromQL expression selects. It is a
// small lexer, not a parser: strings, label matchers, ranges, grouping
// clauses and Grafana variables are removed, and what remains that is neither
// a function call, a keyword nor part of a number is a metric name.
func metricNames(expr string) []string {
	s := promString.ReplaceAllString(expr, `""`)
	s = promGrafana.ReplaceAllString(s, "")
	s = promMatchers.ReplaceAllString(s, " ")
	s = promGrouping.ReplaceAllString(s, " ")
	var names []string
	for _, loc := range promIdent.FindAllStringIndex(s, -1) {
		name := s[loc[0]:loc[1]]
		if loc[0] > 0 && strings.ContainsAny(s[loc[0]-1:loc[0]], "0123456789.") {
			continue // 1e3, 5m
		}
		if rest := strings.TrimLeft(s[loc[1]:], " \t\n"); strings.HasPrefix(rest, "(") {
			continue // a function or an aggregation
		}
		if promKeywords[strings.ToLower(name)] {
			continue
		}
		names = append(names, name)
	}
	return names
}

func TestMetricNames(t *testing.T) {
	for expr, want := range map[string][]string{
		`sum(rate(hse_digital_http_request_errors_total[5m])) / sum(rate(hse_digital_http_requests_total[5m])) > 0.05`: {"hse_digital_http_request_errors_total", "hse_digital_http_requests_total"},
		`histogram_quantile(0.95, sum by (le, route) (rate(x_bucket{job="a", route=~"b(c|d)"}[$__rate_interval])))`:    {"x_bucket"},
		`time() - max(backup_ts) > 26 * 3600`:                              {"backup_ts"},
		`a / on (pod) group_left (node) b offset 5m unless c and bool 1e3`: {"a", "b", "c"},
		`absent(up{job="hse-digital"} == 1)`:                               {"up"},
		`{__name__="up"}`:                                                  nil,
	} {
		if got := metricNames(expr); !slices.Equal(got, want) {
			t.Errorf("metricNames(%q) = %q, want %q", expr, got, want)
		}
	}
}
