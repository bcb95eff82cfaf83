package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The runbook's commands run inside postgres-0 log in with the role and
// database that the manifests give it; a wrong name fails only at 3 a.m.

// postgresNames reads POSTGRES_USER and POSTGRES_DB from the in-cluster
// PostgreSQL manifest.
func postgresNames(t *testing.T) (user, db string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "k8s", "components", "datastores", "postgres.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	value := func(name string) string {
		m := regexp.MustCompile(`- name: ` + name + `\s+value: "?([A-Za-z0-9_]+)"?`).FindSubmatch(b)
		if m == nil {
			t.Fatalf("postgres.yaml sets no %s", name)
		}
		return string(m[1])
	}
	return value("POSTGRES_USER"), value("POSTGRES_DB")
}

// postgresClientCall is one psql, pg_isready or pg_dump run in postgres-0.
type postgresClientCall struct {
	line     int
	tool     string
	user, db string
}

// postgresClientCalls finds, in shell text, the PostgreSQL client tools
// run through "kubectl exec ... postgres-0 ... --" and their -U and -d.
func postgresClientCalls(text string, firstLine int) []postgresClientCall {
	var out []postgresClientCall
	words := lexShell(text, firstLine)
	for i := 0; i < len(words); {
		j := i
		for j < len(words) && !(words[j].op && strings.ContainsAny(words[j].text, "\n;&|()")) {
			j++
		}
		cmd := words[i:j]
		i = j + 1
		texts := make([]string, len(cmd))
		for k, w := range cmd {
			texts[k] = w.text
		}
		dash := slices.Index(texts, "--")
		if !slices.Contains(texts, "kubectl") || !slices.Contains(texts, "exec") || !slices.Contains(texts, "postgres-0") || dash < 0 || dash+1 >= len(texts) {
			continue
		}
		tool := texts[dash+1]
		if tool != "psql" && tool != "pg_isready" && tool != "pg_dump" {
			continue
		}
		c := postgresClientCall{line: cmd[dash+1].line, tool: tool}
		for k := dash + 2; k+1 < len(texts); k++ {
			switch texts[k] {
			case "-U", "--username":
				c.user = texts[k+1]
			case "-d", "--dbname":
				c.db = texts[k+1]
			}
		}
		out = append(out, c)
	}
	return out
}

func TestRunbookPostgresNames(t *testing.T) {
	user, db := postgresNames(t)
	var calls []postgresClientCall
	for _, b := range codeBlocks(readRunbook(t)) {
		switch b.lang {
		case "", "bash", "sh", "shell", "console":
			calls = append(calls, postgresClientCalls(b.text, b.line)...)
		}
	}
	if len(calls) < 3 {
		t.Fatalf("found %d commands run in postgres-0; the extractor is wrong: %+v", len(calls), calls)
	}
	for _, c := range calls {
		if c.user != user || c.db != db {
			t.Errorf("docs/runbook.md:%d: %s -U %q -d %q, want -U %s -d %s (deploy/k8s/components/datastores/postgres.yaml)",
				c.line, c.tool, c.user, c.db, user, db)
		}
	}
}

// The extractor on examples: the wrong names of the old Failure Mode 6 are
// found, commands elsewhere are not.
func TestPostgresClientCalls(t *testing.T) {
	text := "kubectl exec -n hse-production postgres-0 -- psql -U hse -d hse -c \\\n  \"SELECT 1\"\n" +
		"kubectl exec postgres-0 -n $NS -- pg_isready -U hse_admin -d hse_platform\n" +
		"docker exec hse-drill pg_isready -U postgres -h 127.0.0.1\n" +
		"psql -U someone -d elsewhere\n"
	got := postgresClientCalls(text, 10)
	want := []postgresClientCall{{line: 10, tool: "psql", user: "hse", db: "hse"}, {line: 12, tool: "pg_isready", user: "hse_admin", db: "hse_platform"}}
	if !slices.Equal(got, want) {
		t.Errorf("calls = %+v, want %+v", got, want)
	}
}
