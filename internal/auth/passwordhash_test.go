package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
)

func TestHashAndCheckPassword(t *testing.T) {
	const pw = "crème brûlée for dinner" // precomposed accents
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=47104,t=2,p=1$") {
		t.Fatalf("hash %q does not carry the expected parameters", h)
	}
	if h2, _ := HashPassword(pw); h2 == h {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
	tests := []struct {
		name, pw string
		want     bool
	}{
		{"same", pw, true},
		{"decomposed accents match after normalisation", "cre\u0300me bru\u0302le\u0301e for dinner", true},
		{"different", "creme brulee for dinner", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := CheckPassword(tt.pw, h)
			if err != nil || ok != tt.want {
				t.Fatalf("CheckPassword = %v, %v; want %v, nil", ok, err, tt.want)
			}
		})
	}
}

func TestCheckPasswordMalformedHash(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2id$v=19$m=1,t=1,p=1$!!$!!", "$2a$10$abcdefghijklmnopqrstuv"} {
		if ok, err := CheckPassword("whatever", h); ok || err == nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want false and an error", h, ok, err)
		}
	}
}

func TestNeedsRehash(t *testing.T) {
	current, err := HashPassword("tqv7mzpk")
	if err != nil {
		t.Fatal(err)
	}
	weaker := PasswordParams
	weaker.Memory, weaker.Iterations = 19*1024, 1
	old, err := argon2id.CreateHash("tqv7mzpk", &weaker)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, hash string
		want       bool
	}{
		{"current parameters", current, false},
		{"older parameters", old, true},
		{"unreadable", "not a hash", true},
	}
	for _, tt := range tests {
		if got := NeedsRehash(tt.hash); got != tt.want {
			t.Errorf("%s: NeedsRehash = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// DummyCheck must cost what a real check costs, or timing tells which
// e-mail addresses have accounts. The cost of an argon2id check is set by
// the hash's parameters, so the dummy hash must carry exactly the current
// ones; the timing comparison after it only catches a gross difference
// (a check skipped altogether), loosely, so that a busy machine does not
// fail it. Minimums of a few runs filter out noise.
func TestDummyCheckCostsARealCheck(t *testing.T) {
	h, err := HashPassword("tqv7mzpk")
	if err != nil {
		t.Fatal(err)
	}
	DummyCheck("warm up") // builds the dummy hash
	if NeedsRehash(dummyHash()) {
		t.Fatalf("the dummy hash %q is not made with the current parameters %+v", dummyHash(), PasswordParams)
	}
	fastest := func(f func()) time.Duration {
		best := time.Hour
		for range 3 {
			start := time.Now()
			f()
			best = min(best, time.Since(start))
		}
		return best
	}
	real := fastest(func() { _, _ = CheckPassword("wrong guess", h) })
	dummy := fastest(func() { DummyCheck("wrong guess") })
	if ratio := float64(dummy) / float64(real); ratio < 0.25 || ratio > 4 {
		t.Errorf("DummyCheck took %v, CheckPassword %v", dummy, real)
	}
}

func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
