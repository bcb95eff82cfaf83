package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The runbook is what operators run at 3 a.m.; these tests keep it true:
// every hse command in its shell blocks parses against this CLI, every
// script it names exists, and every link to a docs section has its heading.

const repoRoot = "../.."

var runbookPath = filepath.Join(repoRoot, "docs", "runbook.md")

// shellWord is one word of a shell command line after quote removal, or
// an operator (op set) that separates commands.
type shellWord struct {
	text string
	op   bool
	line int
}

// placeholder stands for every expansion ($VAR, ${VAR}, $(...)).
const placeholder = "placeholder"

// lexShell splits shell text into words and operators as a POSIX shell
// would for the purpose of finding commands: quotes removed, backslash
// continuations joined, comments dropped, expansions replaced by a
// placeholder. Newlines, ; & | ( ) are operators; < > are operators whose
// next word is a redirection target.
func lexShell(text string, firstLine int) []shellWord {
	var (
		words   []shellWord
		cur     strings.Builder
		inWord  bool
		line    = firstLine
		start   = firstLine
		rs      = []rune(text)
		emitted = func() {
			if inWord {
				words = append(words, shellWord{text: cur.String(), line: start})
				cur.Reset()
				inWord = false
			}
		}
		begin = func() {
			if !inWord {
				inWord, start = true, line
			}
		}
	)
	// expansion consumes a $-expansion starting at rs[i] == '$' and returns
	// the index of its last rune.
	expansion := func(i int) int {
		if i+1 >= len(rs) {
			cur.WriteRune('$')
			return i
		}
		switch c := rs[i+1]; {
		case c == '(' || c == '{':
			closer := map[rune]rune{'(': ')', '{': '}'}[c]
			depth := 0
			for j := i + 1; j < len(rs); j++ {
				switch rs[j] {
				case c:
					depth++
				case closer:
					depth--
					if depth == 0 {
						cur.WriteString(placeholder)
						return j
					}
				case '\n':
					line++
				}
			}
			cur.WriteString(placeholder)
			return len(rs) - 1
		case c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			j := i + 1
			for j+1 < len(rs) && (rs[j+1] == '_' || rs[j+1] >= 'A' && rs[j+1] <= 'Z' || rs[j+1] >= 'a' && rs[j+1] <= 'z' || rs[j+1] >= '0' && rs[j+1] <= '9') {
				j++
			}
			cur.WriteString(placeholder)
			return j
		case strings.ContainsRune("?!#@*$0123456789-", c):
			cur.WriteString(placeholder)
			return i + 1
		}
		cur.WriteRune('$')
		return i
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\\':
			if i+1 < len(rs) {
				i++
				if rs[i] == '\n' {
					line++
					continue // continuation
				}
				begin()
				cur.WriteRune(rs[i])
			}
		case r == '\'':
			begin()
			for i++; i < len(rs) && rs[i] != '\''; i++ {
				if rs[i] == '\n' {
					line++
				}
				cur.WriteRune(rs[i])
			}
		case r == '"':
			begin()
			for i++; i < len(rs) && rs[i] != '"'; i++ {
				switch {
				case rs[i] == '\\' && i+1 < len(rs) && strings.ContainsRune("$`\"\\\n", rs[i+1]):
					i++
					if rs[i] == '\n' {
						line++
						continue
					}
					cur.WriteRune(rs[i])
				case rs[i] == '$':
					i = expansion(i)
				default:
					if rs[i] == '\n' {
						line++
					}
					cur.WriteRune(rs[i])
				}
			}
		case r == '$':
			begin()
			i = expansion(i)
		case r == '#' && !inWord:
			for i+1 < len(rs) && rs[i+1] != '\n' {
				i++
			}
		case r == ' ' || r == '\t':
			emitted()
		case strings.ContainsRune("\n;&|()<>", r):
			emitted()
			words = append(words, shellWord{text: string(r), op: true, line: line})
			if r == '\n' {
				line++
			}
		default:
			begin()
			cur.WriteRune(r)
		}
	}
	emitted()
	return words
}

// hseCommand is one invocation of hse found in the runbook.
type hseCommand struct {
	line int
	args []string // after the binary
}

func (c hseCommand) String() string { return "hse " + strings.Join(c.args, " ") }

var (
	assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	// Words that keep the next word in command position.
	transparent = map[string]bool{"{": true, "}": true, "!": true, "if": true, "then": true, "else": true,
		"elif": true, "do": true, "while": true, "until": true, "time": true, "exec": true, "env": true}
)

func isHSEBinary(w string) bool { return w == "hse" || strings.HasSuffix(w, "/hse") }

