package checklist

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// samplesDir holds each starter template as the body of POST /api/forms,
// for docs/import.md. HSE_UPDATE_SAMPLES=1 rewrites them from Starters().
const samplesDir = "../../docs/samples/templates"

func sampleName(s Starter) string {
	slug := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return '-'
	}, s.Name)
	for strings.Contains(slug, "--") {
		slug = strings.ReplaceAll(slug, "--", "-")
	}
	return strings.Trim(slug, "-") + ".json"
}

func sampleBody(t *testing.T, s Starter) []byte {
	t.Helper()
	b, err := json.MarshalIndent(map[string]any{"name": s.Name, "kind": s.Kind, "description": s.Description, "definition": s.Definition}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// The documented starter templates are exactly what new organizations get.
func TestStarterSamplesMatchCode(t *testing.T) {
	for _, s := range Starters() {
		path := filepath.Join(samplesDir, sampleName(s))
		want := sampleBody(t, s)
		if os.Getenv("HSE_UPDATE_SAMPLES") == "1" {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != string(want) {
			t.Errorf("%s is not the starter template %q as the code defines it (err %v); run HSE_UPDATE_SAMPLES=1 go test ./internal/checklist", path, s.Name, err)
		}
		if errs := Validate(&s.Definition); len(errs) > 0 {
			t.Errorf("%s: %v", s.Name, errs)
		}
	}
}
