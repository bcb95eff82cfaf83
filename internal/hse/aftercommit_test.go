package hse_test

import (
	"context"
	"slices"
	"testing"

	"github.com/hsedigital/hse/internal/hse"
)

func TestAfterCommit(t *testing.T) {
	var ran []string
	note := func(s string) func() { return func() { ran = append(ran, s) } }

	hse.AfterCommit(context.Background(), note("at once"))
	if !slices.Equal(ran, []string{"at once"}) {
		t.Fatalf("without a held transaction: %v", ran)
	}

	ran = nil
	ctx, e := hse.WithEffects(context.Background())
	hse.AfterCommit(ctx, note("first"))
	hse.AfterCommit(ctx, note("second"))
	if len(ran) != 0 {
		t.Fatalf("ran before the commit: %v", ran)
	}
	e.Run()
	hse.AfterCommit(ctx, note("after the commit"))
	if !slices.Equal(ran, []string{"first", "second", "after the commit"}) {
		t.Fatalf("after the commit: %v", ran)
	}

	ran = nil
	ctx, e = hse.WithEffects(context.Background())
	hse.AfterCommit(ctx, note("rolled back"))
	e.Drop()
	e.Run()
	if len(ran) != 0 {
		t.Fatalf("ran after a rollback: %v", ran)
	}
}
