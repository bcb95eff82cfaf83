// Package mailtest captures e-mail in memory for tests of packages that
// send it.
package mailtest

import (
	"context"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// WaitTimeout is how long WaitFor waits: services may send from a job or
// a goroutine after the request that caused the mail has returned.
const WaitTimeout = 5 * time.Second

// Recorder is an hse.Mailer that keeps every message it is given. The zero
// value is ready to use and it is safe for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	msgs    []hse.Mail
	err     error
	changed chan struct{} // closed and replaced on every Send
	timeout time.Duration // WaitTimeout when zero; shortened by tests
}

var _ hse.Mailer = (*Recorder)(nil)

// Send records m, or returns the error set with Fail without recording.
func (r *Recorder) Send(ctx context.Context, m hse.Mail) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.msgs = append(r.msgs, m)
	if r.changed != nil {
		close(r.changed)
		r.changed = nil
	}
	return nil
}

// Fail makes every later Send return err (nil restores success), to test
// how a service copes with a mail server that is down.
func (r *Recorder) Fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
}

// Messages returns a copy of every message recorded so far, oldest first.
func (r *Recorder) Messages() []hse.Mail {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hse.Mail(nil), r.msgs...)
}

// Reset forgets the messages recorded so far.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = nil
}

// Last returns the newest message to the address to (compared as e-mail
// addresses: display names are ignored and case does not matter).
func (r *Recorder) Last(to string) (hse.Mail, bool) {
	m, ok, _ := r.find(to, "")
	return m, ok
}

// WaitFor returns the newest message of the given kind to the address to,
// waiting up to WaitTimeout for it to arrive; the test fails if it does
// not. An empty kind matches any kind.
func (r *Recorder) WaitFor(t testing.TB, to, kind string) hse.Mail {
	t.Helper()
	timeout := r.timeout
	if timeout == 0 {
		timeout = WaitTimeout
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		m, ok, changed := r.find(to, kind)
		if ok {
			return m
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("no %q mail to %s within %s; got %s", kind, to, timeout, r.summary())
			return hse.Mail{}
		}
	}
}

// find looks for the newest match and, in the same critical section, hands
// out the channel that the next Send closes, so no message slips between
// the look and the wait.
func (r *Recorder) find(to, kind string) (hse.Mail, bool, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	want := address(to)
	for i := len(r.msgs) - 1; i >= 0; i-- {
		m := r.msgs[i]
		if address(m.To) == want && (kind == "" || m.Kind == kind) {
			return m, true, nil
		}
	}
	if r.changed == nil {
		r.changed = make(chan struct{})
	}
	return hse.Mail{}, false, r.changed
}

func (r *Recorder) summary() string {
	msgs := r.Messages()
	if len(msgs) == 0 {
		return "no mail at all"
	}
	parts := make([]string, len(msgs))
	for i, m := range msgs {
		parts[i] = m.Kind + " to " + m.To
	}
	return strings.Join(parts, ", ")
}

func address(s string) string {
	if a, err := mail.ParseAddress(s); err == nil {
		s = a.Address
	}
	return strings.ToLower(strings.TrimSpace(s))
}