// hseCommands finds every hse invocation in shell text: a word in command
// position (after an operator, environment assignments or "kubectl exec
// ... --") that is hse, ./hse, bin/hse or another path ending in /hse.
func hseCommands(text string, firstLine int) []hseCommand {
	var out []hseCommand
	words := lexShell(text, firstLine)
	for i := 0; i < len(words); {
		// One simple command: words up to the next separator.
		j := i
		for j < len(words) && !(words[j].op && strings.ContainsAny(words[j].text, "\n;&|()")) {
			j++
		}
		var cmd []shellWord
		for k := i; k < j; k++ {
			if words[k].op { // < or >: skip the redirection target
				k++
				continue
			}
			cmd = append(cmd, words[k])
		}
		// Skip assignments and reserved words; unwrap kubectl exec ... --.
		for len(cmd) > 0 {
			w := cmd[0].text
			if transparent[w] || assignment.MatchString(w) {
				cmd = cmd[1:]
				continue
			}
			if w == "kubectl" && len(cmd) > 1 && slices.ContainsFunc(cmd, func(s shellWord) bool { return s.text == "exec" }) {
				if k := slices.IndexFunc(cmd, func(s shellWord) bool { return s.text == "--" }); k >= 0 {
					cmd = cmd[k+1:]
					continue
				}
			}
			break
		}
		if len(cmd) > 0 && isHSEBinary(cmd[0].text) {
			c := hseCommand{line: cmd[0].line}
			for _, w := range cmd[1:] {
				c.args = append(c.args, w.text)
			}
			out = append(out, c)
		}
		i = j + 1
	}
	return out
}

// codeBlock is a fenced block of a Markdown document.
type codeBlock struct {
	lang string
	line int // of the first line inside the fence
	text string
}

func codeBlocks(doc string) []codeBlock {
	var (
		out   []codeBlock
		cur   *codeBlock
		lines []string
	)
	for n, l := range strings.Split(doc, "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "```") {
			if cur == nil {
				cur = &codeBlock{lang: strings.TrimSpace(strings.TrimPrefix(t, "```")), line: n + 2}
				lines = nil
			} else {
				cur.text = strings.Join(lines, "\n")
				out = append(out, *cur)
				cur = nil
			}
			continue
		}
		if cur != nil {
			lines = append(lines, l)
		}
	}
	return out
}

// runbookCommands returns the hse commands of the shell blocks of doc.
func runbookCommands(doc string) []hseCommand {
	var out []hseCommand
	for _, b := range codeBlocks(doc) {
		switch b.lang {
		case "", "bash", "sh", "shell", "console":
			out = append(out, hseCommands(b.text, b.line)...)
		}
	}
	return out
}

// checkParses runs the command with --help appended against the real CLI:
// a known subcommand, action and flags end in flag.ErrHelp; anything
// unknown is a usage error first.
func checkParses(args []string) error {
	full := append(slices.Clone(args), "--help")
	err := run(context.Background(), full, func(string) string { return "" }, io.Discard, io.Discard)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err == nil {
		return errors.New("ran without reaching flag parsing (a bare \"hse --help\"?)")
	}
	return err
}

