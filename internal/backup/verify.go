package backup

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// corruptError is a verification failure of the backup itself: its
// checksum or size differs from the metadata, its gzip stream is damaged,
// or its restore test failed. Only these are recorded as a failed
// verification; an error reading the backup (a file or bucket that cannot
// be read, a scratch database that cannot be created) says nothing about
// the backup, so that a broken drill or a network blip never makes a good
// backup look bad and lose its place in the retention.
type corruptError struct{ err error }

func (e *corruptError) Error() string { return e.err.Error() }
func (e *corruptError) Unwrap() error { return e.err }

func corruptf(format string, args ...any) error {
	return &corruptError{err: fmt.Errorf(format, args...)}
}

// isCorrupt reports whether err is a failure of the backup itself.
func isCorrupt(err error) bool {
	var c *corruptError
	return errors.As(err, &c)
}

// Verify checks a backup: the file's SHA-256 against its metadata and the
// whole gzip stream's integrity. With a scratch target it also restores the
// backup there and compares row counts per table (the weekly restore drill
// as one command). The outcome is written into the metadata when the check
// could run to a verdict; when it could not (the file is unreadable, the
// scratch database cannot be made), the metadata is left as it was and the
// error says why.
func Verify(ctx context.Context, dir, name string, scratch *Scratch, now time.Time) (*Metadata, error) {
	m, err := ReadMetadata(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	verr := verify(ctx, dir, m, scratch)
	if verr != nil && !isCorrupt(verr) {
		return m, fmt.Errorf("the verification could not run (the backup's recorded state is unchanged): %w", verr)
	}
	m.Verification = verdict(verr, scratch != nil, now)
	if err := WriteMetadata(dir, m); err != nil {
		return m, err
	}
	return m, verr
}

// verdict is the verification record of a check's outcome.
func verdict(err error, restoreTest bool, now time.Time) *Verification {
	v := &Verification{At: now.UTC(), OK: err == nil, RestoreTest: restoreTest}
	if err != nil {
		v.Error = err.Error()
	}
	return v
}

func verify(ctx context.Context, dir string, m *Metadata, scratch *Scratch) error {
	path := filepath.Join(dir, m.File)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = checkStream(f, m)
	f.Close()
	if err != nil || scratch == nil {
		return err
	}
	counts, err := scratch.restoreAndCount(ctx, m, path)
	if err != nil {
		return fmt.Errorf("restore test: %w", err)
	}
	for table, want := range m.RowCounts {
		if got := counts[table]; got != want {
			return corruptf("restore test: table %s has %d rows after restore, the backup recorded %d", table, got, want)
		}
	}
	return nil
}

// checkStream reads an artifact once, from a file or a bucket: its SHA-256
// and size are compared with the metadata, and its gzip stream is read to
// the end, which checks every block and the final CRC. A checksum that
// differs is reported first: it says the file changed since it was made.
func checkStream(src io.Reader, m *Metadata) error {
	h := sha256.New()
	cr := &readCounter{r: src}
	raw := io.TeeReader(cr, h)
	var gzErr error
	zr, err := gzip.NewReader(raw)
	if err != nil {
		gzErr = fmt.Errorf("%s is not a valid gzip file: %w", m.File, err)
	} else if _, err := io.Copy(io.Discard, zr); err != nil {
		gzErr = fmt.Errorf("%s is damaged: %w", m.File, err)
	}
	if cr.err != nil {
		return fmt.Errorf("reading %s: %w", m.File, cr.err)
	}
	// Whatever the gzip reader left (after a damaged block) still counts
	// for the checksum.
	if _, err := io.Copy(io.Discard, raw); err != nil {
		return fmt.Errorf("reading %s: %w", m.File, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != m.SHA256 || cr.n != m.SizeBytes {
		return corruptf("%s is corrupt: checksum or size differs from its metadata (sha256 %s, %d bytes; expected %s, %d bytes)", m.File, sum, cr.n, m.SHA256, m.SizeBytes)
	}
	if gzErr != nil {
		return &corruptError{err: gzErr}
	}
	return nil
}

// readCounter counts the bytes read and keeps the source's own read error,
// so that a failed read is told apart from damaged content.
type readCounter struct {
	r   io.Reader
	n   int64
	err error
}

func (c *readCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}
