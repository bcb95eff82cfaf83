package auth

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/hse"
)

func TestValidatePassword(t *testing.T) {
	const email = "Jane.Doe@Example.com"
	tests := []struct {
		name, pw string
		want     string // field message; empty when the password is accepted
	}{
		{"passphrase", "correct horse battery staple", ""},
		{"eight characters", "tqv7mzpk", ""},
		{"no composition rules", "plumtreeorchard", ""},
		{"max length", strings.Repeat("ab", MaxPasswordLength/2), ""},
		{"multibyte counts characters", "żółć gęślą", ""},
		{"too short", "tqv7mzp", "password must be at least 8 characters long"},
		{"too short in characters though long in bytes", "ééééééé", "password must be at least 8 characters long"},
		{"too long", strings.Repeat("ab", MaxPasswordLength/2) + "c", "password must be at most 128 characters long"},
		{"common", "password", tooCommon},
		{"common, case-insensitive", "PassWord", tooCommon},
		{"common with digits", "password1", tooCommon},
		{"keyboard walk", "qwertyuiop", tooCommon},
		{"digits", "12345678", tooCommon},
		{"name", "jennifer", tooCommon},
		{"dictionary word", "basketball", tooCommon},
		{"service name", "HSEdigital", tooCommon},
		{"full-width letters normalise to a common password", "ｐａｓｓｗｏｒｄ", tooCommon},
		{"e-mail", "jane.doe@example.com", "password must not be your e-mail address or part of it"},
		{"e-mail local part", "JANE.DOE", "password must not be your e-mail address or part of it"},
		{"one character repeated", "zzzzzzzzzzzz", "password must not be a single character repeated"},
		{"invalid UTF-8", "abc\xffdefgh", "password must be valid UTF-8 text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidatePassword(tt.pw, email)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("ValidatePassword(%q) = %v, want nil", tt.pw, err)
				}
				return
			}
			var e *hse.Error
			if !errors.As(err, &e) {
				t.Fatalf("ValidatePassword(%q) = %v, want *hse.Error", tt.pw, err)
			}
			if e.Kind != hse.KindInvalid {
				t.Errorf("kind = %v, want KindInvalid", e.Kind)
			}
			want := []hse.FieldError{{Field: "password", Message: tt.want}}
			if diff := cmp.Diff(want, e.Fields); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

const tooCommon = "this password is too common or easy to guess; a longer phrase of several words is a good choice"

func TestValidatePasswordWithoutEmail(t *testing.T) {
	if err := ValidatePassword("tqv7mzpk", ""); err != nil {
		t.Fatalf("an empty e-mail must not reject passwords: %v", err)
	}
}

func TestCommonPasswordList(t *testing.T) {
	set := commonPasswords()
	if len(set) < 30000 {
		t.Fatalf("block list has %d entries, want the full lists", len(set))
	}
	for _, pw := range []string{"iloveyou", "sunshine", "princess", "football", "1qaz2wsx", "trustno1", "michelle"} {
		if _, ok := set[pw]; !ok {
			t.Errorf("%q is not blocked", pw)
		}
	}
}
