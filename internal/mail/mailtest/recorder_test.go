package mailtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/hse"
)

func TestRecorderKeepsMessages(t *testing.T) {
	var r Recorder
	ctx := context.Background()
	first := hse.Mail{To: "Bob <bob@example.com>", Subject: "one", Kind: "verify_email"}
	second := hse.Mail{To: "bob@example.com", Subject: "two", Kind: "password_reset"}
	other := hse.Mail{To: "eve@example.com", Subject: "three", Kind: "verify_email"}
	for _, m := range []hse.Mail{first, second, other} {
		if err := r.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]hse.Mail{first, second, other}, r.Messages()); diff != "" {
		t.Errorf("Messages (-want +got):\n%s", diff)
	}
	// Messages is a copy.
	r.Messages()[0].Subject = "changed"
	if r.Messages()[0].Subject != "one" {
		t.Error("Messages exposes the recorder's slice")
	}

	if m, ok := r.Last("BOB@example.com"); !ok || m.Subject != "two" {
		t.Errorf("Last(bob) = %+v, %v; want the newest, matched by address", m, ok)
	}
	if _, ok := r.Last("nobody@example.com"); ok {
		t.Error("Last found mail for nobody")
	}
	if m := r.WaitFor(t, "bob@example.com", "verify_email"); m.Subject != "one" {
		t.Errorf("WaitFor(bob, verify_email) = %+v", m)
	}
	r.Reset()
	if len(r.Messages()) != 0 {
		t.Error("Reset kept messages")
	}
}

// Mail sent from another goroutine after WaitFor started is found.
func TestRecorderWaitForAsyncSend(t *testing.T) {
	var r Recorder
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	for i := range 5 {
		wg.Go(func() {
			time.Sleep(time.Duration(i*10) * time.Millisecond)
			r.Send(context.Background(), hse.Mail{To: fmt.Sprintf("u%d@example.com", i), Kind: "invitation"})
		})
	}
	if m := r.WaitFor(t, "u4@example.com", "invitation"); m.To != "u4@example.com" {
		t.Errorf("got %+v", m)
	}
	if m := r.WaitFor(t, "u2@example.com", ""); m.Kind != "invitation" {
		t.Errorf("got %+v", m)
	}
}

// fatalTB records a failure instead of stopping the test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) { f.msg = fmt.Sprintf(format, args...) }

func TestRecorderWaitForTimesOut(t *testing.T) {
	r := Recorder{timeout: 50 * time.Millisecond}
	r.Send(context.Background(), hse.Mail{To: "bob@example.com", Kind: "invitation"})
	tb := &fatalTB{TB: t}
	start := time.Now()
	r.WaitFor(tb, "bob@example.com", "password_reset")
	if time.Since(start) > 2*time.Second {
		t.Error("WaitFor did not give up at its timeout")
	}
	if !strings.Contains(tb.msg, `no "password_reset" mail to bob@example.com`) || !strings.Contains(tb.msg, "invitation to bob@example.com") {
		t.Errorf("failure message %q should say what was wanted and what came", tb.msg)
	}
}

func TestRecorderFail(t *testing.T) {
	var r Recorder
	down := errors.New("smtp down")
	r.Fail(down)
	if err := r.Send(context.Background(), hse.Mail{To: "bob@example.com"}); !errors.Is(err, down) {
		t.Errorf("Send = %v, want %v", err, down)
	}
	r.Fail(nil)
	if err := r.Send(context.Background(), hse.Mail{To: "bob@example.com"}); err != nil {
		t.Fatal(err)
	}
	if n := len(r.Messages()); n != 1 {
		t.Errorf("%d messages, want only the one that succeeded", n)
	}
}
