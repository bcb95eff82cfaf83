package app_test

import (
	"os"
	"testing"

	"github.com/alexedwards/argon2id"

	"github.com/hsedigital/hse/internal/auth"
)

// TestMain hashes passwords with cheap argon2id parameters: these tests
// sign up and log in thousands of times, and at the production cost
// (internal/auth tests those parameters, and that the dummy check for
// unknown addresses costs what a real one does) hashing was most of the
// package's run time. Every code path is the same; only the cost differs.
func TestMain(m *testing.M) {
	auth.PasswordParams = argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	os.Exit(m.Run())
}
