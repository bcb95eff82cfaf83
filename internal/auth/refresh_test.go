package auth

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNewRefreshToken(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok, err := NewRefreshToken()
		if err != nil {
			t.Fatal(err)
		}
		body, ok := strings.CutPrefix(tok, RefreshTokenPrefix)
		if !ok {
			t.Fatalf("token %q lacks prefix %q", tok, RefreshTokenPrefix)
		}
		if b, err := base64.RawURLEncoding.DecodeString(body); err != nil || len(b) != 32 {
			t.Fatalf("token body %q is not 32 bytes of unpadded base64url: %v", body, err)
		}
		if seen[tok] {
			t.Fatalf("token %q issued twice", tok)
		}
		seen[tok] = true
	}
}

func TestNewOpaqueTokenPrefix(t *testing.T) {
	tok, err := NewOpaqueToken("hsev_")
	if err != nil || !strings.HasPrefix(tok, "hsev_") || len(tok) != len("hsev_")+43 {
		t.Fatalf("NewOpaqueToken = %q, %v", tok, err)
	}
}

// RFC 4231, test case 2.
func TestHashOpaqueIsHMACSHA256(t *testing.T) {
	got := HashOpaque("Jefe", "what do ya want for nothing?")
	want := "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Fatalf("HashOpaque = %s, want %s", got, want)
	}
}

func TestRefreshHasher(t *testing.T) {
	if _, err := NewRefreshHasher("", secretA); err == nil {
		t.Fatal("NewRefreshHasher accepted an empty current secret")
	}
	const tok = "hser_example"
	before, _ := NewRefreshHasher(secretA, "")
	after, _ := NewRefreshHasher(secretB, secretA)
	stored := before.Hash(tok)
	if before.Hash(tok) != stored || len(stored) != 64 {
		t.Fatalf("Hash is not a stable hex SHA-256: %q", stored)
	}
	if after.Hash(tok) == stored {
		t.Fatal("Hash does not depend on the secret")
	}
	if diff := cmp.Diff([]string{stored}, before.Candidates(tok)); diff != "" {
		t.Errorf("candidates without rotation (-want +got):\n%s", diff)
	}
	// A token stored before the rotation is found through the second candidate.
	if diff := cmp.Diff([]string{after.Hash(tok), stored}, after.Candidates(tok)); diff != "" {
		t.Errorf("candidates during rotation (-want +got):\n%s", diff)
	}
	same, _ := NewRefreshHasher(secretA, secretA)
	if got := len(same.Candidates(tok)); got != 1 {
		t.Errorf("previous equal to current gives %d candidates, want 1", got)
	}
}
