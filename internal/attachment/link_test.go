package attachment

import (
	"testing"
	"time"
)

func TestSignerRotation(t *testing.T) {
	now := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	exp := now.Add(time.Minute)
	old := NewSigner("the old secret, at least long enough", "")
	sig := old.Sign("org-1", "file-1", VariantContent, exp)

	rotated := NewSigner("the new secret, also long enough!!", "the old secret, at least long enough")
	if err := rotated.Verify("org-1", "file-1", VariantContent, exp.Unix(), sig, now); err != nil {
		t.Errorf("a link signed before the rotation: %v", err)
	}
	if err := NewSigner("the new secret, also long enough!!", "").Verify("org-1", "file-1", VariantContent, exp.Unix(), sig, now); err == nil {
		t.Error("a link signed with a retired secret still opens")
	}
	if err := rotated.Verify("org-1", "file-1", VariantContent, exp.Unix(), sig, exp.Add(time.Second)); err == nil {
		t.Error("an expired link opens")
	}
	if err := rotated.Verify("org-1", "file-1", VariantContent, exp.Unix(), "not base64 !", now); err == nil {
		t.Error("a malformed signature opens")
	}
	// New links are signed with the current secret.
	if err := NewSigner("the new secret, also long enough!!", "").Verify("org-1", "file-1", VariantThumbnail, exp.Unix(),
		rotated.Sign("org-1", "file-1", VariantThumbnail, exp), now); err != nil {
		t.Errorf("a new link: %v", err)
	}
}
