package auth

import (
	"strings"
	"testing"
	"time"
)

const (
	secretA = "first-secret-0123456789abcdefghijklmnop"
	secretB = "second-secret-0123456789abcdefghijklmno"
	secretC = "third-secret-0123456789abcdefghijklmnopq"
)

func TestNewKeyring(t *testing.T) {
	if _, err := NewKeyring("", secretA); err == nil {
		t.Fatal("NewKeyring accepted an empty current secret")
	}
	k, err := NewKeyring(secretA, "")
	if err != nil {
		t.Fatal(err)
	}
	if k.AccessTTL() != DefaultAccessTTL {
		t.Errorf("AccessTTL = %v, want %v", k.AccessTTL(), DefaultAccessTTL)
	}
	if k, _ := NewKeyring(secretA, "", WithAccessTTL(5*time.Minute)); k.AccessTTL() != 5*time.Minute {
		t.Errorf("WithAccessTTL not applied: %v", k.AccessTTL())
	}
}

func TestKeyID(t *testing.T) {
	id := KeyID(secretA)
	if len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" {
		t.Fatalf("KeyID = %q, want 16 hex digits", id)
	}
	if strings.Contains(secretA, id) || KeyID(secretB) == id {
		t.Fatal("KeyID reveals the secret or does not tell secrets apart")
	}
	if KeyID(secretA) != id {
		t.Fatal("KeyID is not stable")
	}
}

// newKeyring is NewKeyring for tests, which always give valid secrets.
func newKeyring(t testing.TB, current, previous string) *Keyring {
	t.Helper()
	k, err := NewKeyring(current, previous)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