func readRunbook(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(runbookPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRunbookCommandsParse(t *testing.T) {
	cmds := runbookCommands(readRunbook(t))
	seen := map[string]bool{}
	for _, c := range cmds {
		t.Logf("docs/runbook.md:%d: %s", c.line, c)
		if err := checkParses(c.args); err != nil {
			t.Errorf("docs/runbook.md:%d: %s: %v", c.line, c, err)
		}
		if len(c.args) > 0 {
			key := c.args[0]
			if len(c.args) > 1 && !strings.HasPrefix(c.args[1], "-") {
				key += " " + c.args[1]
			}
			seen[key] = true
		}
	}
	// What the runbook must show how to run; guards against an extractor
	// that silently finds nothing.
	for _, want := range []string{
		"migrate status", "migrate down", "backup create", "backup verify", "backup list",
		"backup prune", "backup restore", "admin create-operator", "smoke", "config",
	} {
		if !seen[want] {
			t.Errorf("docs/runbook.md has no code line running \"hse %s\" (found %d commands: %v)", want, len(cmds), keys(boolKeys(seen)))
		}
	}
}

func boolKeys(m map[string]bool) map[string]any {
	out := map[string]any{}
	for k := range m {
		out[k] = true
	}
	return out
}

// The extractor and the check on examples: every form the runbook uses is
// found, and unknown subcommands, actions and flags fail.
func TestRunbookExtraction(t *testing.T) {
	doc := "Text with hse migrate bogus outside a block.\n" +
		"```bash\n" +
		"hse migrate up   # a comment: hse frobnicate\n" +
		"kubectl exec -n $NS deploy/prod-hse-app-${TARGET} -c app -- hse backup create --label pre-deploy-$VERSION\n" +
		"./hse backup verify \"$NAME\" \\\n" +
		"  --restore-test\n" +
		"DATABASE_URL=\"postgres://x@h/db\" bin/hse migrate down --to 3 && echo done\n" +
		"curl -fsS $URL || { kill $PID; hse smoke --url \"$(cat url.txt)\" --timeout 10s; }\n" +
		"docker cp hse-bin:/usr/local/bin/hse bin/hse\n" +
		"echo 'hse not a command' | grep -c hse > /tmp/hse\n" +
		"```\n" +
		"```text\nhse migrate bogus\n```\n"
	got := runbookCommands(doc)
	want := []string{
		"hse migrate up",
		"hse backup create --label pre-deploy-placeholder",
		"hse backup verify placeholder --restore-test",
		"hse migrate down --to 3",
		"hse smoke --url placeholder --timeout 10s",
	}
	var gotS []string
	for _, c := range got {
		gotS = append(gotS, c.String())
		if err := checkParses(c.args); err != nil {
			t.Errorf("%s: %v", c, err)
		}
	}
	if !slices.Equal(gotS, want) {
		t.Errorf("extracted\n  %q\nwant\n  %q", gotS, want)
	}
	if len(got) == 5 && (got[0].line != 3 || got[2].line != 5 || got[4].line != 8) {
		t.Errorf("line numbers %d, %d, %d; want 3, 5, 8", got[0].line, got[2].line, got[4].line)
	}

	for _, bad := range [][]string{
		{"frobnicate"},
		{"migrate", "sideways"},
		{"admin", "delete-operator", "--email", "x"},
		{"backup", "create", "--lable", "x"},
		{"backup", "restore", "x.sql.gz", "--forse"},
		{"backup", "destroy"},
		{"smoke", "--url", "http://x", "--pasword", "x"},
		{"migrate", "down", "--to"},
	} {
		if err := checkParses(bad); err == nil {
			t.Errorf("hse %s parsed; want an error", strings.Join(bad, " "))
		}
	}
}

// Every script the runbook names exists in the repository.
func TestRunbookScriptsExist(t *testing.T) {
	doc := readRunbook(t)
	re := regexp.MustCompile(`(?:^|[^A-Za-z0-9_.-])(?:\./)?((?:scripts|deploy)/[A-Za-z0-9_./-]*\.sh)\b`)
	found := 0
	for _, m := range re.FindAllStringSubmatch(doc, -1) {
		found++
		if _, err := os.Stat(filepath.Join(repoRoot, m[1])); err != nil {
			t.Errorf("docs/runbook.md names %s, which does not exist", m[1])
		}
	}
	if found == 0 {
		t.Error("docs/runbook.md names no script: the pattern is wrong")
	}
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

// markdownAnchors returns the anchors of a document's headings, with
// GitHub's -1, -2 suffixes for repeated headings.
func markdownAnchors(doc string) map[string]bool {
	anchors := map[string]bool{}
	count := map[string]int{}
	inFence := false
	for _, l := range strings.Split(doc, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			inFence = !inFence
			continue
		}
		if inFence || !strings.HasPrefix(l, "#") {
			continue
		}
		h := strings.TrimLeft(l, "#")
		if h != "" && h[0] != ' ' {
			continue // not a heading: "#tag"
		}
		a := githubAnchor(h)
		if n := count[a]; n > 0 {
			anchors[fmt.Sprintf("%s-%d", a, n)] = true
		} else {
			anchors[a] = true
		}
		count[a]++
	}
	return anchors
}

func TestRunbookAnchors(t *testing.T) {
	// The anchors the alert rules and the monitoring tests rely on.
	anchors := markdownAnchors(readRunbook(t))
	for _, a := range []string{
		"failure-mode-1-pods-crashing", "failure-mode-2-database-connection-issues",
		"failure-mode-3-high-error-rate", "failure-mode-4-high-latency",
		"failure-mode-5-redis-connection-failures", "backups", "monitoring-verification",
	} {
		if !anchors[a] {
			t.Errorf("docs/runbook.md has no heading with anchor #%s", a)
		}
	}

	// Links within the runbook.
	for _, m := range regexp.MustCompile(`\]\(#([^)\s]+)\)`).FindAllStringSubmatch(readRunbook(t), -1) {
		if !anchors[m[1]] {
			t.Errorf("docs/runbook.md links to #%s, which is no heading of it", m[1])
		}
	}

	// Links into docs/ from anywhere in the repository (alert runbook_url,
	// READMEs, comments).
	link := regexp.MustCompile(`docs/([A-Za-z0-9_./-]+\.md)#([A-Za-z0-9_-]+)`)
	docs := map[string]map[string]bool{}
	links := 0
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "vendor", "data", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".md", ".yml", ".yaml", ".go", ".sh", ".json":
		default:
			return nil
		}
		if strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			links++
			rel := filepath.ToSlash(strings.TrimPrefix(path, repoRoot+string(filepath.Separator)))
			target, ok := docs[m[1]]
			if !ok {
				tb, err := os.ReadFile(filepath.Join(repoRoot, "docs", m[1]))
				if err != nil {
					t.Errorf("%s links to docs/%s, which does not exist", rel, m[1])
					docs[m[1]] = nil
					continue
				}
				target = markdownAnchors(string(tb))
				docs[m[1]] = target
			}
			if target != nil && !target[m[2]] {
				t.Errorf("%s links to docs/%s#%s: no such heading", rel, m[1], m[2])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if links == 0 {
		t.Error("no link into docs/ found: deploy/monitoring/alerts.yml should have some")
	}
}
