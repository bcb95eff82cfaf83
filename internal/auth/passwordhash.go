package auth

import (
	"crypto/rand"
	"errors"
	"fmt"
	"sync"

	"github.com/alexedwards/argon2id"
)

// PasswordParams are the argon2id parameters of new password hashes:
// 46 MiB of memory, 2 passes, 1 lane, 16-byte salt, 32-byte key. This is
// the first OWASP configuration (m=46 MiB, t=1, p=1) with the time cost
// doubled; one hash takes about 110 ms on one core of the 2-core machines
// we deploy on (BenchmarkHashPassword), inside the 50-150 ms that keeps
// logins quick while making offline guessing expensive. One lane keeps a
// single login from occupying both cores. Hashes made with other parameters still verify;
// NeedsRehash tells when to upgrade them.
var PasswordParams = argon2id.Params{
	Memory:      46 * 1024, // KiB
	Iterations:  2,
	Parallelism: 1,
	SaltLength:  16,
	KeyLength:   32,
}

// HashPassword returns the argon2id hash of pw in the PHC string format
// ($argon2id$v=19$m=...,t=...,p=...$salt$key), which carries its own
// parameters and salt so that they can change without a migration.
func HashPassword(pw string) (string, error) {
	params := PasswordParams
	h, err := argon2id.CreateHash(normalizePassword(pw), &params)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// CheckPassword reports whether pw matches the encoded hash, comparing in
// constant time. An error means the stored hash is malformed, which is a
// data problem to log, not a wrong password.
func CheckPassword(pw, encoded string) (ok bool, err error) {
	ok, err = argon2id.ComparePasswordAndHash(normalizePassword(pw), encoded)
	if err != nil {
		return false, fmt.Errorf("check password: %w", err)
	}
	return ok, nil
}

// NeedsRehash reports whether encoded was made with parameters other than
// PasswordParams (or cannot be read), so that the caller re-hashes the
// password right after a successful login, the only moment it is known.
func NeedsRehash(encoded string) bool {
	p, _, _, err := argon2id.DecodeHash(encoded)
	return err != nil || *p != PasswordParams
}

// DummyCheck spends the time of one CheckPassword and throws the result
// away. Login calls it when no account has the given e-mail address, so that
// response time does not reveal which addresses are registered.
func DummyCheck(pw string) {
	_, _ = argon2id.ComparePasswordAndHash(normalizePassword(pw), dummyHash())
}

// dummyHash is a hash of a random password under the current parameters,
// made on first use so that programs that never log anyone in do not pay
// for it at start.
var dummyHash = sync.OnceValue(func() string {
	params := PasswordParams
	h, err := argon2id.CreateHash(rand.Text(), &params)
	if err != nil {
		// CreateHash fails only when the system random source does, and
		// crypto/rand never returns an error since Go 1.24.
		panic(errors.Join(errors.New("auth: dummy password hash"), err))
	}
	return h
})
