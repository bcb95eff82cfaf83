package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hsedigital/hse/internal/hsetest"
)

// list shows each backup's verification state and why it is kept; prune
// verifies what was never verified, and a corrupt backup neither counts
// for its day nor pushes the good one out.
func TestBackupListShowsVerification(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		tg := hsetest.NewTarget(t, engine)
		dataDir := t.TempDir()
		dir := filepath.Join(dataDir, "backups")
		vars := map[string]string{"DATABASE_URL": tg.DatabaseURL, "HSE_DATA_DIR": dataDir}
		cli := func(args ...string) (string, error) {
			t.Helper()
			out, errOut, err := runCLI(t, vars, args...)
			return out + errOut, err
		}
		if out, err := cli("migrate", "up"); err != nil {
			t.Fatal(err, out)
		}
		names := map[string]string{}
		for _, label := range []string{"old", "good", "bad"} {
			out, err := cli("backup", "create", "--label", label)
			if err != nil {
				t.Fatal(err, out)
			}
			names[label] = backupName(strings.Fields(out)[1])
		}
		// "old" was made before backups were verified at creation.
		meta := filepath.Join(dir, names["old"]+".json")
		var m map[string]any
		b, _ := os.ReadFile(meta)
		json.Unmarshal(b, &m)
		delete(m, "verification")
		b, _ = json.Marshal(m)
		os.WriteFile(meta, b, 0o640)
		// "bad" is damaged on disk, and its verification says so.
		art, _ := filepath.Glob(filepath.Join(dir, names["bad"]+".*.gz"))
		data, _ := os.ReadFile(art[0])
		data[len(data)/2] ^= 0xff
		os.WriteFile(art[0], data, 0o640)
		if out, err := cli("backup", "verify", names["bad"]); err == nil || !strings.Contains(err.Error(), "corrupt") {
			t.Fatalf("verify of a damaged backup: %v %s", err, out)
		}

		out, err := cli("backup", "list")
		if err != nil {
			t.Fatal(err)
		}
		lines := map[string]string{}
		for _, l := range strings.Split(out, "\n") {
			for label, name := range names {
				if strings.HasPrefix(l, name+" ") {
					lines[label] = l
				}
			}
		}
		for label, want := range map[string][]string{
			"old":  {"unverified", " unverified"},
			"good": {"daily,weekly,monthly", "verified "},
			"bad":  {"failed-newest", "FAILED ", "is corrupt"},
		} {
			for _, w := range want {
				if !strings.Contains(lines[label], w) {
					t.Errorf("list line of %s lacks %q: %q", label, w, lines[label])
				}
			}
		}
		var listed []struct {
			Name  string   `json:"name"`
			State string   `json:"state"`
			Keep  []string `json:"keep"`
		}
		out, _ = cli("backup", "list", "--json")
		if err := json.Unmarshal([]byte(out), &listed); err != nil || len(listed) != 3 {
			t.Fatalf("list --json: %v %s", err, out)
		}
		if listed[0].Name != names["bad"] || listed[0].State != "failed" || listed[1].State != "verified" || listed[2].State != "unverified" {
			t.Errorf("list --json states: %+v", listed)
		}

		// prune verifies "old" (a good copy, but an older one of the same
		// day) and deletes it; "bad" stays, being newer than every verified
		// backup; "good" is the daily.
		if out, _ := cli("backup", "prune", "--dry-run"); !strings.Contains(out, "would delete "+names["old"]) || strings.Contains(out, names["good"]) {
			t.Errorf("prune --dry-run: %s", out)
		}
		if out, err := cli("backup", "prune"); err != nil || !strings.Contains(out, "deleted "+names["old"]) || strings.Contains(out, names["good"]) || strings.Contains(out, names["bad"]) {
			t.Errorf("prune: %v %s", err, out)
		}
		if out, _ := cli("backup", "list"); strings.Contains(out, names["old"]) || !strings.Contains(out, names["good"]) || !strings.Contains(out, names["bad"]) {
			t.Errorf("list after prune: %s", out)
		}
	})
}
